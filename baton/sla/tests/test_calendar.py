"""Calendar arithmetic, without a database: a hand-computed table of due times, then the edges.

The 2026 statutory days used below are what chinesecalendar 1.11 says (checked with
``get_holiday_detail``): off 1/1–1/3, 调休 Sun 1/4; 调休 Sat 2/14, off 2/15–2/23, 调休 Sat 2/28;
off 4/4–4/6; off 5/1–5/5, 调休 Sat 5/9; off 6/19–6/21; 调休 Sun 9/20, off 9/25–9/27;
off 10/1–10/7, 调休 Sat 10/10. ``test_statutory_data_is_what_the_table_assumes`` pins that.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import pytest

from baton.core.durations import parse_duration
from baton.sla.calendar import (
    Calendar,
    CalendarError,
    ClockPaused,
    Shift,
    add_business_time,
    add_wall_time,
    business_time_between,
    has_statutory_data,
    is_open,
    next_opening,
    shifts_on,
    statutory_day,
    wall_time_between,
)

SH = "Asia/Shanghai"
NY = "America/New_York"
EVERY_DAY = range(7)

OFFICE = Calendar.weekly(SH, [(time(9), time(18))])
SPLIT = Calendar.weekly(SH, [(time(9), time(12)), (time(13, 30), time(18))])
STORE = Calendar.weekly(SH, [(time(10), time(22))], weekdays=EVERY_DAY, use_statutory=False)
STORE_STATUTORY = Calendar.weekly(SH, [(time(10), time(22))], weekdays=EVERY_DAY)
NIGHT = Calendar.weekly(SH, [(time(22), time(2))], weekdays=EVERY_DAY, use_statutory=False)
NIGHT_STATUTORY = Calendar.weekly(SH, [(time(22), time(2))], weekdays=EVERY_DAY)
COMPANY = Calendar.weekly(
    SH,
    [(time(9), time(18))],
    holidays={date(2026, 3, 6), date(2026, 10, 10)},  # annual meeting; closed on a 调休 Saturday
    extra_workdays={date(2026, 3, 7), date(2026, 10, 2)},  # a Saturday; open on a statutory holiday
)
NY_OFFICE = Calendar.weekly(NY, [(time(9), time(17))], use_statutory=False)
NY_NIGHT = Calendar.weekly(NY, [(time(22), time(6))], weekdays=EVERY_DAY, use_statutory=False)


def at(text: str, cal: Calendar) -> datetime:
    """``text`` in the calendar's zone unless it carries its own offset (``Z``)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=cal.zone)


class Case(NamedTuple):
    cal: Calendar
    start: str
    duration: str
    due: str
    why: str
    pauses: tuple[tuple[str, str | None], ...] = ()

    def pause_list(self) -> list[tuple[datetime, datetime | None]]:
        return [(at(a, self.cal), at(b, self.cal) if b else None) for a, b in self.pauses]


