"""The process-wide reference cache notices every write to a watched table, from anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from baton.automation.models import DispatchSetting, Strategy
from baton.core import bus, refcache
from baton.sla.models import SlaPolicy
from baton.sla.queries import active_policies
from baton.tickets.tests.helpers import open_ticket

pytestmark = pytest.mark.django_db

TABLE = "automation_dispatchsetting"


def stamp() -> int | None:
    found = refcache.stamps([TABLE])
    return found[0] if found else None


def counting_loader(calls: list[int], value: str = "v") -> object:
    def load() -> str:
        calls.append(1)
        return value

    return load


def test_every_kind_of_write_gives_the_table_a_new_stamp(org) -> None:
    first = stamp()
    assert first is not None
    setting = DispatchSetting.objects.create(department=org.north, strategy=Strategy.LEAST_LOADED)
    after_insert = stamp()
    assert after_insert != first
    DispatchSetting.objects.filter(pk=setting.pk).update(enabled=False)  # a queryset update
    after_update = stamp()
    assert after_update != after_insert
    with connection.cursor() as cursor:  # raw SQL behind the ORM's back
        cursor.execute(f"UPDATE {TABLE} SET strategy = 'round_robin'")
    after_raw = stamp()
    assert after_raw != after_update
    setting.delete()
    assert stamp() != after_raw


def test_a_value_is_reused_until_its_table_is_written(org) -> None:
    calls: list[int] = []
    load = counting_loader(calls)
    assert refcache.cached("test.value", [TABLE], load) == "v"
    assert refcache.cached("test.value", [TABLE], load) == "v"
    assert len(calls) == 1
    DispatchSetting.objects.create(department=org.north, strategy=Strategy.LEAST_LOADED)
    assert refcache.cached("test.value", [TABLE], load) == "v"
    assert len(calls) == 2


def test_a_value_loaded_inside_a_rolled_back_change_is_not_served_afterwards(org) -> None:
    refcache.cached("test.settings", [TABLE], lambda: DispatchSetting.objects.count())
    with transaction.atomic():
        DispatchSetting.objects.create(department=org.north, strategy=Strategy.LEAST_LOADED)
        inside = refcache.cached("test.settings", [TABLE], lambda: DispatchSetting.objects.count())
        assert inside == 1
        transaction.set_rollback(True)
    assert refcache.cached("test.settings", [TABLE], lambda: DispatchSetting.objects.count()) == 0


def test_inside_a_change_the_stamps_are_read_once_and_a_late_load_is_keyed_by_the_new_stamp(org) -> None:
    count = DispatchSetting.objects.count

    class Boom(Exception):
        pass

    def change() -> None:
        with bus.atomic_block():
            with CaptureQueriesContext(connection) as ctx:
                assert refcache.cached("test.first", [TABLE], count) == 0
                assert refcache.cached("test.first", [TABLE], count) == 0
            assert [q["sql"] for q in ctx.captured_queries] == ["SELECT name, stamp FROM core_tablestamp"]
            DispatchSetting.objects.create(department=org.north, strategy=Strategy.LEAST_LOADED)
            assert refcache.cached("test.first", [TABLE], count) == 0  # as the change first saw it
            assert refcache.cached("test.second", [TABLE], count) == 1  # a miss loads what is there now
            raise Boom

    refcache.cached("test.first", [TABLE], count)
    with pytest.raises(Boom):
        change()
    # The change rolled back: what "test.second" loaded inside it must not come back.
    assert refcache.cached("test.second", [TABLE], count) == 0
    assert refcache.cached("test.first", [TABLE], count) == 0


def test_a_table_without_a_stamp_is_never_cached(org) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_tablestamp WHERE name = %s", [TABLE])
    calls: list[int] = []
    load = counting_loader(calls)
    refcache.cached("test.unstamped", [TABLE], load)
    refcache.cached("test.unstamped", [TABLE], load)
    assert len(calls) == 2
    DispatchSetting.objects.create(department=org.north, strategy=Strategy.LEAST_LOADED)  # stamped again
    refcache.cached("test.unstamped", [TABLE], load)
    refcache.cached("test.unstamped", [TABLE], load)
    assert len(calls) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE triggers: PostgreSQL only")
def test_truncate_gives_a_new_stamp_on_postgresql(org) -> None:
    before = stamp()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    assert stamp() != before


def test_new_tickets_read_no_policy_rows_until_a_policy_changes(org) -> None:
    open_ticket(org)  # fills the cache
    with CaptureQueriesContext(connection) as ctx:
        open_ticket(org)
    assert not [q for q in ctx.captured_queries if "sla_slapolicy" in q["sql"]]

    # A policy written straight into the table (as the admin or a shell would) applies to the next ticket.
    policy = SlaPolicy.objects.create(name="急修", priority="normal", resolve_target=timedelta(hours=3))
    assert [p.pk for p in active_policies()] == [policy.pk]
    ticket = open_ticket(org)
    assert ticket.due_at == ticket.created_at + timedelta(hours=3)


def _triggers_on(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND tgname LIKE 'baton_stamp%%'",
                [table],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "AND name LIKE 'baton_stamp%%'",
                [table],
            )
        return int(cursor.fetchone()[0])


def test_every_watched_table_has_its_triggers_after_migrate() -> None:
    expected = 2 if connection.vendor == "postgresql" else 3  # PG: row ops + TRUNCATE; SQLite: one per op
    assert {table: _triggers_on(table) for table in refcache.WATCHED_TABLES} == dict.fromkeys(
        refcache.WATCHED_TABLES, expected
    )


def test_migrate_puts_back_triggers_a_table_rebuild_dropped_and_forgets_what_was_cached(org) -> None:
    calls: list[int] = []
    refcache.cached("test.rebuilt", [TABLE], counting_loader(calls))
    with connection.cursor() as cursor:  # what SQLite does to a table's triggers when a migration rebuilds it
        for sql in refcache.trigger_statements(connection.vendor, [TABLE], create=False):
            if sql.startswith("DROP TRIGGER"):
                cursor.execute(sql)
    assert _triggers_on(TABLE) == 0
    assert refcache.install_triggers(connection) == sorted(refcache.WATCHED_TABLES)
    assert _triggers_on(TABLE) == (2 if connection.vendor == "postgresql" else 3)
    refcache.cached("test.rebuilt", [TABLE], counting_loader(calls))
    assert len(calls) == 2  # the value cached before the migration was not trusted after it
    before = stamp()
    DispatchSetting.objects.create(department=org.north, strategy=Strategy.LEAST_LOADED)
    assert stamp() != before


def test_a_table_that_is_not_watched_cannot_be_cached() -> None:
    with pytest.raises(ValueError, match="tickets_ticket"):
        refcache.cached("test.unwatched", ["tickets_ticket"], lambda: 1)
