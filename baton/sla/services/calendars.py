"""Writes about business calendars: keyword-only, atomic, and validated as a whole before writing.

A calendar is checked by building the pure ``calendar.Calendar`` from the proposed data, so the
rules (overlaps, midnight-crossing shifts, time zones) live in one place and the admin, the API and
these services cannot disagree. Bad input raises ``ValidationFailed`` and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from baton.core.errors import NotFound, ValidationFailed
from baton.sla.calendar import Calendar, CalendarError, Shift
from baton.sla.models import BusinessCalendar, CalendarHoliday, HolidayKind, WorkingPeriod

from . import recompute


class PeriodSpec(NamedTuple):
    """A working period to store: weekday 0 (Monday)–6, local start and end (end ≤ start: overnight)."""

    weekday: int
    start: time
    end: time


class HolidaySpec(NamedTuple):
    """A dated exception to store: ``kind`` is ``HolidayKind.HOLIDAY`` (closed) or ``WORKDAY``."""

    date: date
    kind: str = HolidayKind.HOLIDAY
    name: str = ""


def _add(fields: dict[str, list[str]], field: str, message: str) -> None:
    fields.setdefault(field, []).append(message)


def validate_calendar(
    *,
    code: str,
    name: str,
    time_zone: str,
    makeup_weekday: int,
    use_statutory_holidays: bool,
    periods: Sequence[PeriodSpec],
    holidays: Sequence[HolidaySpec],
    calendar_id: int | None = None,
) -> None:
    """Raise ``ValidationFailed`` (message = the first problem, ``fields`` = all of them) or return.

    ``calendar_id`` is the calendar being edited, so its own code does not count as taken.
    """
    fields: dict[str, list[str]] = {}
    if not code or len(code) > 32:
        _add(fields, "code", "A code of 1–32 characters is required.")
    elif BusinessCalendar.objects.filter(code=code).exclude(pk=calendar_id or 0).exists():
        _add(fields, "code", f"A calendar with code {code!r} already exists.")
    if not name or len(name) > 100:
        _add(fields, "name", "A name of 1–100 characters is required.")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        _add(fields, "time_zone", f"Unknown time zone {time_zone!r}.")
    if isinstance(makeup_weekday, bool) or makeup_weekday not in range(7):
        _add(fields, "makeup_weekday", "The make-up weekday must be 0 (Monday) to 6 (Sunday).")
    seen: set[date] = set()
    for holiday in holidays:
        if holiday.date in seen:
            _add(fields, "holidays", f"{holiday.date.isoformat()} is listed twice.")
        seen.add(holiday.date)
        if holiday.kind not in HolidayKind.values:
            _add(fields, "holidays", f"Unknown kind {holiday.kind!r} on {holiday.date.isoformat()}.")
        if len(holiday.name) > 100:
            _add(fields, "holidays", f"The name on {holiday.date.isoformat()} is longer than 100 characters.")
    if "time_zone" not in fields and "makeup_weekday" not in fields:
        hours: dict[int, list[Shift]] = {}
        for period in periods:
            hours.setdefault(period.weekday, []).append((period.start, period.end))
        try:
            Calendar(
                time_zone=time_zone,
                hours=hours,
                use_statutory=use_statutory_holidays,
                makeup_weekday=makeup_weekday,
            )
        except CalendarError as exc:
            _add(fields, "periods", str(exc))
    if fields:
        first = next(iter(fields.values()))[0]
        raise ValidationFailed(first, fields=fields)


def _write_rows(
    calendar: BusinessCalendar, periods: Sequence[PeriodSpec] | None, holidays: Sequence[HolidaySpec] | None
) -> None:
    if periods is not None:
        calendar.periods.all().delete()
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=p.weekday, start=p.start, end=p.end) for p in periods
        )
    if holidays is not None:
        calendar.holidays.all().delete()
        CalendarHoliday.objects.bulk_create(
            CalendarHoliday(calendar=calendar, date=h.date, kind=h.kind, name=h.name.strip())
            for h in holidays
        )


@transaction.atomic
def create_calendar(
    *,
    code: str,
    name: str,
    periods: Sequence[PeriodSpec],
    holidays: Sequence[HolidaySpec] = (),
    time_zone: str = "Asia/Shanghai",
    use_statutory_holidays: bool = True,
    makeup_weekday: int = 0,
) -> BusinessCalendar:
    """Create a calendar with its working periods and dated exceptions, all or nothing."""
    code, name = code.strip(), name.strip()
    periods, holidays = [PeriodSpec(*p) for p in periods], [HolidaySpec(*h) for h in holidays]
    validate_calendar(
        code=code,
        name=name,
        time_zone=time_zone,
        makeup_weekday=makeup_weekday,
        use_statutory_holidays=use_statutory_holidays,
        periods=periods,
        holidays=holidays,
    )
    calendar = BusinessCalendar.objects.create(
        code=code,
        name=name,
        time_zone=time_zone,
        use_statutory_holidays=use_statutory_holidays,
        makeup_weekday=makeup_weekday,
    )
    _write_rows(calendar, periods, holidays)
    return calendar


@transaction.atomic
def update_calendar(
    *,
    calendar: BusinessCalendar,
    code: str | None = None,
    name: str | None = None,
    time_zone: str | None = None,
    use_statutory_holidays: bool | None = None,
    makeup_weekday: int | None = None,
    periods: Sequence[PeriodSpec] | None = None,
    holidays: Sequence[HolidaySpec] | None = None,
) -> BusinessCalendar:
    """Change what is given (``None`` keeps it); ``periods``/``holidays`` replace the whole list.

    The result is validated as a whole, so a new time zone or a new period is checked against what
    stays.
    """
    locked = BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
    if locked is None:
        raise NotFound("No such business calendar.")
    new_periods = (
        [PeriodSpec(*p) for p in periods]
        if periods is not None
        else [PeriodSpec(p.weekday, p.start, p.end) for p in locked.periods.all()]
    )
    new_holidays = (
        [HolidaySpec(*h) for h in holidays]
        if holidays is not None
        else [HolidaySpec(h.date, h.kind, h.name) for h in locked.holidays.all()]
    )
    new_code = locked.code if code is None else code.strip()
    new_name = locked.name if name is None else name.strip()
    new_zone = locked.time_zone if time_zone is None else time_zone
    new_statutory = (
        locked.use_statutory_holidays if use_statutory_holidays is None else use_statutory_holidays
    )
    new_makeup = locked.makeup_weekday if makeup_weekday is None else makeup_weekday
    validate_calendar(
        code=new_code,
        name=new_name,
        time_zone=new_zone,
        makeup_weekday=new_makeup,
        use_statutory_holidays=new_statutory,
        periods=new_periods,
        holidays=new_holidays,
        calendar_id=locked.pk,
    )
    for target in (locked, calendar):  # the caller's instance reflects what was stored
        target.code, target.name, target.time_zone = new_code, new_name, new_zone
        target.use_statutory_holidays, target.makeup_weekday = new_statutory, new_makeup
    locked.save(update_fields=["code", "name", "time_zone", "use_statutory_holidays", "makeup_weekday"])
    _write_rows(locked, None if periods is None else new_periods, None if holidays is None else new_holidays)
    recompute.recompute_for_calendar(calendar_id=locked.pk)
    return locked


@transaction.atomic
def set_calendar_holiday(
    *, calendar: BusinessCalendar, day: date, kind: str = HolidayKind.HOLIDAY, name: str = ""
) -> CalendarHoliday:
    """Add or change one dated exception (a company holiday or an extra working day)."""
    name = name.strip()
    fields: dict[str, list[str]] = {}
    if kind not in HolidayKind.values:
        _add(fields, "kind", f"Unknown kind {kind!r}.")
    if len(name) > 100:
        _add(fields, "name", "A name is at most 100 characters.")
    if fields:
        raise ValidationFailed(next(iter(fields.values()))[0], fields=fields)
    holiday, _ = CalendarHoliday.objects.update_or_create(
        calendar=calendar, date=day, defaults={"kind": kind, "name": name}
    )
    recompute.recompute_for_calendar(calendar_id=calendar.pk)
    return holiday


@transaction.atomic
def remove_calendar_holiday(*, calendar: BusinessCalendar, day: date) -> None:
    deleted, _ = CalendarHoliday.objects.filter(calendar=calendar, date=day).delete()
    if not deleted:
        raise NotFound(f"{day.isoformat()} is not an exception on this calendar.")
    recompute.recompute_for_calendar(calendar_id=calendar.pk)


@transaction.atomic
def delete_calendar(*, calendar: BusinessCalendar) -> None:
    """Delete a calendar with its periods and exceptions (whatever points at it decides via on_delete)."""
    deleted, _ = BusinessCalendar.objects.filter(pk=calendar.pk).delete()
    if not deleted:
        raise NotFound("No such business calendar.")
