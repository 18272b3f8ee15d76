"""Reads about calendars: rows in, a pure ``Calendar`` out.

Nothing is cached across requests: an admin's change to a calendar must show in the next due time
computed anywhere. Within one request or one job run, :class:`CalendarCache` avoids loading the
same calendar twice (a ticket list computing many due times, a timer sweep).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from django.db.models import Q, QuerySet

from baton.accounts.models import Department
from baton.core import bus
from baton.core.errors import NotFound
from baton.customers.models import Site

from .calendar import Calendar, Pause, Shift, add_business_time, add_wall_time
from .models import BusinessCalendar, HolidayKind, SlaPolicy
from .models.policies import DEFAULT_PAUSE_STATUSES


def _with_rows() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.prefetch_related("periods", "holidays")


def to_calendar(calendar: BusinessCalendar) -> Calendar:
    """The pure calendar for a row; prefetch ``periods`` and ``holidays`` to keep it to one query each.

    The rows were validated by ``services`` on the way in, so a ``CalendarError`` here means someone
    wrote around them.
    """
    hours: dict[int, list[Shift]] = {}
    for period in calendar.periods.all():
        hours.setdefault(period.weekday, []).append((period.start, period.end))
    holidays = calendar.holidays.all()
    return Calendar(
        time_zone=calendar.time_zone,
        hours=hours,
        holidays=frozenset(h.date for h in holidays if h.kind == HolidayKind.HOLIDAY),
        extra_workdays=frozenset(h.date for h in holidays if h.kind == HolidayKind.WORKDAY),
        use_statutory=calendar.use_statutory_holidays,
        makeup_weekday=calendar.makeup_weekday,
    )


def get_calendar_row(*, calendar_id: int | None = None, code: str | None = None) -> BusinessCalendar:
    """The row with its periods and holidays prefetched; exactly one of ``calendar_id``/``code``."""
    if (calendar_id is None) == (code is None):
        raise ValueError("Give exactly one of calendar_id and code.")
    lookup = {"pk": calendar_id} if calendar_id is not None else {"code": code}
    row = _with_rows().filter(**lookup).first()
    if row is None:
        raise NotFound("No such business calendar.")
    return row


def calendar_by_id(calendar_id: int) -> Calendar:
    return to_calendar(get_calendar_row(calendar_id=calendar_id))


def calendar_by_code(code: str) -> Calendar:
    return to_calendar(get_calendar_row(code=code))


class CalendarCache:
    """Loads each calendar once; make one per request or job run and let it go with it."""

    def __init__(self) -> None:
        self._by_id: dict[int, Calendar] = {}
        self._code_to_id: dict[str, int] = {}

    def _load(self, row: BusinessCalendar) -> Calendar:
        calendar = to_calendar(row)
        self._by_id[row.pk] = calendar
        self._code_to_id[row.code] = row.pk
        return calendar

    def by_id(self, calendar_id: int) -> Calendar:
        cached = self._by_id.get(calendar_id)
        return cached if cached is not None else self._load(get_calendar_row(calendar_id=calendar_id))

    def by_code(self, code: str) -> Calendar:
        calendar_id = self._code_to_id.get(code)
        if calendar_id is not None:
            return self._by_id[calendar_id]
        return self._load(get_calendar_row(code=code))


# ---------------------------------------------------------------------------- targets for tickets


@dataclass(frozen=True)
class Target:
    """How long something may take, counted in business or wall time, on which calendar."""

    duration: timedelta
    business: bool
    calendar_id: int | None
    policy_id: int | None
    warning_percent: int

    def due(self, start: datetime, pauses: Sequence[Pause] = (), *, fraction: float = 1.0) -> datetime:
        """When ``fraction`` of the target has passed (raises ``ClockPaused`` inside an open pause)."""
        duration = self.duration * fraction
        if self.business and self.calendar_id is not None:
            return add_business_time(calendar_by_id_cached(self.calendar_id), start, duration, pauses)
        return add_wall_time(start, duration, pauses)


@lru_cache(maxsize=64)
def _calendar_version(calendar_id: int, revision: int) -> Calendar:
    return calendar_by_id(calendar_id)


def calendar_by_id_cached(calendar_id: int) -> Calendar:
    """The pure calendar, rebuilt whenever its rows changed (``revision``: one cheap query).

    The calendar services put a new random ``revision`` on every change, so a process never computes with a
    stale definition; the cache is keyed by it and bounded.
    """
    revision = BusinessCalendar.objects.filter(pk=calendar_id).values_list("revision", flat=True).first()
    if revision is None:
        raise NotFound("No such business calendar.")
    return _calendar_version(calendar_id, revision)


def match_policy(ticket: Any) -> SlaPolicy | None:
    """The SLA policy for a ticket: first by ``order``, then the most specific, then the oldest."""
    customer = getattr(ticket, "customer", None)
    level = customer.level if customer is not None else "normal"
    candidates = SlaPolicy.objects.filter(
        Q(ticket_type="") | Q(ticket_type=ticket.type),
        Q(priority="") | Q(priority=ticket.priority),
        Q(customer_level="") | Q(customer_level=level),
        Q(site__isnull=True) | Q(site_id=ticket.site_id),
        active=True,
    ).prefetch_related("step_targets")
    ranked = sorted(candidates, key=lambda p: (p.order, -p.specificity, p.pk))
    return ranked[0] if ranked else None


def calendar_id_for(ticket: Any) -> int | None:
    """The site's calendar, else the nearest department up the tree that has one, else none (24×7)."""
    site_id = getattr(ticket, "site_id", None)
    if site_id is not None:
        site_calendar = Site.objects.filter(pk=site_id).values_list("calendar_id", flat=True).first()
        if site_calendar is not None:
            return int(site_calendar)
    path = Department.objects.filter(pk=ticket.department_id).values_list("path", flat=True).first() or ""
    ids = [int(part) for part in path.strip("/").split("/") if part.isdigit()] or [ticket.department_id]
    found = dict(
        Department.objects.filter(pk__in=ids, calendar__isnull=False).values_list("pk", "calendar_id")
    )
    for department_id in reversed(ids):  # deepest first
        if department_id in found:
            return int(found[department_id])
    return None


