"""Starting, pausing, resuming, stopping and recomputing a ticket's clocks, and keeping their timers.

Every function here runs inside the ticket service's transaction (the bus delivers the ticket's
events to ``baton.sla.subscribers`` after the service's writes) or inside a recompute, with the
ticket row locked, so the rows of one ticket are only ever written by one transaction at a time.

Timers follow the clock: a running clock has one unfired ``warning`` (when the policy asks for
one and it has not fired yet) and one unfired ``breach`` timer (until it has fired); pausing
deletes them, resuming and recomputing put them back at the new times. ``escalation`` timers
belong to step clocks and are deleted the moment the step is handled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import connection

from baton.core import bus
from baton.sla.calendar import ClockPaused, Pause
from baton.sla.models import ClockState, SlaClock, SlaTimer, TimerKind
from baton.sla.models.clocks import OPEN_CLOCK_STATES
from baton.sla.queries import Target, plan_for
from baton.tickets.models import Step, StepState, Ticket

from . import escalation

_ZERO = timedelta(0)


def _pauses(clock: SlaClock) -> list[Pause]:
    pauses: list[Pause] = [
        (datetime.fromisoformat(start), datetime.fromisoformat(end)) for start, end in clock.pauses
    ]
    if clock.paused_since is not None:
        pauses.append((clock.paused_since, None))
    return pauses


def _target_of(clock: SlaClock) -> Target:
    return Target(
        duration=clock.target,
        business=clock.business,
        calendar_id=clock.calendar_id,
        policy_id=clock.policy_id,
        warning_percent=clock.warning_percent,
    )


def _schedule(clock: SlaClock) -> None:
    """Compute ``due_at``/``warning_at`` from start, target, calendar and pauses (None while paused)."""
    target, pauses = _target_of(clock), _pauses(clock)
    try:
        clock.due_at = target.due(clock.started_at, pauses)
    except ClockPaused:
        clock.due_at = None
    clock.warning_at = None
    if clock.due_at is not None and 0 < clock.warning_percent < 100:
        clock.warning_at = target.due(clock.started_at, pauses, fraction=clock.warning_percent / 100)


def _replace_timers(clock: SlaClock) -> None:
    """Unfired warning/breach timers at the clock's current times (none unless it is running)."""
    SlaTimer.objects.filter(
        clock=clock, fired_at__isnull=True, kind__in=(TimerKind.WARNING, TimerKind.BREACH)
    ).delete()
    if _running_due(clock) is not None:
        fired = SlaTimer.objects.filter(clock=clock, fired_at__isnull=False).values_list("kind", flat=True)
        SlaTimer.objects.bulk_create(_timers(clock, set(fired)))


def _running_due(clock: SlaClock) -> datetime | None:
    """The due time of a running clock (only those have warning/breach timers), else None."""
    return clock.due_at if clock.state == ClockState.RUNNING else None


def _timers(clock: SlaClock, fired: set[str]) -> list[SlaTimer]:
    """The (unsaved) warning/breach timers a clock should have, given the kinds that already fired."""
    due_at = _running_due(clock)
    if due_at is None:
        return []
    rows = []
    if clock.warning_at is not None and TimerKind.WARNING not in fired and clock.breached_at is None:
        rows.append(
            SlaTimer(clock=clock, ticket_id=clock.ticket_id, kind=TimerKind.WARNING, due_at=clock.warning_at)
        )
    if TimerKind.BREACH not in fired and clock.breached_at is None:
        rows.append(SlaTimer(clock=clock, ticket_id=clock.ticket_id, kind=TimerKind.BREACH, due_at=due_at))
    return rows


def start_clock(
    *,
    ticket: Ticket,
    kind: str,
    target: Target,
    started_at: datetime,
    paused: bool = False,
    step: Step | None = None,
    own_target: timedelta | None = None,
) -> SlaClock:
    """A new running (or, while the ticket waits, paused) clock with its timers.

    ``own_target`` is what the flow or the priority promises without a policy (kept so a policy
    change can fall back to it). Inside a bus change the clock is written with the others the
    change starts, in one statement, by :func:`write_pending` (before anything reads clocks, and
    when the change's events are all delivered); outside one it is written at once.
    """
    clock = SlaClock(
        own_target=own_target,
        ticket=ticket,
        step=step,
        kind=kind,
        policy_id=target.policy_id,
        calendar_id=target.calendar_id if target.business else None,
        business=target.business and target.calendar_id is not None,
        target=target.duration,
        warning_percent=target.warning_percent,
        started_at=started_at,
        paused_since=started_at if paused else None,
        state=ClockState.PAUSED if paused else ClockState.RUNNING,
    )
    _schedule(clock)
    new = (clock, step if step is not None and not paused else None, ticket)
    if bus.publishing():
        bus.scratch().setdefault(_PENDING, []).append(new)
    else:
        _write([new])
    return clock


_PENDING = "sla.pending_clocks"
_NewClock = tuple[SlaClock, Step | None, Ticket]


def write_pending() -> None:
    """Write the clocks started so far in this change (and their timers); nothing outside a change.

    Called before any read of a ticket's clocks in a change, and by the bus once its events are
    all delivered (``apps.SlaConfig.ready``).
    """
    if bus.publishing():
        pending: list[_NewClock] = bus.scratch().pop(_PENDING, [])
        if pending:
            _write(pending)