CASES = [
    # --- office 09:00–18:00 Mon–Fri -----------------------------------------------------------
    Case(OFFICE, "2026-03-02 10:00", "PT2H", "2026-03-02 12:00", "Mon, inside hours: plain addition"),
    Case(OFFICE, "2026-03-02 17:00", "PT2H", "2026-03-03 10:00", "1 h Mon, night skipped, 1 h Tue"),
    Case(OFFICE, "2026-03-06 17:00", "PT2H", "2026-03-09 10:00", "1 h Fri, weekend skipped, 1 h Mon"),
    Case(OFFICE, "2026-03-02 20:00", "PT1H", "2026-03-03 10:00", "opened after hours: count from Tue 09:00"),
    Case(OFFICE, "2026-03-03 07:30", "PT30M", "2026-03-03 09:30", "opened before hours: count from 09:00"),
    Case(OFFICE, "2026-03-02 18:00", "PT1H", "2026-03-03 10:00", "opened at closing time: closed already"),
    Case(OFFICE, "2026-03-02 09:00", "PT9H", "2026-03-02 18:00", "runs out at closing: due 18:00 not 09:00"),
    Case(OFFICE, "2026-03-07 11:00", "PT4H", "2026-03-09 13:00", "opened on a Saturday: Mon 09:00 + 4 h"),
    Case(OFFICE, "2026-09-30 17:00", "PT4H", "2026-10-08 12:00", "1 h 9/30, 国庆 10/1–7, Thu 10/8 + 3 h"),
    Case(OFFICE, "2026-10-09 17:00", "PT2H", "2026-10-10 10:00", "1 h Fri, Sat 10/10 is 调休 (Monday hours)"),
    Case(OFFICE, "2026-02-13 17:00", "PT2H", "2026-02-14 10:00", "1 h Fri, Sat 2/14 is 调休 before 春节"),
    Case(OFFICE, "2026-02-14 17:00", "PT10H", "2026-02-24 18:00", "1 h 2/14, 春节 2/15–23, 9 h Tue 2/24"),
    Case(OFFICE, "2026-02-27 17:00", "PT3H", "2026-02-28 11:00", "1 h Fri, Sat 2/28 调休 09:00 + 2 h"),
    Case(OFFICE, "2025-12-31 17:00", "PT2H", "2026-01-04 10:00", "1 h 12/31, 元旦 1/1–3, Sun 1/4 调休 + 1 h"),
    Case(OFFICE, "2026-04-30 17:00", "PT9H", "2026-05-06 17:00", "1 h 4/30, 劳动节 5/1–5, Wed 5/6 + 8 h"),
    Case(OFFICE, "2026-05-08 17:30", "PT1H", "2026-05-09 09:30", "30 min Fri, Sat 5/9 调休 + 30 min"),
    Case(OFFICE, "2026-10-03 10:00", "PT1H", "2026-10-08 10:00", "opened on a holiday: from Thu 10/8 09:00"),
    Case(OFFICE, "2026-04-03 16:00", "PT3H", "2026-04-07 10:00", "2 h Fri, 清明 4/4–6 incl. Mon, Tue + 1 h"),
    Case(OFFICE, "2026-06-18 18:00", "PT1H", "2026-06-22 10:00", "端午 Fri 6/19 + weekend, Mon 09:00 + 1 h"),
    Case(OFFICE, "2026-09-18 17:00", "PT2H", "2026-09-20 10:00", "1 h Fri, Sun 9/20 is 调休 + 1 h"),
    Case(OFFICE, "2026-09-24 17:00", "PT2H", "2026-09-28 10:00", "1 h Thu, 中秋 9/25–27, Mon + 1 h"),
    Case(
        OFFICE,
        "2026-03-02 09:00",
        "PT270H",
        "2026-04-13 18:00",
        "30 business days: 22 in March, 4/1–3, 清明 Mon 4/6 off, 4/7–10, Mon 4/13 is the 30th",
    ),
    # --- split shift 09:00–12:00 / 13:30–18:00 Mon–Fri --------------------------------------------
    Case(SPLIT, "2026-03-02 11:00", "PT2H", "2026-03-02 14:30", "1 h to noon, lunch, 13:30 + 1 h"),
    Case(SPLIT, "2026-03-02 12:15", "PT30M", "2026-03-02 14:00", "opened at lunch: count from 13:30"),
    Case(SPLIT, "2026-03-02 17:00", "PT4H", "2026-03-03 12:00", "1 h Mon, Tue morning 3 h ends at noon"),
    Case(SPLIT, "2026-03-02 17:00", "PT4H30M", "2026-03-03 14:00", "1 h Mon, 3 h Tue morning, 13:30 + 30m"),
    Case(SPLIT, "2026-03-03 09:00", "PT7H30M", "2026-03-03 18:00", "a full split day is 7.5 h"),
    Case(SPLIT, "2026-10-09 16:00", "PT6H", "2026-10-10 14:30", "2 h Fri, 调休 Sat: 3 h + 13:30 + 1 h"),
    # --- store 10:00–22:00 every day -----------------------------------------------------------
    Case(STORE, "2026-10-03 21:00", "PT3H", "2026-10-04 12:00", "statutory off: open on National Day"),
    Case(STORE, "2026-02-17 08:00", "PT1H", "2026-02-17 11:00", "春节 ignored: 10:00 + 1 h"),
    Case(STORE, "2026-12-31 21:30", "PT1H", "2027-01-01 10:30", "30 min on 12/31, 1/1 10:00 + 30 min"),
    Case(STORE_STATUTORY, "2026-09-30 21:00", "PT2H", "2026-10-08 11:00", "statutory on: closed 10/1–7"),
    # --- night shift 22:00–02:00 (crosses midnight) -----------------------------------------------
    Case(NIGHT, "2026-03-02 23:00", "PT2H", "2026-03-03 01:00", "inside the shift, past midnight"),
    Case(NIGHT, "2026-03-03 01:30", "PT1H", "2026-03-03 22:30", "30 min to 02:00, next shift 22:00 + 30 min"),
    Case(NIGHT, "2026-03-03 12:00", "PT4H", "2026-03-04 02:00", "a whole night shift, ends at 02:00"),
    Case(
        NIGHT_STATUTORY,
        "2026-09-30 23:00",
        "PT4H",
        "2026-10-08 23:00",
        "9/30's shift runs to 10/1 02:00 (3 h: it belongs to 9/30); no shift starts 10/1–7; 10/8 22:00 + 1 h",
    ),
    # --- company holidays and extra working days ----------------------------------------------
    Case(COMPANY, "2026-03-05 17:00", "PT2H", "2026-03-07 10:00", "closed Fri 3/6, extra day Sat 3/7"),
    Case(COMPANY, "2026-09-30 17:00", "PT2H", "2026-10-02 10:00", "company opens on statutory holiday 10/2"),
    Case(COMPANY, "2026-10-09 17:00", "PT2H", "2026-10-12 10:00", "company closes the 调休 Sat 10/10"),
    # --- pauses ("waiting for parts") ---------------------------------------------------------
    Case(
        OFFICE,
        "2026-09-30 09:00",
        "PT16H",
        "2026-10-10 14:00",
        "3 h 9/30, paused 12:00 → 10/9 10:00 over National Day, 8 h Fri 10/9, 5 h 调休 Sat 10/10",
        (("2026-09-30 12:00", "2026-10-09 10:00"),),
    ),
    Case(
        OFFICE,
        "2026-09-30 17:00",
        "PT2H",
        "2026-10-08 11:00",
        "1 h 9/30; pause 10/3–10/8 10:00 spans the holiday, so only 10:00–11:00 on 10/8 counts",
        (("2026-10-03 12:00", "2026-10-08 10:00"),),
    ),
    Case(
        OFFICE,
        "2026-03-02 09:00",
        "PT4H",
        "2026-03-02 14:00",
        "1 h, paused 10–11, 3 h more",
        (("2026-03-02 10:00", "2026-03-02 11:00"),),
    ),
    Case(
        OFFICE,
        "2026-03-02 10:00",
        "PT1H",
        "2026-03-02 12:00",
        "a pause begun before the ticket: clock starts at 11:00",
        (("2026-03-02 09:00", "2026-03-02 11:00"),),
    ),
    Case(
        OFFICE,
        "2026-03-02 09:00",
        "PT2H",
        "2026-03-02 14:00",
        "overlapping pauses merge to 10:00–13:00",
        (("2026-03-02 10:00", "2026-03-02 12:00"), ("2026-03-02 11:00", "2026-03-02 13:00")),
    ),
    Case(
        OFFICE,
        "2026-03-02 17:00",
        "PT2H",
        "2026-03-03 10:00",
        "a pause outside hours changes nothing",
        (("2026-03-02 19:00", "2026-03-03 08:00"),),
    ),
    Case(
        OFFICE,
        "2026-03-02 09:00",
        "PT1H",
        "2026-03-02 10:00",
        "a still-open pause after the due time changes nothing",
        (("2026-03-02 11:00", None),),
    ),
    Case(
        SPLIT,
        "2026-03-02 11:00",
        "PT2H",
        "2026-03-02 15:30",
        "1 h to noon, paused 13:30–14:30, 1 h",
        (("2026-03-02 13:30", "2026-03-02 14:30"),),
    ),
    # --- time zones and DST --------------------------------------------------------------------
    Case(OFFICE, "2026-03-02T00:30Z", "PT1H", "2026-03-02 10:00", "00:30 UTC is 08:30 Shanghai: 09:00 + 1 h"),
    Case(OFFICE, "2026-03-02T10:00Z", "PT1H", "2026-03-03 10:00", "10:00 UTC is 18:00 Shanghai: closed"),
    Case(NY_OFFICE, "2026-03-06 16:00", "PT2H", "2026-03-09 10:00", "Fri EST 1 h; Mon (now EDT) 09:00 + 1 h"),
    Case(NY_NIGHT, "2026-03-07 22:00", "PT8H", "2026-03-08 23:00", "spring forward: that night is 7 h"),
    Case(NY_NIGHT, "2026-10-31 22:00", "PT9H", "2026-11-01 06:00", "fall back: that night is 9 h"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.why[:50])
def test_due_time_matches_the_hand_computed_table(case: Case) -> None:
    start, duration = at(case.start, case.cal), parse_duration(case.duration)

    due = add_business_time(case.cal, start, duration, case.pause_list())

    assert due.isoformat() == at(case.due, case.cal).isoformat()  # same instant, in the calendar's zone


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.why[:50])
def test_business_time_between_is_the_inverse(case: Case) -> None:
    start, due = at(case.start, case.cal), at(case.due, case.cal)

    assert business_time_between(case.cal, start, due, case.pause_list()) == parse_duration(case.duration)


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 35


