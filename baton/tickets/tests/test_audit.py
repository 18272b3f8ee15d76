"""The audit trail: hash-chained, append-only in the database, and `baton audit verify`."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from baton.tickets import dbtriggers
from baton.tickets.events import verify_ticket
from baton.tickets.models import Ticket, TicketEvent

from .helpers import dispatch, open_ticket, repair

pytestmark = pytest.mark.django_db(transaction=True)


def tamper(sql: str, params: list[Any]) -> None:
    """Alter the table behind Baton's back, as someone with direct database access could."""
    with connection.cursor() as cursor:
        dbtriggers.remove(cursor, connection.vendor)
        try:
            cursor.execute(sql, params)
        finally:
            dbtriggers.install(cursor, connection.vendor)


def test_events_are_chained_and_verify(org):
    ticket = repair(dispatch(org, open_ticket(org)))
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert verify_ticket(Ticket.objects.get(pk=ticket.pk)) == []


def test_the_database_refuses_update_and_delete_of_events(org):
    ticket = open_ticket(org)
    event = TicketEvent.objects.filter(ticket=ticket).first()
    assert event is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).update(kind="nothing_happened")
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).delete()
    assert TicketEvent.objects.get(pk=event.pk).kind == "created"


def test_audit_verify_names_the_tampered_ticket(org):
    intact = open_ticket(org)
    altered = dispatch(org, open_ticket(org))
    truncated = open_ticket(org)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip().endswith("checked 3 tickets, 0 with altered history")

    victim = TicketEvent.objects.filter(ticket=altered, kind="step_entered").order_by("seq").last()
    assert victim is not None
    tamper("UPDATE tickets_ticketevent SET data = %s WHERE id = %s", ['{"step": "forged"}', victim.pk])
    last = TicketEvent.objects.filter(ticket=truncated).order_by("-seq").first()
    assert last is not None
    tamper("DELETE FROM tickets_ticketevent WHERE id = %s", [last.pk])

    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert f"TAMPERED {altered.number} event #{victim.seq}: event content was altered" in lines
    assert f"TAMPERED {truncated.number} chain head: newest events were removed or replaced" in lines
    assert not any(intact.number in line for line in lines)
    assert lines[-1] == "checked 3 tickets, 2 with altered history"
    assert altered.number in str(exc.value)
    assert truncated.number in str(exc.value)


def test_migrate_puts_back_audit_triggers_a_table_rebuild_dropped(org):
    """SQLite drops a table's triggers when a migration rebuilds it; ``migrate`` installs them again."""
    ticket = open_ticket(org)
    with connection.cursor() as cursor:
        dbtriggers.remove(cursor, connection.vendor)
    call_command("migrate", verbosity=0)  # core's migrate: nothing to apply, triggers put back
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(ticket=ticket).update(kind="nothing_happened")
    assert set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)) == {
        "created",
        "step_entered",
        "status_changed",
    }
