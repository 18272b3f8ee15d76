"""The database triggers that make ``tickets_ticketevent`` append-only, in one place.

Used by migration 0002 and by the ``flush`` command (which empties the whole database, so it
lifts the guard for the moment it runs). Nothing else may switch them off.
"""

from __future__ import annotations

from typing import Any

TABLE = "tickets_ticketevent"

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION baton_ticketevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = '{TABLE} is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ticketevent_no_update ON {TABLE};
DROP TRIGGER IF EXISTS ticketevent_no_delete ON {TABLE};
DROP TRIGGER IF EXISTS ticketevent_no_truncate ON {TABLE};
CREATE TRIGGER ticketevent_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION baton_ticketevent_append_only();
CREATE TRIGGER ticketevent_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION baton_ticketevent_append_only();
CREATE TRIGGER ticketevent_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION baton_ticketevent_append_only();
"""
PG_DROP = f"""
DROP TRIGGER IF EXISTS ticketevent_no_update ON {TABLE};
DROP TRIGGER IF EXISTS ticketevent_no_delete ON {TABLE};
DROP TRIGGER IF EXISTS ticketevent_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS baton_ticketevent_append_only();
"""
SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS ticketevent_no_update BEFORE UPDATE ON {TABLE}
       BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only (UPDATE refused)'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS ticketevent_no_delete BEFORE DELETE ON {TABLE}
       BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only (DELETE refused)'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ticketevent_no_update;",
    "DROP TRIGGER IF EXISTS ticketevent_no_delete;",
]


def statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "postgresql":
        return [PG_CREATE if create else PG_DROP]
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    return []


def install(cursor: Any, vendor: str) -> None:
    for sql in statements(vendor, create=True):
        cursor.execute(sql)


def remove(cursor: Any, vendor: str) -> None:
    for sql in statements(vendor, create=False):
        cursor.execute(sql)