def test_statutory_data_is_what_the_table_assumes() -> None:
    year = [date(2026, 1, 1) + timedelta(n) for n in range(365)]
    makeup = [d for d in year if statutory_day(d) == "workday"]

    assert makeup == [date(2026, m, d) for m, d in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]]
    assert [statutory_day(date(2026, 10, d)) for d in range(1, 9)] == ["holiday"] * 7 + [None]
    assert statutory_day(date(2026, 3, 7)) is None  # an ordinary Saturday is not a statutory day


def test_unknown_years_count_as_ordinary_weeks() -> None:
    assert has_statutory_data(2026)
    assert not has_statutory_data(2099)
    assert statutory_day(date(2099, 10, 1)) is None
    # Thu 2099-10-01 would be National Day; without data it is a normal Thursday.
    assert is_open(OFFICE, at("2099-10-01 10:00", OFFICE))
    assert add_business_time(OFFICE, at("2099-09-30 17:00", OFFICE), timedelta(hours=2)) == at(
        "2099-10-01 10:00", OFFICE
    )


def test_zero_duration_is_the_start_itself() -> None:
    start = at("2026-03-07 11:00", OFFICE)  # a Saturday

    assert add_business_time(OFFICE, start, timedelta(0)) == start
    assert add_wall_time(start, timedelta(0)) == start


