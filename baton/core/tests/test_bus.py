"""The domain event bus: delivery after the service's writes, in its transaction, with causes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baton.core import bus
from baton.core.errors import ValidationFailed
from baton.tickets.models import Ticket
from baton.tickets.tests.helpers import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[bus.DomainEvent]]:
    seen: list[bus.DomainEvent] = []

    def handler(event: bus.DomainEvent) -> None:
        seen.append(event)

    bus.subscribe("*", handler)
    yield seen
    bus.unsubscribe("*", handler)


def test_a_service_publishes_its_events_in_order_after_its_writes(org, received):
    ticket = open_ticket(org)

    names = [event.name for event in received]
    assert names[0] == "created"
    assert "step_entered" in names
    assert all(event.ticket_id == ticket.pk for event in received)
    assert all(event.causes == () for event in received)
    # Every published event is a written TicketEvent, in the same order.
    assert names == list(ticket.events.order_by("seq").values_list("kind", flat=True))


def test_nothing_is_published_when_the_service_fails(org, received):
    with pytest.raises(ValidationFailed):
        open_ticket(org, title="")
    assert received == []
    assert Ticket.objects.count() == 0


def test_a_subscriber_that_raises_rolls_the_change_back(org):
    def broken(event: bus.DomainEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe("created", broken)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            open_ticket(org)
    finally:
        bus.unsubscribe("created", broken)
    assert Ticket.objects.count() == 0


def test_events_emitted_by_subscribers_carry_their_cause_and_are_delivered_too(org, received):
    calls: list[str] = []

    def reacting(event: bus.DomainEvent) -> bool:
        if event.name != "created":
            return False
        calls.append(event.name)
        with bus.caused_by("rule:7"):
            bus.emit("note", ticket_id=event.ticket_id, data={"x": 1})
        return True

    bus.subscribe("created", reacting)
    try:
        open_ticket(org)
    finally:
        bus.unsubscribe("created", reacting)
    assert calls == ["created"]
    note = [event for event in received if event.name == "note"]
    assert len(note) == 1
    assert note[0].causes == ("rule:7",)
    assert note[0].data == {"x": 1}


def test_a_runaway_loop_is_stopped(org):
    def echo(event: bus.DomainEvent) -> None:
        bus.emit("echo", ticket_id=event.ticket_id)

    bus.subscribe("*", echo)
    try:
        with pytest.raises(RuntimeError, match="a loop"):
            open_ticket(org)
    finally:
        bus.unsubscribe("*", echo)
    assert Ticket.objects.count() == 0


def test_emit_outside_a_publishing_transaction_is_dropped(received):
    bus.emit("created", ticket_id=1)
    with bus.atomic_block():
        pass
    assert received == []


def test_scratch_lives_for_one_outermost_publishing_transaction():
    assert bus.scratch() == {}
    bus.scratch()["x"] = 1
    assert bus.scratch() == {}  # outside a block every call gets a fresh dict
    with bus.atomic_block():
        bus.scratch()["x"] = 1
        with bus.atomic_block():
            assert bus.scratch() == {"x": 1}
        assert bus.scratch() == {"x": 1}
    with bus.atomic_block():
        assert bus.scratch() == {}


def test_ticket_events_written_outside_a_publishing_transaction_are_refused(org):
    from django.db import transaction

    from baton.tickets import events

    ticket = open_ticket(org)
    before = ticket.events.count()
    with transaction.atomic():
        events.record(ticket, "comment_added", actor=None, data={})
        with pytest.raises(RuntimeError, match=r"outside bus\.atomic"):
            events.flush(ticket)
    assert ticket.events.count() == before


def test_on_delivered_hooks_run_once_after_every_event_before_the_commit(org, received):
    seen_at_hook: list[int] = []

    def hook() -> None:
        seen_at_hook.append(len(received))
        assert Ticket.objects.count() == 1  # inside the transaction, after the service's writes

    bus.on_delivered(hook)
    try:
        open_ticket(org)
    finally:
        bus.off_delivered(hook)
    assert seen_at_hook == [len(received)]
    assert len(received) == 3


def test_an_on_delivered_hook_that_emits_rolls_the_change_back(org):
    def hook() -> None:
        bus.emit("late", ticket_id=None)

    bus.on_delivered(hook)
    try:
        with pytest.raises(RuntimeError, match="must only write"):
            open_ticket(org)
    finally:
        bus.off_delivered(hook)
    assert Ticket.objects.count() == 0


def test_a_failed_savepoint_puts_scratch_back_as_it_was():
    with bus.atomic_block():
        bus.scratch()["kept"] = 1

        def undone() -> None:
            with bus.savepoint():
                bus.scratch()["kept"] = 2
                bus.scratch()["undone"] = 3
                raise ValidationFailed("no")

        with pytest.raises(ValidationFailed):
            undone()
        assert bus.scratch() == {"kept": 1}
        with bus.savepoint():
            bus.scratch()["done"] = 4
        assert bus.scratch() == {"kept": 1, "done": 4}
