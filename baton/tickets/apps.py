from typing import Any

from django.apps import AppConfig

from baton.core import schema

from . import dbtriggers


def _install_audit_triggers(connection: Any) -> None:
    """The audit trail's append-only triggers, put back after every migrate (``core.schema``)."""
    if dbtriggers.TABLE in connection.introspection.table_names():
        with connection.cursor() as cursor:
            dbtriggers.install(cursor, connection.vendor)


class TicketsConfig(AppConfig):
    name = "baton.tickets"
    label = "tickets"

    def ready(self) -> None:
        schema.after_migrate(_install_audit_triggers)
