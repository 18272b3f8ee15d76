"""Calendar rows, services and admin against the database: validation writes nothing, rows round-trip."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from baton.core.errors import NotFound, ValidationFailed
from baton.sla import services
from baton.sla.calendar import Calendar, add_business_time
from baton.sla.models import BusinessCalendar, CalendarHoliday, HolidayKind, WorkingPeriod
from baton.sla.queries import calendar_by_code, calendar_by_id, to_calendar
from baton.sla.services import HolidaySpec, PeriodSpec

pytestmark = pytest.mark.django_db

SPLIT_WEEK = [PeriodSpec(d, time(9), time(12)) for d in range(5)] + [
    PeriodSpec(d, time(13, 30), time(18)) for d in range(5)
]


def make_office(**overrides: Any) -> BusinessCalendar:
    values: dict[str, Any] = {
        "code": "hq",
        "name": "HQ office",
        "periods": SPLIT_WEEK,
        "holidays": [
            HolidaySpec(date(2026, 3, 6), HolidayKind.HOLIDAY, "年会"),
            HolidaySpec(date(2026, 3, 7), HolidayKind.WORKDAY, "补班"),
        ],
    }
    return services.create_calendar(**{**values, **overrides})


def nothing_written() -> bool:
    return not (
        BusinessCalendar.objects.exists()
        or WorkingPeriod.objects.exists()
        or CalendarHoliday.objects.exists()
    )


def test_create_calendar_round_trips_to_the_pure_calendar() -> None:
    row = make_office()

    assert to_calendar(row) == Calendar(
        "Asia/Shanghai",
        {d: [(time(9), time(12)), (time(13, 30), time(18))] for d in range(5)},
        holidays=frozenset({date(2026, 3, 6)}),
        extra_workdays=frozenset({date(2026, 3, 7)}),
        use_statutory=True,
        makeup_weekday=0,
    )
    assert calendar_by_code("hq") == calendar_by_id(row.pk) == to_calendar(row)
    assert WorkingPeriod.objects.filter(calendar=row).count() == 10
    assert CalendarHoliday.objects.get(calendar=row, date=date(2026, 3, 6)).name == "年会"


def test_a_stored_calendar_computes_due_times() -> None:
    make_office()
    cal = calendar_by_code("hq")
    thursday_five_pm = datetime(2026, 3, 5, 17, tzinfo=cal.zone)

    # 1 h Thu, Fri 3/6 company holiday, Sat 3/7 extra working day: 09:00 + 1 h.
    assert add_business_time(cal, thursday_five_pm, timedelta(hours=2)) == datetime(
        2026, 3, 7, 10, tzinfo=cal.zone
    )


def test_overlapping_periods_are_refused_and_nothing_is_written() -> None:
    periods = [PeriodSpec(0, time(9), time(12)), PeriodSpec(0, time(11), time(13))]

    with pytest.raises(ValidationFailed) as caught:
        make_office(periods=periods)

    assert caught.value.message == "Working periods overlap: Monday 09:00–12:00 and Monday 11:00–13:00."
    assert caught.value.fields == {"periods": [caught.value.message]}
    assert caught.value.status == 422
    assert nothing_written()


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_calendar(
            code="",
            name="x" * 101,
            time_zone="Mars/Olympus",
            makeup_weekday=9,
            periods=[],
            holidays=[HolidaySpec(date(2026, 3, 6)), HolidaySpec(date(2026, 3, 6), "maybe")],
        )

    assert set(caught.value.fields) == {"code", "name", "time_zone", "makeup_weekday", "holidays"}
    assert caught.value.fields["holidays"] == [
        "2026-03-06 is listed twice.",
        "Unknown kind 'maybe' on 2026-03-06.",
    ]
    assert nothing_written()


def test_a_calendar_needs_periods_and_a_free_code() -> None:
    with pytest.raises(ValidationFailed, match="at least one working period"):
        make_office(periods=[])
    make_office()

    with pytest.raises(ValidationFailed, match="already exists") as caught:
        make_office(name="Another")
    assert list(caught.value.fields) == ["code"]
    assert BusinessCalendar.objects.count() == 1


def test_night_shifts_cross_midnight_but_empty_periods_are_refused() -> None:
    row = make_office(code="night", periods=[PeriodSpec(d, time(22), time(2)) for d in range(7)], holidays=[])

    cal = to_calendar(row)
    assert cal.hours[6] == ((time(22), time(2)),)
    monday_23 = datetime(2026, 3, 2, 23, tzinfo=cal.zone)
    assert add_business_time(cal, monday_23, timedelta(hours=2)) == monday_23 + timedelta(hours=2)
    with pytest.raises(ValidationFailed, match="starts and ends at the same time"):
        make_office(code="empty", periods=[PeriodSpec(0, time(9), time(9))])
    assert BusinessCalendar.objects.count() == 1


def test_update_validates_the_whole_result_and_changes_nothing_when_refused() -> None:
    row = make_office()
    before = to_calendar(row)

    with pytest.raises(ValidationFailed, match="Sunday 22:00–10:00 and Monday 09:00–12:00"):
        services.update_calendar(
            calendar=row, name="Renamed", periods=[*SPLIT_WEEK, PeriodSpec(6, time(22), time(10))]
        )
    with pytest.raises(ValidationFailed, match="Unknown time zone"):
        services.update_calendar(calendar=row, time_zone="Nowhere/Land")

    row.refresh_from_db()
    assert row.name == "HQ office"
    assert to_calendar(BusinessCalendar.objects.get(pk=row.pk)) == before


def test_update_replaces_what_is_given_and_keeps_the_rest() -> None:
    row = make_office()

    services.update_calendar(
        calendar=row,
        time_zone="Europe/Berlin",
        use_statutory_holidays=False,
        periods=[PeriodSpec(5, time(8), time(0))],
    )

    assert row.time_zone == "Europe/Berlin"  # the caller's instance follows
    cal = calendar_by_id(row.pk)
    assert cal == Calendar(
        "Europe/Berlin",
        {5: [(time(8), time(0))]},
        holidays=frozenset({date(2026, 3, 6)}),
        extra_workdays=frozenset({date(2026, 3, 7)}),
        use_statutory=False,
    )


def test_holidays_are_set_and_removed_one_at_a_time() -> None:
    row = make_office(holidays=[])

    services.set_calendar_holiday(calendar=row, day=date(2026, 10, 10), name="公司休息")
    services.set_calendar_holiday(calendar=row, day=date(2026, 10, 2), kind=HolidayKind.WORKDAY)
    changed = services.set_calendar_holiday(
        calendar=row, day=date(2026, 10, 10), name="改为上班", kind="workday"
    )

    assert changed.kind == HolidayKind.WORKDAY
    assert CalendarHoliday.objects.filter(calendar=row).count() == 2
    assert calendar_by_id(row.pk).extra_workdays == {date(2026, 10, 2), date(2026, 10, 10)}
    with pytest.raises(ValidationFailed, match="Unknown kind"):
        services.set_calendar_holiday(calendar=row, day=date(2026, 10, 3), kind="nap")
    services.remove_calendar_holiday(calendar=row, day=date(2026, 10, 2))
    assert calendar_by_id(row.pk).extra_workdays == {date(2026, 10, 10)}
    with pytest.raises(NotFound):
        services.remove_calendar_holiday(calendar=row, day=date(2026, 10, 2))


def test_unknown_calendars_are_not_found() -> None:
    with pytest.raises(NotFound):
        calendar_by_code("nope")
    with pytest.raises(NotFound):
        calendar_by_id(404)


@pytest.fixture
def admin_client() -> Client:
    user = get_user_model().objects.create_superuser(username="root", password="pw", email="r@example.com")
    client = Client()
    client.force_login(user)
    return client


def admin_post(periods: list[tuple[str, str, str]], **extra: str) -> dict[str, str]:
    data = {
        "code": "store",
        "name": "门店 10–22",
        "time_zone": "Asia/Shanghai",
        "makeup_weekday": "0",
        "periods-TOTAL_FORMS": str(len(periods)),
        "periods-INITIAL_FORMS": "0",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-date": "2026-02-17",
        "holidays-0-name": "春节闭店",
        "holidays-0-kind": "holiday",
        "_save": "Save",
        **extra,
    }
    for i, (weekday, start, end) in enumerate(periods):
        data |= {f"periods-{i}-weekday": weekday, f"periods-{i}-start": start, f"periods-{i}-end": end}
    return data


def test_admin_creates_a_calendar_through_the_services(admin_client: Client) -> None:
    periods = [(str(d), "10:00", "22:00") for d in range(7)]

    response = admin_client.post("/admin/sla/businesscalendar/add/", admin_post(periods))

    assert response.status_code == 302
    row = BusinessCalendar.objects.get(code="store")
    assert to_calendar(row) == Calendar.weekly(
        "Asia/Shanghai",
        [(time(10), time(22))],
        weekdays=range(7),
        holidays={date(2026, 2, 17)},
        use_statutory=False,
    )
    assert admin_client.get(f"/admin/sla/businesscalendar/{row.pk}/change/").status_code == 200


def test_admin_shows_overlaps_as_form_errors_and_writes_nothing(admin_client: Client) -> None:
    periods = [("0", "09:00", "12:00"), ("0", "11:00", "13:00")]

    response = admin_client.post("/admin/sla/businesscalendar/add/", admin_post(periods))

    assert response.status_code == 200
    assert "Working periods overlap: Monday 09:00–12:00 and Monday 11:00–13:00." in response.content.decode()
    assert nothing_written()


def test_admin_deletes_through_the_services(admin_client: Client) -> None:
    row = make_office()

    response = admin_client.post(f"/admin/sla/businesscalendar/{row.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert nothing_written()
