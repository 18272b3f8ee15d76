"""``migrate``, then the triggers installed again (``core.schema``: refcache's, the audit trail's).

On SQLite a migration that alters a table rebuilds it, and the rebuild drops the table's triggers:
without them ``refcache`` would keep serving what it cached before every later change to that table,
and the audit trail would accept UPDATE and DELETE.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from baton.core import schema


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        tables = schema.reinstall(connections[options["database"]])
        if options["verbosity"] >= 2:
            self.stdout.write(f"Reference-cache triggers installed on {len(tables)} tables.")
