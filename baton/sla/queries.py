"""Reads about calendars: rows in, a pure ``Calendar`` out.

Calendars, policies and the site/department calendar choice are kept in the process by
``core.refcache``, which drops them the moment their tables are written anywhere: an admin's change
shows in the next due time computed by any process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import QuerySet

from baton.accounts.models import Department
from baton.core import bus, refcache
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


CALENDAR_TABLES = ("sla_businesscalendar", "sla_workingperiod", "sla_calendarholiday")
POLICY_TABLES = ("sla_slapolicy", "sla_slasteptarget")


def calendar_by_id_cached(calendar_id: int) -> Calendar:
    """The pure calendar, kept in the process until a calendar, its hours or holidays change."""
    return refcache.cached(
        ("sla.calendar", calendar_id), CALENDAR_TABLES, lambda: calendar_by_id(calendar_id)
    )


def active_policies() -> tuple[SlaPolicy, ...]:
    """Every active policy with its step targets, in matching order (kept until a policy changes)."""

    def load() -> tuple[SlaPolicy, ...]:
        rows = SlaPolicy.objects.filter(active=True).prefetch_related("step_targets")
        return tuple(sorted(rows, key=lambda p: (p.order, -p.specificity, p.pk)))

    return refcache.cached("sla.active_policies", POLICY_TABLES, load)


def match_policy(ticket: Any) -> SlaPolicy | None:
    """The SLA policy for a ticket: first by ``order``, then the most specific, then the oldest."""
    customer = getattr(ticket, "customer", None)
    level = customer.level if customer is not None else "normal"
    for policy in active_policies():
        if (
            policy.ticket_type in ("", ticket.type)
            and policy.priority in ("", ticket.priority)
            and policy.customer_level in ("", level)
            and policy.site_id in (None, ticket.site_id)
        ):
            return policy
    return None


def _site_calendars() -> dict[int, int]:
    return refcache.cached(
        "sla.site_calendars",
        ("customers_site",),
        lambda: dict(Site.objects.filter(calendar__isnull=False).values_list("pk", "calendar_id")),
    )


def _department_calendars() -> dict[int, tuple[str, int | None]]:
    return refcache.cached(
        "sla.department_calendars",
        ("accounts_department",),
        lambda: {
            pk: (path, calendar_id)
            for pk, path, calendar_id in Department.objects.values_list("pk", "path", "calendar_id")
        },
    )


def calendar_id_for(ticket: Any) -> int | None:
    """The site's calendar, else the nearest department up the tree that has one, else none (24×7)."""
    site_id = getattr(ticket, "site_id", None)
    if site_id is not None and (site_calendar := _site_calendars().get(site_id)) is not None:
        return site_calendar
    departments = _department_calendars()
    path = departments.get(ticket.department_id, ("", None))[0]
    ids = [int(part) for part in path.strip("/").split("/") if part.isdigit()] or [ticket.department_id]
    for department_id in reversed(ids):  # deepest first
        calendar_id = departments.get(department_id, ("", None))[1]
        if calendar_id is not None:
            return calendar_id
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
