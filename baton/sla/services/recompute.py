"""Recomputing open tickets' clocks after a policy or a calendar changed.

Decision (documented in docs/architecture.md): one ``sla_recomputed`` audit event on **each**
affected ticket whose due times moved, listing each clock's old and new due time, so a ticket's
own history explains why its deadline changed. Everything happens in one transaction; tickets are
locked in id order (the order every sweep and service respects), so a recompute running next to
people's changes waits for them rather than deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from baton.accounts.models import User
from baton.core import bus
from baton.sla.models import SlaClock
from baton.sla.models.clocks import OPEN_CLOCK_STATES
from baton.sla.queries import calendar_id_for
from baton.tickets import events
from baton.tickets.models import OPEN_STATUSES, Priority, Ticket
from baton.tickets.services import RESOLVE_TARGETS

from . import clocks


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def recompute_ticket(
    *, ticket_id: int, reason: str, actor: User | None = None, record_event: bool = True
) -> bool:
    """Re-match the ticket's policy and calendar and move its open clocks; True when anything moved.

    Runs in the caller's transaction (the ticket row is locked here).
    """
    clocks.write_pending()
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "department")
        .get(pk=ticket_id)
    )
    open_clocks = list(
        SlaClock.objects.filter(ticket=ticket, state__in=OPEN_CLOCK_STATES).select_related("step")
    )
    moved: list[dict[str, Any]] = []
    for sla_clock in open_clocks:
        before = sla_clock.due_at
        if sla_clock.kind == "resolve":
            sla_clock.own_target = RESOLVE_TARGETS.get(Priority(ticket.priority), sla_clock.own_target)
        target = clocks.target_for(ticket, sla_clock)
        if target is None:  # the policy no longer sets this target: the clock stops counting
            clocks.stop_clock(sla_clock, at=sla_clock.started_at, cancel=True)
            moved.append({"clock": sla_clock.kind, "from": _iso(before), "to": None})
            continue
        if clocks.retarget(sla_clock, target):
            moved.append({"clock": sla_clock.kind, "from": _iso(before), "to": _iso(sla_clock.due_at)})
    fields = clocks.mirror_due_times(ticket, open_clocks)
    if fields:
        Ticket.objects.filter(pk=ticket.pk).update(due_at=ticket.due_at)
    if moved and record_event:
        events.record(ticket, "sla_recomputed", actor=actor, data={"reason": reason, "clocks": moved})
        events.flush(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(audit_seq=ticket.audit_seq, audit_head=ticket.audit_head)
    return bool(moved)


def _recompute_many(ticket_ids: Iterable[int], *, reason: str, actor: User | None) -> int:
    count = 0
    with bus.atomic_block():
        for ticket_id in sorted(set(ticket_ids)):
            if recompute_ticket(ticket_id=ticket_id, reason=reason, actor=actor):
                count += 1
    return count


def _open_ticket_ids() -> Any:
    return SlaClock.objects.filter(state__in=OPEN_CLOCK_STATES, ticket__status__in=OPEN_STATUSES)


def recompute_for_policy(*, policy_id: int | None = None, actor: User | None = None) -> int:
    """After a policy was created, changed or deleted: every open ticket it may now match or did match.

    A policy's match fields can move tickets onto or off it, so every open ticket with running clocks
    is re-matched (in id order, in one transaction). Returns how many tickets' due times moved.
    """
    ids = _open_ticket_ids().values_list("ticket_id", flat=True).distinct()
    return _recompute_many(ids, reason=f"policy:{policy_id}" if policy_id else "policy", actor=actor)


def recompute_for_calendar(*, calendar_id: int, actor: User | None = None) -> int:
    """After a calendar changed: the open tickets whose clocks count on it."""
    ids = _open_ticket_ids().filter(calendar_id=calendar_id).values_list("ticket_id", flat=True).distinct()
    return _recompute_many(ids, reason=f"calendar:{calendar_id}", actor=actor)


def recompute_for_assignment(*, actor: User | None = None) -> int:
    """After a site's or department's calendar was picked or changed: every open ticket is re-planned."""
    ids = _open_ticket_ids().values_list("ticket_id", flat=True).distinct()
    return _recompute_many(ids, reason="calendar assignment", actor=actor)


__all__ = [
    "calendar_id_for",
    "recompute_for_assignment",
    "recompute_for_calendar",
    "recompute_for_policy",
    "recompute_ticket",
]
