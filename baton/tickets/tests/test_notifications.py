"""Ticket changes notify the people who must act — in the same transaction, exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from baton.core.errors import ValidationFailed
from baton.notifications.models import Notification, OutboxMessage
from baton.tickets import services

from .helpers import accept, active_step, dispatch, open_ticket, repair

pytestmark = pytest.mark.django_db


def inbox(user: Any) -> list[tuple[str, int | None]]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("event", "ticket_id"))


def test_each_new_owner_hears_once_and_the_actor_does_not(org):
    org.tech.email = "tech@example.com"
    org.tech.save()
    ticket = open_ticket(org)
    assert inbox(org.dispatcher) == [("step_assigned", ticket.pk)]
    ticket = dispatch(org, ticket)
    assert inbox(org.tech) == [("step_assigned", ticket.pk)]
    assert inbox(org.dispatcher) == [("step_assigned", ticket.pk)]  # dispatching did not notify the actor
    ticket = repair(ticket)
    assert inbox(org.store_manager) == [("step_assigned", ticket.pk)]
    accept(ticket)
    assert inbox(org.store_manager) == [("step_assigned", ticket.pk)]  # the requester closed it themself
    # Only the technician has an e-mail address: exactly one e-mail waits in the outbox, for them.
    assert list(OutboxMessage.objects.values_list("channel", "address", "event")) == [
        ("email", "tech@example.com", "step_assigned")
    ]


def test_a_return_reaches_the_dispatcher_with_its_reason(org):
    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    services.complete_step(
        ticket=ticket, step_id=step.pk, actor=org.tech, outcome="return", reason="缺少配件"
    )
    latest = Notification.objects.filter(user=org.dispatcher).latest("pk")
    assert latest.event == "returned"
    assert "缺少配件" in latest.body


def test_refused_action_notifies_nobody(org):
    ticket = dispatch(org, open_ticket(org))
    before = (Notification.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(ValidationFailed):
        services.complete_step(
            ticket=ticket, step_id=active_step(ticket).pk, actor=org.tech, outcome="return"
        )
    assert (Notification.objects.count(), OutboxMessage.objects.count()) == before


def test_reassignment_notifies_the_new_owner(org):
    ticket = dispatch(org, open_ticket(org))
    services.reassign_step(
        ticket=ticket,
        step_id=active_step(ticket).pk,
        actor=org.dispatcher,
        new_owner=org.tech2,
        reason="调班",
    )
    assert inbox(org.tech2) == [("step_assigned", ticket.pk)]
