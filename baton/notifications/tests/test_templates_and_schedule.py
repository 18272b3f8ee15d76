"""Message texts per event and language, quiet hours and backoff: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from baton.notifications import templates
from baton.notifications.schedule import quiet_until, retry_delay

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONTEXT = {
    "ticket_number": "WO-20261123-0001",
    "ticket_title": "冷柜不制冷",
    "step_name": "上门维修",
    "due_at": datetime(2026, 11, 23, 4, 30, tzinfo=UTC),
}


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.NOTIFICATIONS = {"BASE_URL": "https://baton.example.com/"}


def test_every_event_has_chinese_and_english() -> None:
    assert {"step_assigned", "step_overdue", "sla_warning", "sla_breach", "returned", "comment_added",
            "ticket_closed", "escalated"} <= templates.EVENTS  # fmt: skip
    for event, texts in templates.TEMPLATES.items():
        assert set(texts) == {templates.ZH, templates.EN}, event


def test_chinese_rendering_with_local_time_and_link() -> None:
    rendered = templates.render(
        "step_assigned", language="zh-hans", context=CONTEXT, ticket_id=42, time_zone="Asia/Shanghai"
    )
    assert rendered.title == "新的待办：WO-20261123-0001 上门维修"
    assert rendered.body == "工单「冷柜不制冷」的环节「上门维修」由你负责，请在 2026-11-23 12:30 前处理。"
    assert rendered.url == "/tickets/42/"
    assert rendered.fields["url"] == "https://baton.example.com/tickets/42/"


def test_english_rendering_in_the_readers_time_zone() -> None:
    rendered = templates.render(
        "step_overdue", language="en", context=CONTEXT, ticket_id=42, time_zone="Europe/London"
    )
    assert rendered.title == "Overdue: WO-20261123-0001 上门维修"
    assert "was due 2026-11-23 04:30." in rendered.body
    assert rendered.language == "en"


def test_missing_fields_are_blank_and_values_are_not_formatted_again() -> None:
    rendered = templates.render(
        "returned", language="en", context={"ticket_number": "{ticket_title.__class__}", "actor": "{x}"}
    )
    assert rendered.title == "Returned: {ticket_title.__class__}"
    assert rendered.body.startswith("{x} returned “” ().")
    assert rendered.url == ""


def test_patterns_may_only_name_plain_fields() -> None:
    with pytest.raises(ValueError, match="plain name"):
        templates._FORMATTER.vformat("{a.__class__}", (), {"a": "x"})
    with pytest.raises(ValueError, match="plain name"):
        templates._FORMATTER.vformat("{a[0]}", (), {"a": "x"})


def test_unknown_event_and_language_fallback() -> None:
    with pytest.raises(ValueError, match="Unknown notification event"):
        templates.render("no_such_event", language="en", context={})
    assert templates.render("ticket_closed", language="fr", context={}).language == templates.ZH
    assert templates.render("ticket_closed", language="en-GB", context={}).language == templates.EN


def test_an_explicit_url_wins_and_long_values_are_cut() -> None:
    rendered = templates.render(
        "comment_added", language="zh-hans", context={"url": "/x/", "comment": "长" * 500}
    )
    assert rendered.url == "/x/"
    assert len(rendered.fields["comment"]) == templates.MAX_VALUE


# ---------------------------------------------------------------------------- quiet hours


def local(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(21, 59), None),
        (local(22, 0), local(7, 0, day=24)),
        (local(23, 30), local(7, 0, day=24)),
        (local(0, 10, day=24), local(7, 0, day=24)),
        (local(6, 59, day=24), local(7, 0, day=24)),
        (local(7, 0, day=24), None),
        (local(12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(moment: datetime, expected: datetime | None) -> None:
    result = quiet_until(moment.astimezone(UTC), time(22, 0), time(7, 0), SHANGHAI)
    assert result == (expected.astimezone(UTC) if expected else None)


def test_quiet_hours_within_a_day_and_none() -> None:
    assert quiet_until(local(12, 30), time(12, 0), time(13, 30), SHANGHAI) == local(13, 30).astimezone(UTC)
    assert quiet_until(local(14, 0), time(12, 0), time(13, 30), SHANGHAI) is None
    assert quiet_until(local(12, 30), time(12, 0), time(12, 0), SHANGHAI) is None
    assert quiet_until(local(12, 30), None, None, SHANGHAI) is None


def test_quiet_hours_end_at_the_chosen_wall_clock_time_across_dst() -> None:
    new_york = ZoneInfo("America/New_York")
    # The night clocks go back (2026-11-01); quiet 22:00–07:00 ends at 07:00 local (EST, UTC-5).
    moment = datetime(2026, 10, 31, 23, 0, tzinfo=new_york)
    assert quiet_until(moment, time(22), time(7), new_york) == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_backoff_doubles_from_30_seconds_and_caps_at_an_hour() -> None:
    delays = [retry_delay(n, base_seconds=30, cap_seconds=3600) for n in range(1, 10)]
    assert [d.total_seconds() for d in delays] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay(500, base_seconds=30, cap_seconds=3600) == timedelta(hours=1)
