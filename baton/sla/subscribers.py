"""The SLA app's reactions to ticket events (subscribed on the bus from ``apps.SlaConfig.ready``).

Which event does what to the ticket's clocks:

==================  =========================================================================
``created``         start ``dispatch`` (when the policy sets it) and ``resolve`` clocks
``step_entered``    start the step's ``step:<key>`` clock and arm its escalation levels
``step_accepted``   stop ``accept``; the step is handled: its pending escalation levels go
``step_completed``  stop the step's clock (and ``accept``); escalation levels go
``step_returned``   same as completed
``step_reassigned`` the old owner's pending escalation levels go and are armed again for the new
                    owner, counted from the reassignment (the step clock runs on)
``step_cancelled``  cancel the step's clock
``step_rejected``   same as completed (驳回至: the step was handled)
``approver_added``  start the added approver's step clock; an approver queued behind them (前加签)
                    has their clock cancelled until ``step_resumed`` starts it again
``step_resumed``    start the resumed step's clock afresh
``department_changed``  re-plan the ticket (its calendar may have changed); levels of moved steps are
                    armed again for their new owners, counted from the hand-over
``status_changed``  pause/resume on the policy's pause statuses (a pause drops pending escalation
                    levels, the end of the pause arms them again counted from then); leaving 待派工 stops
                    ``dispatch`` and starts ``accept``; 待验收/closed stops ``resolve``;
                    leaving 待验收 back to work (acceptance rejected) runs ``resolve`` again,
                    the time waiting for acceptance not counted (as a pause);
                    closed/cancelled stops or cancels everything still open
``fields_changed``  type or priority changed: the ticket's clocks are recomputed
==================  =========================================================================
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from baton.core import bus, clock
from baton.tickets import queries as ticket_queries
from baton.tickets.models import Priority, Status, Step, StepState, Ticket
from baton.tickets.services import RESOLVE_TARGETS

from .models import ClockState, SlaClock
from .models.clocks import OPEN_CLOCK_STATES
from .queries import plan_for
from .services import clocks, escalation, recompute

#: Statuses in which the ticket still waits to be dispatched.
DISPATCH_STATUSES = frozenset({Status.NEW, Status.WAITING_DISPATCH})
#: Statuses in which the repair counts as done for ``resolve``.
RESOLVED_STATUSES = frozenset({Status.WAITING_ACCEPTANCE, Status.CLOSED})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})


def _ticket(event: bus.DomainEvent) -> Ticket:
    assert event.ticket_id is not None
    return ticket_queries.ticket_in_change(event.ticket_id)


def _step(event: bus.DomainEvent) -> Step:
    assert event.step_id is not None
    step = ticket_queries.step_in_change(event.step_id)
    if step is None:
        raise Step.DoesNotExist(f"step {event.step_id}")
    return step


def on_created(event: bus.DomainEvent) -> None:
    ticket = _ticket(event)
    plan = plan_for(ticket)
    now = ticket.created_at
    paused = ticket.status in plan.pause_statuses
    dispatch = plan.ticket_target("dispatch")
    if dispatch is not None:
        clocks.start_clock(ticket=ticket, kind="dispatch", target=dispatch, started_at=now, paused=paused)
    fallback = RESOLVE_TARGETS.get(Priority(ticket.priority), timedelta(hours=24))
    clocks.start_clock(
        ticket=ticket,
        kind="resolve",
        target=plan.resolve_target(fallback),
        started_at=now,
        paused=paused,
        own_target=fallback,
    )


def on_step_entered(event: bus.DomainEvent) -> None:
    if event.step_id is None:
        return
    _start_step_clock(_ticket(event), _step(event))


def _start_step_clock(ticket: Ticket, step: Step) -> None:
    plan = plan_for(ticket)
    own = step.due_at - step.entered_at
    clocks.start_clock(
        ticket=ticket,
        kind=f"step:{step.key}",
        target=plan.step_target(step.key, own),
        started_at=step.entered_at,
        paused=ticket.status in plan.pause_statuses,
        step=step,
        own_target=own,
    )


def on_step_accepted(event: bus.DomainEvent) -> None:
    now = clock.now()
    for sla_clock in clocks.open_clocks(event.ticket_id or 0, ["accept"]):
        clocks.stop_clock(sla_clock, at=now)
    if event.step_id is not None:
        escalation.disarm(step_ids=[event.step_id])


def on_step_done(event: bus.DomainEvent) -> None:
    now = clock.now()
    if event.step_id is None:
        return
    for sla_clock in clocks.open_clocks(event.ticket_id or 0):
        if sla_clock.step_id == event.step_id or sla_clock.kind == "accept":
            clocks.stop_clock(sla_clock, at=now)
    escalation.disarm(step_ids=[event.step_id])


def on_step_reassigned(event: bus.DomainEvent) -> None:
    if event.step_id is None:
        return
    step = Step.objects.select_related("owner").get(pk=event.step_id)  # its new owner
    escalation.rearm_for_new_owner(step=step, ticket=_ticket(event), since=clock.now())


def on_step_cancelled(event: bus.DomainEvent) -> None:
    now = clock.now()
    for sla_clock in clocks.open_clocks(event.ticket_id or 0):
        if sla_clock.step_id == event.step_id:
            clocks.stop_clock(sla_clock, at=now, cancel=True)


def on_approver_added(event: bus.DomainEvent) -> None:
    if event.step_id is None:
        return
    ticket = _ticket(event)
    step = _step(event)
    if step.resumes_id is not None:  # the approver it stands before waits (queued): their clock stops
        on_step_cancelled(replace(event, step_id=step.resumes_id))
        escalation.disarm(step_ids=[step.resumes_id])
    _start_step_clock(ticket, step)


def on_step_resumed(event: bus.DomainEvent) -> None:
    if event.step_id is None:
        return
    on_step_cancelled(event)  # a clock still open for it (none, normally) is replaced
    ticket = _ticket(event)
    step = copy.copy(_step(event))
    step.entered_at = clock.now()  # counted from the resumption (not saved: the row keeps its history)
    _start_step_clock(ticket, step)


def on_department_changed(event: bus.DomainEvent) -> None:
    if event.ticket_id is None:
        return
    open_steps = Step.objects.filter(ticket_id=event.ticket_id, state=StepState.ACTIVE)
    step_ids = list(open_steps.values_list("pk", flat=True))
    escalation.disarm(step_ids=step_ids)
    recompute.recompute_ticket(ticket_id=event.ticket_id, reason="department_changed", record_event=False)
    _rearm_open_steps(_ticket(event), step_ids, clock.now())


def _rearm_open_steps(ticket: Ticket, step_ids: list[int], since: datetime) -> None:
    """Escalation levels disarmed by a hold or a hand-over start again, counted from ``since``."""
    for step in Step.objects.filter(pk__in=step_ids, state=StepState.ACTIVE).select_related("owner"):
        escalation.rearm_for_new_owner(step=step, ticket=ticket, since=since)


def on_status_changed(event: bus.DomainEvent) -> bool:
    change = event.data.get("changes", {}).get("status")
    if not change or event.ticket_id is None:
        return False
    before, after = change
    resumed = False
    now = clock.now()
    ticket = _ticket(event)
    plan = plan_for(ticket)
    if {before, after} <= DISPATCH_STATUSES and not {before, after} & plan.pause_statuses:
        return False  # still waiting for dispatch (a new ticket getting its first step): no clock moves
    open_clocks = clocks.open_clocks(ticket.pk)
    if before == Status.WAITING_ACCEPTANCE and after not in RESOLVED_STATUSES | FINAL_STATUSES:
        reopened = _reopen_resolve(ticket, now)
        if reopened is not None:
            open_clocks.append(reopened)
            if after not in plan.pause_statuses and clocks.mirror_due_times(ticket, [reopened]):
                Ticket.objects.filter(pk=ticket.pk).update(due_at=ticket.due_at)
                resumed = True
    if after in FINAL_STATUSES:
        for sla_clock in open_clocks:
            met = after == Status.CLOSED and sla_clock.kind in ("resolve", "dispatch", "accept")
            clocks.stop_clock(sla_clock, at=now, cancel=not met)
        return False
    if after in plan.pause_statuses:
        clocks.pause_clocks(open_clocks, at=now)
        escalation.disarm(step_ids=[c.step_id for c in open_clocks if c.step_id is not None])
        return resumed
    if before in plan.pause_statuses:
        clocks.resume_clocks(open_clocks, at=now)
        _rearm_open_steps(ticket, [c.step_id for c in open_clocks if c.step_id is not None], now)
        if clocks.mirror_due_times(ticket, open_clocks):
            Ticket.objects.filter(pk=ticket.pk).update(due_at=ticket.due_at)
            resumed = True
    kinds = {c.kind: c for c in open_clocks}
    if after not in DISPATCH_STATUSES:
        if "dispatch" in kinds:
            clocks.stop_clock(kinds["dispatch"], at=now)
        accept = plan.ticket_target("accept")
        started_accept = ticket.sla_clocks.filter(kind="accept").exists()
        if accept is not None and not started_accept and before in DISPATCH_STATUSES | plan.pause_statuses:
            clocks.start_clock(ticket=ticket, kind="accept", target=accept, started_at=now)
    if after in RESOLVED_STATUSES and "resolve" in kinds:
        clocks.stop_clock(kinds["resolve"], at=now)
    return resumed  # the ticket's due time moved: the publishing service re-reads its result


def _reopen_resolve(ticket: Ticket, now: datetime) -> SlaClock | None:
    """Acceptance was rejected (the repair goes on): the met ``resolve`` clock runs again.

    The time the ticket waited for acceptance does not count, as for the pause statuses: the
    customer was checking the work, not the repair team working on it.
    """
    met = ticket.sla_clocks.filter(kind="resolve", state=ClockState.STOPPED).order_by("-pk").first()
    if met is None or not clocks.reopen_clock(met, at=now):
        return None
    return met


def on_fields_changed(event: bus.DomainEvent) -> None:
    changes = event.data.get("changes", {})
    if event.ticket_id is None or not ({"priority", "type"} & set(changes)):
        return
    recompute.recompute_ticket(ticket_id=event.ticket_id, reason="fields_changed", record_event=False)


HANDLERS = {
    "created": on_created,
    "step_entered": on_step_entered,
    "step_accepted": on_step_accepted,
    "step_completed": on_step_done,
    "step_returned": on_step_done,
    "step_reassigned": on_step_reassigned,
    "step_cancelled": on_step_cancelled,
    "step_rejected": on_step_done,
    "approver_added": on_approver_added,
    "step_resumed": on_step_resumed,
    "department_changed": on_department_changed,
    "status_changed": on_status_changed,
    "fields_changed": on_fields_changed,
}


#: Handlers that only start clocks: the rest read or change existing clocks, so the clocks this change
#: started are written first (``clocks.write_pending``).
STARTING_ONLY = frozenset({on_created, on_step_entered})


def _after_pending(
    handler: Callable[[bus.DomainEvent], bool | None],
) -> Callable[[bus.DomainEvent], bool | None]:
    @functools.wraps(handler)
    def run(event: bus.DomainEvent) -> bool | None:
        clocks.write_pending()
        return handler(event)

    return run


_SUBSCRIBED = {
    name: handler if handler in STARTING_ONLY else _after_pending(handler)
    for name, handler in HANDLERS.items()
}


def subscribe_all() -> None:
    for name, handler in _SUBSCRIBED.items():
        bus.subscribe(name, handler)
    bus.on_delivered(clocks.write_pending)


__all__ = ["HANDLERS", "OPEN_CLOCK_STATES", "ClockState", "subscribe_all"]