def test_an_open_pause_before_the_due_time_stops_the_clock() -> None:
    start = at("2026-03-02 09:00", OFFICE)
    pauses = [(at("2026-03-02 10:00", OFFICE), None)]

    with pytest.raises(ClockPaused):
        add_business_time(OFFICE, start, timedelta(hours=2), pauses)
    with pytest.raises(ClockPaused):
        add_wall_time(start, timedelta(hours=2), pauses)
    # Elapsed time stops counting where the pause began.
    assert business_time_between(OFFICE, start, at("2026-03-05 12:00", OFFICE), pauses) == timedelta(hours=1)


def test_bad_input_is_refused() -> None:
    naive = datetime(2026, 3, 2, 9)
    with pytest.raises(ValueError, match="aware"):
        add_business_time(OFFICE, naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, at("2026-03-02 09:00", OFFICE), timedelta(hours=-1))
    with pytest.raises(ValueError, match="ends before it starts"):
        add_wall_time(
            at("2026-03-02 09:00", OFFICE),
            timedelta(hours=1),
            [(at("2026-03-02 11:00", OFFICE), at("2026-03-02 10:00", OFFICE))],
        )


def test_between_is_zero_when_end_is_not_after_start() -> None:
    start = at("2026-03-02 10:00", OFFICE)

    assert business_time_between(OFFICE, start, start) == timedelta(0)
    assert business_time_between(OFFICE, start, start - timedelta(hours=1)) == timedelta(0)


StrPauses = tuple[tuple[str, str], ...]
WALL_CASES = [
    # (start, duration, pauses, due, why), all Asia/Shanghai
    ("2026-09-30 17:00", "PT4H", (), "2026-09-30 21:00", "no calendar: holidays and nights count"),
    ("2026-09-30 17:00", "PT4H", (("2026-09-30 18:00", "2026-09-30 20:00"),), "2026-09-30 23:00", "+2 h"),
    ("2026-03-02 10:00", "PT1H", (("2026-03-02 09:00", "2026-03-02 11:00"),), "2026-03-02 12:00", "early"),
    ("2026-03-02 10:00", "PT1H", (("2026-03-02 11:00", "2026-03-02 12:00"),), "2026-03-02 11:00", "at due"),
    (
        "2026-09-30 17:00",
        "P1D",
        (("2026-10-01 09:00", "2026-10-01 12:00"), ("2026-10-01 11:00", "2026-10-01 14:00")),
        "2026-10-01 22:00",
        "overlapping pauses count once (5 h)",
    ),
]


@pytest.mark.parametrize(("start", "duration", "pauses", "due", "why"), WALL_CASES)
def test_wall_time(
    start: str, duration: str, pauses: tuple[tuple[str, str], ...], due: str, why: str
) -> None:
    pause_list: list[tuple[datetime, datetime | None]] = [(at(a, OFFICE), at(b, OFFICE)) for a, b in pauses]
    begin = at(start, OFFICE)

    result = add_wall_time(begin, parse_duration(duration), pause_list)

    assert result == at(due, OFFICE), why
    assert wall_time_between(begin, result, pause_list) == parse_duration(duration)


