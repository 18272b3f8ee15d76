"""Business-time arithmetic on a pure calendar: no ORM, no Django, no clock.

Due times are data (DESIGN), so pure functions over a frozen :class:`Calendar` produce them;
``queries.to_calendar`` builds one from the rows in ``models.py``.

A day's working time (:func:`shifts_on`), first matching rule wins:

1. a company holiday (``holidays``) is closed;
2. a company extra working day (``extra_workdays``) works the hours of ``makeup_weekday``;
3. with ``use_statutory``: a Chinese statutory holiday is closed, and a make-up working day (调休)
   works the hours of ``makeup_weekday`` (Monday by default: it stands in for a weekday, so it is a
   full day even where the calendar's own Saturday is short);
4. otherwise the weekday's own hours.

Decisions:

* **Shifts may cross midnight.** ``(22:00, 02:00)`` runs into the next morning; an ``end`` of 00:00
  means 24:00, so ``(00:00, 00:00)`` is a whole day. A shift belongs to the day it *starts*: a holiday
  closes that night entirely, and the part after midnight runs even if the next day is a holiday.
  ``start == end`` otherwise is refused (nothing or everything?), and so are overlaps, including a
  Sunday night shift running into Monday's first one, with a message naming both.
* **Years chinese_calendar does not know** (it raises ``NotImplementedError``; 1.11 knows 2004–2026)
  are ordinary weeks: no statutory days, never an exception. Company holidays can fill the gap;
  :func:`has_statutory_data` lets a screen warn.
* **Business time is elapsed time.** Local hours become UTC instants through zoneinfo, so the night
  the clocks go forward is an hour shorter. A local time inside a DST gap moves forward by the gap
  (as in java.time); an ambiguous one means its first occurrence.
* **Intervals are half-open** (open at 09:00, closed at 18:00). A duration that runs out exactly at
  closing is due at closing, not at the next opening. A zero duration is due at its start.
* **Pauses** are ``(start, end)``, ``end=None`` while still paused; they may overlap or begin before
  the start. If an open pause stops the clock before the duration runs out there is no due time:
  :class:`ClockPaused` is raised.
* Work is per shift, never per minute: adding 30 business days looks at about 45 days.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

Shift = tuple[time, time]
Pause = tuple[datetime, datetime | None]
Interval = tuple[datetime, datetime]
StatutoryKind = Literal["holiday", "workday"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_MIDNIGHT = time(0)
# Larger than any UTC offset (LMT included): no shift of local day D starts before D 00:00 UTC minus this.
_LOOKAHEAD = timedelta(hours=26)
# A calendar with no working time for this many days in a row is unusable: fail instead of looping.
_IDLE_LIMIT_DAYS = 3700
_FOREVER = datetime.max.replace(tzinfo=UTC)


class CalendarError(ValueError):
    """A calendar definition that cannot be used: unknown zone, overlapping or empty shifts…"""


class ClockPaused(Exception):
    """An open-ended pause stops the clock before the duration runs out, so there is no due time."""


def _offset(moment: time) -> timedelta:
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return timedelta(seconds=seconds, microseconds=moment.microsecond)


def _fmt(shift: Shift) -> str:
    return f"{shift[0]:%H:%M}–{shift[1]:%H:%M}"


def shift_length(shift: Shift) -> timedelta:
    """How long a shift lasts; ``end <= start`` crosses midnight and ``00:00`` as end means 24:00."""
    start, end = shift
    if not isinstance(start, time) or not isinstance(end, time):
        raise CalendarError(f"A working period needs two times, got {shift!r}.")
    if start.tzinfo is not None or end.tzinfo is not None:
        raise CalendarError("Working period times are local to the calendar; give them without a zone.")
    begin, finish = _offset(start), _offset(end)
    if finish > begin:
        return finish - begin
    if finish == begin and end != _MIDNIGHT:
        raise CalendarError(
            f"The working period {_fmt(shift)} starts and ends at the same time; "
            "write 00:00–00:00 for a 24-hour day."
        )
    return _DAY - begin + finish


def _normalize_hours(hours: Mapping[int, Sequence[Shift]]) -> dict[int, tuple[Shift, ...]]:
    """Check the weekly pattern and return it with all seven weekdays, shifts sorted by start."""
    week: dict[int, list[Shift]] = {weekday: [] for weekday in range(7)}
    spans: list[tuple[timedelta, timedelta, int, Shift]] = []
    for weekday, shifts in hours.items():
        if isinstance(weekday, bool) or weekday not in week:
            raise CalendarError(f"Weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}.")
        for raw in shifts:
            try:
                start, end = raw
            except (TypeError, ValueError) as exc:
                raise CalendarError(f"A working period is a (start, end) pair, got {raw!r}.") from exc
            length = shift_length((start, end))
            begin = weekday * _DAY + _offset(start)
            spans.append((begin, begin + length, weekday, (start, end)))
            week[weekday].append((start, end))
    if not spans:
        raise CalendarError("A calendar needs at least one working period.")
    spans.sort(key=lambda span: (span[0], span[1]))

    def describe(span: tuple[timedelta, timedelta, int, Shift]) -> str:
        return f"{WEEKDAY_NAMES[span[2]]} {_fmt(span[3])}"

    for earlier, later in pairwise(spans):
        if later[0] < earlier[1]:
            raise CalendarError(f"Working periods overlap: {describe(earlier)} and {describe(later)}.")
    for span in spans:  # a Sunday night shift may run into Monday's first shift
        if span[1] - _WEEK > spans[0][0]:
            raise CalendarError(f"Working periods overlap: {describe(span)} and {describe(spans[0])}.")
    return {weekday: tuple(sorted(shifts, key=lambda s: _offset(s[0]))) for weekday, shifts in week.items()}


@dataclass(frozen=True)
class Calendar:
    """Working hours per weekday (0 = Monday) in ``time_zone``, plus holidays and extra working days.

    Construction validates everything (raises :class:`CalendarError`), so arithmetic never meets a
    broken calendar. ``hours`` is stored as a read-only mapping with all seven weekdays.
    """

    time_zone: str
    hours: Mapping[int, Sequence[Shift]]
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    use_statutory: bool = True
    makeup_weekday: int = 0

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise CalendarError(f"Unknown time zone {self.time_zone!r}.") from exc
        object.__setattr__(self, "hours", MappingProxyType(_normalize_hours(self.hours)))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        if isinstance(self.makeup_weekday, bool) or self.makeup_weekday not in range(7):
            raise CalendarError(f"The make-up weekday must be 0–6, got {self.makeup_weekday!r}.")
        both = sorted(self.holidays & self.extra_workdays)
        if both:
            raise CalendarError(f"{both[0].isoformat()} cannot be both a holiday and an extra working day.")

    def __hash__(self) -> int:
        key = (self.time_zone, tuple(self.hours.items()), self.holidays, self.extra_workdays)
        return hash((*key, self.use_statutory, self.makeup_weekday))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # zoneinfo caches instances per key

    @classmethod
    def weekly(
        cls, time_zone: str, shifts: Sequence[Shift], *, weekdays: Iterable[int] = range(5), **options: Any
    ) -> Calendar:
        """The same shifts on each of ``weekdays`` (Monday–Friday unless told); ``options`` as fields.

        Holidays and extra working days may be any iterable of dates here.
        """
        return cls(time_zone, {weekday: list(shifts) for weekday in weekdays}, **options)


@lru_cache(maxsize=8192)
def statutory_day(day: date) -> StatutoryKind | None:
    """What Chinese law makes of ``day``: a statutory holiday, a make-up working day (调休) or nothing.

    Ordinary weekends are ``None`` (the calendar's weekly hours decide them). Years chinese_calendar
    has no data for are ``None`` too: treated as ordinary weeks rather than failing a due time.
    """
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return None if name is None else "holiday" if on_holiday else "workday"


def has_statutory_data(year: int) -> bool:
    """Whether the installed chinesecalendar knows the statutory holidays of ``year``."""
    try:
        chinese_calendar.get_holiday_detail(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def shifts_on(cal: Calendar, day: date) -> tuple[Shift, ...]:
    """The shifts that start on ``day`` (local date), after holidays and make-up days."""
    if day in cal.holidays:
        return ()
    if day in cal.extra_workdays:
        return tuple(cal.hours[cal.makeup_weekday])
    if cal.use_statutory:
        kind = statutory_day(day)
        if kind == "holiday":
            return ()
        if kind == "workday":
            return tuple(cal.hours[cal.makeup_weekday])
    return tuple(cal.hours[day.weekday()])


def _utc(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {moment!r}.")
    return moment.astimezone(UTC)


def _day_intervals(cal: Calendar, zone: ZoneInfo, day: date) -> list[Interval]:
    """The day's shifts in UTC; fold=0 takes an ambiguous time's first occurrence, skips a gap forward."""
    out: list[Interval] = []
    for start, end in shifts_on(cal, day):
        begin = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
        end_day = day + _DAY if _offset(end) <= _offset(start) else day
        finish = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
        if finish > begin:  # a shift wholly inside a DST gap vanishes that day
            out.append((begin, finish))
    return out


def _timeline(cal: Calendar, since: datetime) -> Iterator[Interval]:
    """Working intervals in UTC, in order and never overlapping, clipped to start at ``since``; endless.

    Days are generated one by one into a heap. Everything before ``horizon`` is final (no later day
    can start a shift before it), so that part is merged and handed out; a calendar open around the
    clock therefore comes out as day-sized pieces that touch, which sums the same.
    """
    zone = cal.zone
    day = since.astimezone(zone).date() - 2 * _DAY
    pending: list[Interval] = []
    current: Interval | None = None
    idle = 0
    while True:
        for interval in _day_intervals(cal, zone, day):
            heapq.heappush(pending, interval)
        day += _DAY
        horizon = datetime.combine(day, _MIDNIGHT, tzinfo=UTC) - _LOOKAHEAD
        ready: list[Interval] = []
        while pending and pending[0][0] < horizon:
            start, end = heapq.heappop(pending)
            if current is not None and start <= current[1]:
                current = (current[0], max(current[1], end))
                continue
            if current is not None:
                ready.append(current)
            current = (start, end)
        if current is not None and current[0] < horizon:  # the part before the horizon is final
            ready.append((current[0], min(current[1], horizon)))
            current = (horizon, current[1]) if current[1] > horizon else None
        idle += 1
        for start, end in ready:
            if end > since:
                idle = 0
                yield (max(start, since), end)
        if idle > _IDLE_LIMIT_DAYS:
            raise CalendarError(f"The calendar has no working time for ten years after {since.isoformat()}.")


def _merge_pauses(pauses: Iterable[Pause], since: datetime) -> list[Interval]:
    """Pauses in UTC, sorted and merged, without the parts before ``since``; open ends are _FOREVER."""
    spans: list[Interval] = []
    for pause in pauses:
        start = _utc(pause[0], "A pause start")
        end = _FOREVER if pause[1] is None else _utc(pause[1], "A pause end")
        if end < start:
            raise ValueError(f"A pause ends before it starts: {pause[0].isoformat()} > {pause[1]}.")
        if end > since and end > start:
            spans.append((max(start, since), end))
    spans.sort()
    merged: list[Interval] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _without_pauses(intervals: Iterable[Interval], pauses: Sequence[Interval]) -> Iterator[Interval]:
    """The intervals minus the pauses; stops for good when an open-ended pause begins."""
    first = 0
    for start, end in intervals:
        while first < len(pauses) and pauses[first][1] <= start:
            first += 1
        cursor = start
        for pause_start, pause_end in pauses[first:]:
            if pause_start >= end:
                break
            if pause_start > cursor:
                yield (cursor, pause_start)
            cursor = max(cursor, pause_end)
            if cursor >= end:
                break
        if cursor == _FOREVER:
            return
        if cursor < end:
            yield (cursor, end)


def add_business_time(
    cal: Calendar, start: datetime, duration: timedelta, pauses: Sequence[Pause] = ()
) -> datetime:
    """When ``duration`` of working time has passed since ``start``, pauses excluded.

    Outside working hours the count begins at the next opening. The result is in the calendar's
    zone; a zero duration returns ``start`` itself. Raises :class:`ClockPaused` when an open pause
    stops the clock first.
    """
    begin = _utc(start, "start")
    if duration < _ZERO:
        raise ValueError(f"A duration cannot be negative, got {duration}.")
    if duration == _ZERO:
        return start.astimezone(cal.zone)
    remaining = duration
    for lo, hi in _without_pauses(_timeline(cal, begin), _merge_pauses(pauses, begin)):
        if hi - lo >= remaining:
            return (lo + remaining).astimezone(cal.zone)
        remaining -= hi - lo
    raise ClockPaused(f"The clock is paused with {remaining} of working time left.")


def business_time_between(
    cal: Calendar, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> timedelta:
    """Working time from ``start`` to ``end``, pauses excluded; zero when ``end`` is not after ``start``.

    The inverse of :func:`add_business_time`: ``business_time_between(c, s, add_business_time(c, s,
    d, p), p) == d`` for any positive ``d``.
    """
    begin, finish = _utc(start, "start"), _utc(end, "end")
    total = _ZERO
    if finish <= begin:
        return total
    for lo, hi in _without_pauses(_timeline(cal, begin), _merge_pauses(pauses, begin)):
        if lo >= finish:
            break
        total += min(hi, finish) - lo
    return total


def add_wall_time(start: datetime, duration: timedelta, pauses: Sequence[Pause] = ()) -> datetime:
    """``start + duration`` in elapsed time, each pause pushing the due time back by its length.

    Elapsed, not local-clock, time: 8 hours across a DST change are 8 real hours. The result keeps
    ``start``'s zone. Raises :class:`ClockPaused` when an open pause begins before the due time.
    """
    cursor = _utc(start, "start")
    if duration < _ZERO:
        raise ValueError(f"A duration cannot be negative, got {duration}.")
    remaining = duration
    for pause_start, pause_end in _merge_pauses(pauses, cursor):
        if pause_start >= cursor + remaining:
            break
        remaining -= max(pause_start - cursor, _ZERO)
        if pause_end == _FOREVER:
            raise ClockPaused(f"The clock is paused with {remaining} left.")
        cursor = max(cursor, pause_end)
    return (cursor + remaining).astimezone(start.tzinfo)


def wall_time_between(start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> timedelta:
    """Elapsed time from ``start`` to ``end`` minus the paused part; zero when ``end`` is not later."""
    begin, finish = _utc(start, "start"), _utc(end, "end")
    if finish <= begin:
        return _ZERO
    paused = sum(
        (min(hi, finish) - lo for lo, hi in _merge_pauses(pauses, begin) if lo < finish),
        start=_ZERO,
    )
    return finish - begin - paused


def is_open(cal: Calendar, moment: datetime) -> bool:
    """Whether ``moment`` falls in working time (opening instant included, closing instant not)."""
    at = _utc(moment, "moment")
    return next(_timeline(cal, at))[0] == at


def next_opening(cal: Calendar, moment: datetime) -> datetime:
    """``moment`` itself when open, else the start of the next working interval (calendar's zone)."""
    at = _utc(moment, "moment")
    return next(_timeline(cal, at))[0].astimezone(cal.zone)
