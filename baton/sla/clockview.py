"""Reads for people: a ticket's clocks as the ticket page and the API show them.

Elapsed and remaining are counted the way the clock counts (business time on its calendar, or
wall time), paused time excluded; ``remaining`` is negative once the clock is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from .calendar import Pause, business_time_between, wall_time_between
from .models import ClockState, SlaClock
from .queries import calendar_by_id_cached

_ZERO = timedelta(0)


@dataclass(frozen=True)
class ClockRow:
    id: int
    kind: str
    step_name: str
    state: str  # running, paused, met, late, breached, cancelled
    business: bool
    calendar: str
    target: timedelta
    started_at: datetime
    warning_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    paused_since: datetime | None
    paused: timedelta
    elapsed: timedelta
    remaining: timedelta | None

    @property
    def overdue(self) -> bool:
        return self.remaining is not None and self.remaining < _ZERO

    @property
    def percent(self) -> int:
        if not self.target:
            return 100
        return max(0, min(100, round(100 * (self.elapsed / self.target))))


def _pauses(clock: SlaClock) -> list[Pause]:
    pauses: list[Pause] = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in clock.pauses]
    if clock.paused_since is not None:
        pauses.append((clock.paused_since, None))
    return pauses


def _state(clock: SlaClock, now: datetime) -> str:
    if clock.state == ClockState.CANCELLED:
        return "cancelled"
    if clock.state == ClockState.STOPPED:
        return "late" if clock.breached_at else "met"
    if clock.breached_at or (clock.due_at is not None and now >= clock.due_at):
        return "breached"
    return str(clock.state)


def clock_rows(ticket_id: int, now: datetime) -> list[ClockRow]:
    """Every clock of the ticket, oldest first (two queries: clocks with steps and calendars)."""
    rows: QuerySet[SlaClock] = (
        SlaClock.objects.filter(ticket_id=ticket_id)
        .select_related("step", "calendar")
        .order_by("started_at", "pk")
    )
    result = []
    for clock in rows:
        end = clock.met_at or now
        pauses = _pauses(clock)
        if clock.business and clock.calendar_id is not None:
            elapsed = business_time_between(
                calendar_by_id_cached(clock.calendar_id), clock.started_at, end, pauses
            )
        else:
            elapsed = wall_time_between(clock.started_at, end, pauses)
        paused = clock.paused_total + (max(now - clock.paused_since, _ZERO) if clock.paused_since else _ZERO)
        open_ = clock.state in (ClockState.RUNNING, ClockState.PAUSED)
        result.append(
            ClockRow(
                id=clock.pk,
                kind=clock.kind,
                step_name=clock.step.name if clock.step is not None else "",
                state=_state(clock, now),
                business=clock.business,
                calendar=clock.calendar.name if clock.calendar is not None else "",
                target=clock.target,
                started_at=clock.started_at,
                warning_at=clock.warning_at,
                due_at=clock.due_at,
                met_at=clock.met_at,
                breached_at=clock.breached_at,
                paused_since=clock.paused_since,
                paused=paused,
                elapsed=elapsed,
                remaining=clock.target - elapsed if open_ else None,
            )
        )
    return result