def _write(new: Sequence[_NewClock]) -> None:
    """New clocks with their warning/breach timers and (for a step's) its escalation levels: two INSERTs."""
    rows = [clock for clock, _, _ in new]
    if connection.features.can_return_rows_from_bulk_insert:
        SlaClock.objects.bulk_create(rows)
    else:  # an old SQLite: the ids are needed for the timers
        for clock in rows:
            clock.save(force_insert=True)
    timers: list[SlaTimer] = []
    for clock, step, ticket in new:
        timers.extend(_timers(clock, set()))
        if step is not None:
            timers.extend(escalation.step_level_timers(clock=clock, step=step, ticket=ticket))
    SlaTimer.objects.bulk_create(timers)


def open_clocks(ticket_id: int, kinds: Iterable[str] | None = None) -> list[SlaClock]:
    write_pending()
    rows = SlaClock.objects.filter(ticket_id=ticket_id, state__in=OPEN_CLOCK_STATES)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return list(rows.order_by("pk"))


def stop_clock(clock: SlaClock, *, at: datetime, cancel: bool = False) -> None:
    """Stop a clock: met at ``at`` (breached too when that is after its due time), or cancelled."""
    if clock.state not in OPEN_CLOCK_STATES:
        return
    if clock.paused_since is not None:
        _close_pause(clock, at)
    if cancel:
        clock.state = ClockState.CANCELLED
    else:
        clock.state = ClockState.STOPPED
        clock.met_at = at
        if clock.breached_at is None and clock.due_at is not None and at > clock.due_at:
            clock.breached_at = clock.due_at
    clock.save()
    SlaTimer.objects.filter(clock=clock, fired_at__isnull=True).delete()


def _close_pause(clock: SlaClock, at: datetime) -> None:
    assert clock.paused_since is not None
    clock.pauses = [*clock.pauses, [clock.paused_since.isoformat(), at.isoformat()]]
    clock.paused_total = clock.paused_total + max(at - clock.paused_since, _ZERO)
    clock.paused_since = None


def pause_clocks(clocks: Sequence[SlaClock], *, at: datetime) -> None:
    for clock in clocks:
        if clock.state != ClockState.RUNNING:
            continue
        clock.state, clock.paused_since = ClockState.PAUSED, at
        _schedule(clock)
        clock.save()
        SlaTimer.objects.filter(clock=clock, fired_at__isnull=True).delete()


def resume_clocks(clocks: Sequence[SlaClock], *, at: datetime) -> None:
    for clock in clocks:
        if clock.state != ClockState.PAUSED:
            continue
        _close_pause(clock, at)
        clock.state = ClockState.RUNNING
        _schedule(clock)
        clock.save()
        _replace_timers(clock)


def reopen_clock(clock: SlaClock, *, at: datetime) -> bool:
    """Run a met (stopped) clock again from ``at``; False when it is not a met clock.

    The time it stood stopped counts as a pause (as on hold): the clock resumes where it stopped.
    A breach it was only stamped with when stopped late (its breach timer never fired) is taken
    back, so the breach timer is armed again and the sweep reports it like any other breach.
    """
    if clock.state != ClockState.STOPPED or clock.met_at is None:
        return False
    clock.pauses = [*clock.pauses, [clock.met_at.isoformat(), at.isoformat()]]
    clock.paused_total = clock.paused_total + max(at - clock.met_at, _ZERO)
    clock.met_at = None
    clock.state = ClockState.RUNNING
    if not SlaTimer.objects.filter(clock=clock, kind=TimerKind.BREACH, fired_at__isnull=False).exists():
        clock.breached_at = None
    _schedule(clock)
    clock.save()
    _replace_timers(clock)
    return True


def retarget(clock: SlaClock, target: Target) -> bool:
    """Point an open clock at a new target/calendar and move its timers; True when its times changed."""
    before = (clock.due_at, clock.warning_at, clock.target, clock.business, clock.calendar_id)
    clock.policy_id = target.policy_id
    clock.business = target.business and target.calendar_id is not None
    clock.calendar_id = target.calendar_id if clock.business else None
    clock.target = target.duration
    clock.warning_percent = target.warning_percent
    _schedule(clock)
    after = (clock.due_at, clock.warning_at, clock.target, clock.business, clock.calendar_id)
    if before == after:
        return False
    clock.save()
    _replace_timers(clock)
    return True


def mirror_due_times(ticket: Ticket, clocks: Sequence[SlaClock]) -> list[str]:
    """Copy running clocks' due times to the rows people see (``Step.due_at``, ``Ticket.due_at``).

    Returns the ticket fields changed (the caller saves the ticket).
    """
    changed: list[str] = []
    for clock in clocks:
        if clock.due_at is None or clock.state != ClockState.RUNNING:
            continue
        if clock.step_id is not None:
            Step.objects.filter(pk=clock.step_id, state=StepState.ACTIVE).exclude(due_at=clock.due_at).update(
                due_at=clock.due_at
            )
        elif clock.kind == "resolve" and ticket.due_at != clock.due_at:
            ticket.due_at = clock.due_at
            changed.append("due_at")
    return changed


def target_for(ticket: Ticket, clock: SlaClock) -> Target | None:
    """What an open clock's target is under the ticket's plan now (``None``: the policy dropped it)."""
    plan = plan_for(ticket)
    fallback = clock.own_target if clock.own_target is not None else clock.target
    if clock.kind.startswith("step:"):
        return plan.step_target(clock.kind.removeprefix("step:"), fallback)
    if clock.kind == "resolve":
        return plan.resolve_target(fallback)
    return plan.ticket_target(clock.kind)
