"""``flush`` empties every table, the audit trail included.

Django's own flush would be refused by the append-only triggers on ``tickets_ticketevent``;
this one lifts them for the duration of the flush and puts them back afterwards. (The test
runner uses flush between transactional tests.)
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from baton.tickets import dbtriggers


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            dbtriggers.remove(cursor, connection.vendor)
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                dbtriggers.install(cursor, connection.vendor)
