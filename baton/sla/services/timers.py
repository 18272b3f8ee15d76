"""The sweep: fire due warning, breach and escalation timers, each exactly once.

``sweep`` claims a batch of due timers together with their tickets' rows using
``SELECT … FOR UPDATE OF timer, ticket SKIP LOCKED`` (PostgreSQL; SQLite serialises writers), so N
workers on any number of machines share the work and none waits for another or for a person's
change in progress (that ticket is skipped and taken by the next sweep). Lock order is always
ticket first, as in the ticket services, so nothing deadlocks.

Each batch is one transaction: the events, the notifications (outbox rows with idempotency key
``sla:timer:<id>``) and ``fired_at`` commit together. A worker killed mid-batch loses nothing
(the batch rolls back and the next sweep takes it) and doubles nothing (a fired timer has
``fired_at`` set in the same commit; the claim only takes unfired ones).

A timer is never fired before its due time, and a late one (workers were down) fires once,
stamped with its due time: the ``sla_breached`` event is recorded "as of" the breach (its
``created_at`` and ``data.breached_at``), and breach-anchored escalation levels count from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from baton.core import bus, clock
from baton.notifications import services as notifications
from baton.sla.models import ClockState, SlaClock, SlaTimer, TimerKind
from baton.tickets import events
from baton.tickets.models import Priority, Step, StepState, Ticket

from . import escalation

BATCH = 50


def _claim(now: datetime, limit: int) -> list[SlaTimer]:
    rows = (
        SlaTimer.objects.filter(fired_at__isnull=True, due_at__lte=now)
        .select_related("ticket", "ticket__department__dispatcher", "clock__policy", "level")
        .order_by("due_at", "pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self", "ticket"))
    return list(rows[:limit])


def _owners(ticket: Ticket, step: Step | None) -> list[Any]:
    """Who owns the clock's step (step clocks) or the ticket's active steps (loaded once per batch)."""
    if step is not None:
        return [step.owner] if step.state == StepState.ACTIVE else []
    if "_sla_owners" not in ticket.__dict__:
        rows = ticket.steps.filter(state=StepState.ACTIVE).select_related("owner")
        ticket.__dict__["_sla_owners"] = [s.owner for s in rows]
    return list(ticket.__dict__["_sla_owners"])


def _context(ticket: Ticket, sla_clock: SlaClock, step: Step | None, due: datetime | None) -> dict[str, Any]:
    return {
        "ticket_number": ticket.number,
        "ticket_title": ticket.title,
        "step_name": step.name if step is not None else _clock_label(sla_clock.kind),
        "due_at": due,
        "actor": "Baton",
    }


def _clock_label(kind: str) -> str:
    return {"dispatch": "派工时效 dispatch", "accept": "接单时效 accept", "resolve": "解决时效 resolve"}.get(
        kind, kind
    )


def _fire(timer: SlaTimer, ticket: Ticket, now: datetime, breached: list[SlaClock]) -> bool:
    """Fire one claimed timer; False when it no longer applies (then it is only marked fired).

    Clocks that breached are appended to ``breached`` (written in one statement per batch).
    """
    sla_clock = timer.clock
    step = (
        Step.objects.select_related("owner", "owner__superior").get(pk=sla_clock.step_id)
        if sla_clock.step_id
        else None
    )
    key = f"sla:timer:{timer.pk}"
    data: dict[str, Any] = {"clock": sla_clock.kind, "due_at": timer.due_at.isoformat()}
    if step is not None:
        data["step"] = step.name
    urgent = ticket.priority == Priority.URGENT
    if timer.kind == TimerKind.WARNING:
        if sla_clock.state != ClockState.RUNNING or (
            sla_clock.due_at is not None and sla_clock.due_at <= now
        ):
            return False  # the breach is due as well (workers were down): it alone speaks
        events.record(
            ticket, "sla_warning", actor=None, step=step, data={**data, "due_at": _iso(sla_clock.due_at)}
        )
        people = _owners(ticket, step)
        if people:
            notifications.notify(
                recipients=people,
                event="sla_warning",
                context=_context(ticket, sla_clock, step, sla_clock.due_at),
                urgent=urgent,
                ticket_id=ticket.pk,
                idempotency_key=key,
            )
        return True
    if timer.kind == TimerKind.BREACH:
        if sla_clock.state != ClockState.RUNNING or sla_clock.breached_at is not None:
            return False
        sla_clock.breached_at = timer.due_at
        breached.append(sla_clock)
        with clock.pinned(timer.due_at):
            events.record(
                ticket, "sla_breached", actor=None, step=step, data={**data, "breached_at": data["due_at"]}
            )
        people = _owners(ticket, step)
        dispatcher = ticket.department.dispatcher
        if step is None and dispatcher is not None and dispatcher not in people:
            people.append(dispatcher)
        notify = sla_clock.policy is None or sla_clock.policy.notify_on_breach
        if people and notify:
            notifications.notify(
                recipients=people,
                event="sla_breach",
                context=_context(ticket, sla_clock, step, timer.due_at),
                urgent=urgent,
                ticket_id=ticket.pk,
                idempotency_key=key,
            )
        if step is not None:
            escalation.arm_breach_levels(clock=sla_clock, step=step, ticket=ticket, breached_at=timer.due_at)
        return True
    # escalation
    level = timer.level
    if level is None or step is None or not escalation.is_unhandled(step):
        return False
    context = _context(ticket, sla_clock, step, step.due_at)
    people = escalation.send(level=level, step=step, ticket=ticket, key=key, context=context)
    events.record(
        ticket,
        "sla_escalated",
        actor=None,
        step=step,
        data={
            **data,
            "level": level.level,
            "policy": level.policy_id,
            "due_at": timer.due_at.isoformat(),
            "to": [p.pk for p in people],
            "to_names": [p.display_name for p in people],
            "channels": list(level.channels),
        },
    )
    return True


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def sweep(*, limit: int = BATCH) -> int:
    """Fire one batch of due timers in one transaction; returns how many were claimed."""
    now = clock.now()
    with bus.atomic_block():
        timers = _claim(now, limit)
        if not timers:
            return 0
        tickets: dict[int, Ticket] = {}
        breached: list[SlaClock] = []
        for timer in timers:
            ticket = tickets.setdefault(timer.ticket_id, timer.ticket)
            _fire(timer, ticket, now, breached)
        SlaClock.objects.bulk_update(breached, ["breached_at"])
        SlaTimer.objects.filter(pk__in=[t.pk for t in timers]).update(fired_at=now)
        for ticket in tickets.values():
            if events.flush(ticket):
                Ticket.objects.filter(pk=ticket.pk).update(
                    audit_seq=ticket.audit_seq, audit_head=ticket.audit_head
                )
    return len(timers)


def sweep_all(*, limit: int = BATCH, max_batches: int = 1000) -> int:
    """Sweep batch after batch until nothing is due; returns how many timers were claimed.

    Keeps going after a short batch, because firing a breach can arm escalation levels that are
    already due (workers were down): they fire in this run too.
    """
    total = 0
    for _ in range(max_batches):
        claimed = sweep(limit=limit)
        total += claimed
        if claimed == 0:
            break
    return total