def test_wall_time_is_elapsed_time_across_dst() -> None:
    start = at("2026-03-07 23:00", NY_OFFICE)  # EST; clocks go forward at 02:00 on 3/8

    assert add_wall_time(start, timedelta(hours=4)).isoformat() == "2026-03-08T04:00:00-04:00"


def test_is_open_and_next_opening() -> None:
    assert is_open(OFFICE, at("2026-03-02 09:00", OFFICE))  # opening instant is open
    assert not is_open(OFFICE, at("2026-03-02 18:00", OFFICE))  # closing instant is not
    assert not is_open(OFFICE, at("2026-10-08 08:59", OFFICE))
    assert is_open(OFFICE, at("2026-10-10 09:30", OFFICE))  # 调休 Saturday
    assert is_open(NIGHT, at("2026-03-03 01:00", NIGHT))  # after midnight, in Monday's night shift
    assert is_open(OFFICE, at("2026-03-02T01:00Z", OFFICE))  # 09:00 Shanghai
    assert next_opening(OFFICE, at("2026-09-30 18:00", OFFICE)) == at("2026-10-08 09:00", OFFICE)
    assert next_opening(SPLIT, at("2026-03-02 12:00", SPLIT)) == at("2026-03-02 13:30", SPLIT)
    assert next_opening(OFFICE, at("2026-03-02 10:00", OFFICE)) == at("2026-03-02 10:00", OFFICE)


def test_a_24_hour_calendar_counts_every_hour() -> None:
    always = Calendar.weekly("UTC", [(time(0), time(0))], weekdays=EVERY_DAY, use_statutory=False)
    start = datetime(2026, 1, 1, 5, tzinfo=UTC)

    assert add_business_time(always, start, timedelta(days=40)) == start + timedelta(days=40)
    assert next_opening(always, start) == start


def test_shifts_on_applies_the_rules_in_order() -> None:
    assert shifts_on(OFFICE, date(2026, 10, 1)) == ()  # statutory holiday
    assert shifts_on(OFFICE, date(2026, 10, 10)) == ((time(9), time(18)),)  # 调休 works Monday's hours
    assert shifts_on(COMPANY, date(2026, 10, 10)) == ()  # company holiday beats 调休
    assert shifts_on(COMPANY, date(2026, 10, 2)) == ((time(9), time(18)),)  # extra day beats statutory
    assert shifts_on(STORE, date(2026, 10, 1)) == ((time(10), time(22)),)  # statutory switched off
    saturday_short = Calendar(SH, {0: [(time(9), time(18))], 5: [(time(9), time(12))]}, makeup_weekday=0)
    assert shifts_on(saturday_short, date(2026, 10, 10)) == ((time(9), time(18)),)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({0: [(time(9), time(12)), (time(11), time(13))]}, "Monday 09:00–12:00 and Monday 11:00–13:00"),
        ({6: [(time(22), time(10))], 0: [(time(9), time(12))]}, "Sunday 22:00–10:00 and Monday 09:00"),
        ({0: [(time(22), time(2))], 1: [(time(1), time(5))]}, "Monday 22:00–02:00 and Tuesday 01:00"),
        ({0: [(time(9), time(9))]}, "starts and ends at the same time"),
        ({7: [(time(9), time(18))]}, "Weekday must be 0"),
        ({}, "at least one working period"),
        ({0: [(time(9),)]}, "pair"),
    ],
)
def test_bad_hours_are_refused_at_construction(hours: dict[int, list[Shift]], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        Calendar(SH, hours)


def test_other_bad_calendars_are_refused() -> None:
    saturday = date(2026, 3, 7)
    with pytest.raises(CalendarError, match="Unknown time zone"):
        Calendar("Mars/Olympus", {0: [(time(9), time(18))]})
    with pytest.raises(CalendarError, match="both a holiday and an extra working day"):
        Calendar.weekly(SH, [(time(9), time(18))], holidays=[saturday], extra_workdays=[saturday])
    with pytest.raises(CalendarError, match="make-up weekday"):
        Calendar.weekly(SH, [(time(9), time(18))], makeup_weekday=7)


def test_calendars_are_values() -> None:
    again = Calendar(SH, {weekday: [(time(9), time(18))] for weekday in range(5)})

    assert again == OFFICE
    assert hash(again) == hash(OFFICE)
    assert again != STORE
    assert {OFFICE: 1}[again] == 1
