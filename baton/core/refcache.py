"""Reference data kept in the process, invalidated by the database itself.

SLA policies, calendars, automation rules, decision tables, deployed flows, dispatch settings,
delegations, notification preferences, role assignments, departments and sites change rarely and
are read on every ticket change. :func:`cached` keeps what a loader read until one of the tables
it read from changes, in any process.

How a change is noticed: every watched table has a trigger (installed by its app's migration with
:func:`watch`) that gives the table a new random ``stamp`` in ``core_tablestamp`` on every INSERT,
UPDATE, DELETE (and TRUNCATE on PostgreSQL), whoever writes — a service, the admin, a shell, raw
SQL. A cached value is used only while the stamps of its tables are the ones it was loaded under;
reading the stamps is one small raw query (once per bus change, see :func:`stamps`). The stamps are
random rather than counters so that a rolled-back change (whose stamp disappears with it) can never
bring back a value cached inside it.
A table with no stamp yet (a database emptied by ``flush``) is never cached.

Cached values are shared by every request and thread of the process: loaders return things the
callers only read (tuples, frozen dataclasses, model instances nobody saves).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar, cast

from django.db import connection, migrations

from baton.core import bus

T = TypeVar("T")

TABLE = "core_tablestamp"
#: Past this many entries the cache starts again (keys per user or per site could grow).
MAX_ENTRIES = 20_000

_cache: dict[Hashable, tuple[tuple[int, ...], Any]] = {}
_MEMO = "refcache.stamps"

#: Every table a cached value may be read from. Each has stamping triggers: installed by its app's
#: migration (``watch``) and installed again after every ``migrate`` (``install_triggers``), because
#: SQLite drops a table's triggers when a migration rebuilds the table.
WATCHED_TABLES = frozenset(
    {
        "accounts_department",
        "accounts_roleassignment",
        "accounts_delegation",
        "customers_site",
        "sla_businesscalendar",
        "sla_workingperiod",
        "sla_calendarholiday",
        "sla_slapolicy",
        "sla_slasteptarget",
        "sla_escalationpolicy",
        "sla_escalationlevel",
        "automation_rule",
        "automation_dispatchsetting",
        "notifications_usernotificationpreference",
        "workflows_flowdefinition",
        "workflows_flowversion",
        "workflows_decisiondefinition",
        "workflows_decisionversion",
    }
)


def _read_stamps() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, stamp FROM {TABLE}")  # noqa: S608 - our own table, a few rows
        return dict(cursor.fetchall())


def _of(found: dict[str, int], tables: Sequence[str]) -> tuple[int, ...] | None:
    values = tuple(found.get(name) for name in tables)
    return None if None in values else cast(tuple[int, ...], values)


def stamps(tables: Sequence[str], *, fresh: bool = False) -> tuple[int, ...] | None:
    """The stamps of ``tables``, or None if one has none.

    Inside a bus change they are read once, at the change's first lookup, and again only when a
    lookup misses (``fresh``): the change and the subscribers reacting to it see the reference data
    as it was when they first asked (as ``bus.scratch`` lookups always have). Outside a change every
    call reads them.
    """
    if not bus.publishing():
        return _of(_read_stamps(), tables)
    shared = bus.scratch()
    found = None if fresh else shared.get(_MEMO)
    if found is None:
        found = shared[_MEMO] = _read_stamps()
    return _of(found, tables)


def cached(key: Hashable, tables: Sequence[str], load: Callable[[], T]) -> T:
    """``load()``'s result, reused until one of ``tables`` is written (see the module docstring).

    Every table the loader reads must be named in ``tables`` and be one of :data:`WATCHED_TABLES`.

    A value is stored under stamps read just before it was loaded, never under the ones remembered
    for the change: a value loaded after the change wrote one of its tables is keyed by the change's
    own new stamp, which a rollback takes away for good.
    """
    if not WATCHED_TABLES.issuperset(tables):
        raise ValueError(f"Not watched (no stamping triggers): {sorted(set(tables) - WATCHED_TABLES)}")
    current = stamps(tables)
    if current is not None:
        hit = _cache.get(key)
        if hit is not None and hit[0] == current:
            return cast(T, hit[1])
        if bus.publishing():  # read again: the change or another process may have written since
            current = stamps(tables, fresh=True)
            hit = _cache.get(key)
            if current is not None and hit is not None and hit[0] == current:
                return cast(T, hit[1])
    value = load()
    if current is not None:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[key] = (current, value)
    return value


def clear() -> None:
    """Forget everything (tests that swap databases; never needed for correctness otherwise)."""
    _cache.clear()


# ---------------------------------------------------------------------------- triggers (migrations)

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION baton_stamp_table() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TABLE} (name, stamp)
    VALUES (TG_TABLE_NAME, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (name) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""  # noqa: S608 - fixed text
_SQLITE_OPS = ("INSERT", "UPDATE", "DELETE")


def _sqlite_trigger(table: str, op: str) -> str:
    # table names are checked by watch()
    stamp = f"INSERT INTO {TABLE} (name, stamp) VALUES ('{table}', random())"  # noqa: S608
    return (
        f"CREATE TRIGGER IF NOT EXISTS baton_stamp_{table}_{op.lower()} AFTER {op} ON {table} BEGIN "
        f"{stamp} ON CONFLICT(name) DO UPDATE SET stamp = excluded.stamp; END;"
    )


def trigger_statements(vendor: str, tables: Sequence[str], *, create: bool) -> list[str]:
    """SQL that starts (or stops) stamping ``tables`` on every write."""
    out: list[str] = []
    if vendor == "postgresql":
        if create:
            out.append(_PG_FUNCTION)
        for table in tables:
            out.append(f"DROP TRIGGER IF EXISTS baton_stamp ON {table};")
            out.append(f"DROP TRIGGER IF EXISTS baton_stamp_truncate ON {table};")
            if create:
                out.append(
                    f"CREATE TRIGGER baton_stamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION baton_stamp_table();"
                )
                out.append(
                    f"CREATE TRIGGER baton_stamp_truncate AFTER TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION baton_stamp_table();"
                )
    elif vendor == "sqlite":
        for table in tables:
            for op in _SQLITE_OPS:
                out.append(f"DROP TRIGGER IF EXISTS baton_stamp_{table}_{op.lower()};")
                if create:
                    out.append(_sqlite_trigger(table, op))
    if create:
        random = "floor(random() * 9007199254740991)::bigint" if vendor == "postgresql" else "random()"
        for table in tables:  # a first stamp, so the table is cached from the start
            first = f"INSERT INTO {TABLE} (name, stamp) VALUES ('{table}', {random})"  # noqa: S608
            out.append(f"{first} ON CONFLICT (name) DO NOTHING;")
    return out


def install_triggers(connection: Any) -> list[str]:
    """(Re)install the stamping triggers of every watched table that exists, and give each a new
    stamp; returns the tables. Run after every ``migrate`` (``core``'s ``migrate`` command): a
    migration that rebuilt a table on SQLite took its triggers, and values cached before a
    migration are not trusted after it."""
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:
        return []
    tables = sorted(WATCHED_TABLES & existing)
    random = "floor(random() * 9007199254740991)::bigint" if connection.vendor == "postgresql" else "random()"
    with connection.cursor() as cursor:
        for sql in trigger_statements(connection.vendor, tables, create=True):
            cursor.execute(sql)
        cursor.execute(f"UPDATE {TABLE} SET stamp = {random}")  # noqa: S608 - fixed text
    return tables


def watch(*tables: str) -> Any:
    """A migration operation that makes :func:`cached` notice every write to ``tables``."""
    bad = [name for name in tables if not _IDENTIFIER.fullmatch(name)]
    if bad:
        raise ValueError(f"Not table names: {bad}")

    def forwards(apps: Any, schema_editor: Any) -> None:
        for sql in trigger_statements(schema_editor.connection.vendor, tables, create=True):
            schema_editor.execute(sql)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for sql in trigger_statements(schema_editor.connection.vendor, tables, create=False):
            schema_editor.execute(sql)
        names = ", ".join(f"'{name}'" for name in tables)  # no stamp: never cached again
        schema_editor.execute(f"DELETE FROM {TABLE} WHERE name IN ({names})")  # noqa: S608

    return migrations.RunPython(forwards, backwards, elidable=False)
