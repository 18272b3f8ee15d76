"""Putting a ticket on hold (待备件 waiting for parts, 待客户 waiting for the customer) and resuming it.

The owner of an active step (or the department's dispatcher/manager) does this with a reason. The
status change is what the SLA clocks react to (their policy's pause statuses), so paused time does
not count. Resuming puts back the status the ticket had before it went on hold.
"""

from __future__ import annotations

from baton.accounts.models import User
from baton.core import bus, clock
from baton.core.errors import Forbidden, InvalidTransition, ValidationFailed
from baton.tickets import events, policies
from baton.tickets.models import Status, StepState, Ticket, TicketEvent

from ._common import MAX_REASON, _check_version, _lock, _text, _touch

WAITING_STATUSES = (Status.WAITING_PARTS, Status.WAITING_CUSTOMER)


def _may_hold(actor: User, ticket: Ticket) -> bool:
    owns = ticket.steps.filter(state=StepState.ACTIVE, owner=actor).exists()
    return owns or policies.can_manage(actor, ticket)


@bus.atomic
def put_on_hold(
    *, ticket: Ticket, actor: User, status: str, reason: str, expected_version: int | None = None
) -> Ticket:
    """Wait for parts or for the customer: the reason is required and the SLA clocks pause."""
    ticket = _lock(ticket)
    _check_version(ticket, expected_version)
    if status not in WAITING_STATUSES:
        raise ValidationFailed(
            f"status must be one of: {', '.join(WAITING_STATUSES)}.", fields={"status": ["invalid choice"]}
        )
    reason = _text(reason, "reason", required=True, limit=MAX_REASON)
    if not _may_hold(actor, ticket):
        raise Forbidden("Only the owner of a current step, the dispatcher or a manager can put it on hold.")
    if not ticket.is_open:
        raise InvalidTransition("The ticket is closed.")
    if ticket.status in WAITING_STATUSES:
        raise InvalidTransition("The ticket is already on hold.")
    before, ticket.status = ticket.status, status
    events.record(
        ticket,
        "status_changed",
        actor=actor,
        data={"changes": {"status": [before, status]}, "reason": reason, "hold": True},
    )
    _touch(ticket, clock.now(), "status")
    return ticket


def _status_before_hold(ticket: Ticket) -> str:
    for data in (
        TicketEvent.objects.filter(ticket=ticket, kind="status_changed")
        .order_by("-seq")
        .values_list("data", flat=True)
    ):
        change = (data or {}).get("changes", {}).get("status")
        if change and change[1] in WAITING_STATUSES and change[0] not in WAITING_STATUSES:
            return str(change[0])
    return Status.IN_PROGRESS


@bus.atomic
def resume_ticket(*, ticket: Ticket, actor: User, expected_version: int | None = None) -> Ticket:
    """End the hold: the status the ticket had before comes back and the clocks run again."""
    ticket = _lock(ticket)
    _check_version(ticket, expected_version)
    if not _may_hold(actor, ticket):
        raise Forbidden("Only the owner of a current step, the dispatcher or a manager can resume it.")
    if ticket.status not in WAITING_STATUSES:
        raise InvalidTransition("The ticket is not on hold.")
    before, ticket.status = ticket.status, _status_before_hold(ticket)
    events.record(
        ticket,
        "status_changed",
        actor=actor,
        data={"changes": {"status": [before, ticket.status]}, "hold": False},
    )
    _touch(ticket, clock.now(), "status")
    return ticket
