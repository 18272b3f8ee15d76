"""Reads about calendars: rows in, a pure ``Calendar`` out.

Nothing is cached across requests: an admin's change to a calendar must show in the next due time
computed anywhere. Within one request or one job run, :class:`CalendarCache` avoids loading the
same calendar twice (a ticket list computing many due times, a timer sweep).
"""

from __future__ import annotations

from django.db.models import QuerySet

from baton.core.errors import NotFound

from .calendar import Calendar, Shift
from .models import BusinessCalendar, HolidayKind


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