@dataclass(frozen=True)
class Plan:
    """What one ticket is promised: its policy (if any) and the calendar business time runs on."""

    policy: SlaPolicy | None
    calendar_id: int | None

    def _target(self, duration: timedelta, business: bool) -> Target:
        return Target(
            duration=duration,
            business=business,
            calendar_id=self.calendar_id,
            policy_id=self.policy.pk if self.policy else None,
            warning_percent=self.policy.warning_percent if self.policy else 0,
        )

    def ticket_target(self, kind: str) -> Target | None:
        """``dispatch``/``accept``/``resolve`` as the policy sets them; ``None`` when it does not."""
        if self.policy is None:
            return None
        duration = getattr(self.policy, f"{kind}_target")
        return None if duration is None else self._target(duration, getattr(self.policy, f"{kind}_business"))

    def step_target(self, step_key: str, fallback: timedelta, *, business: bool = False) -> Target:
        """The policy's target for the step, else the flow's own (``fallback``), in business time
        when the flow's step says so (``sla_business``), else wall time."""
        if self.policy is not None:
            for target in self.policy.step_targets.all():
                if target.step_key == step_key:
                    return self._target(target.target, target.business)
        return self._target(fallback, business)

    def resolve_target(self, fallback: timedelta) -> Target:
        return self.ticket_target("resolve") or self._target(fallback, False)

    @property
    def pause_statuses(self) -> frozenset[str]:
        if self.policy is None:
            return frozenset(DEFAULT_PAUSE_STATUSES)
        return frozenset(self.policy.pause_statuses or ())


def plan_for(ticket: Any) -> Plan:
    """The ticket's plan, remembered on the instance while what it depends on stays the same."""
    customer = getattr(ticket, "customer", None)
    key = (
        ticket.type,
        ticket.priority,
        customer.level if customer else "",
        ticket.site_id,
        ticket.department_id,
    )
    cached = ticket.__dict__.get("_sla_plan")
    if cached is not None and cached[0] == key:
        return cast(Plan, cached[1])
    shared = bus.scratch()  # the other subscribers of this change re-read the ticket: share its plan
    plan = shared.get(("sla_plan", key))
    if plan is None:
        plan = Plan(policy=match_policy(ticket), calendar_id=calendar_id_for(ticket))
        shared[("sla_plan", key)] = plan
    ticket.__dict__["_sla_plan"] = (key, plan)
    return plan


def step_due(
    *, ticket: Any, step_key: str, start: datetime, fallback: timedelta, business: bool = False
) -> datetime:
    """A new step's due time: its SLA target counted from ``start`` (``fallback``: the flow's own,
    in business time on the ticket's calendar when ``business``)."""
    return plan_for(ticket).step_target(step_key, fallback, business=business).due(start)


def resolve_due(*, ticket: Any, start: datetime, fallback: timedelta) -> datetime:
    """A new ticket's resolve due time, from its SLA policy (``fallback``: by priority, wall time)."""
    return plan_for(ticket).resolve_target(fallback).due(start)
