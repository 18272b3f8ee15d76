"""notify(): in-app rows and outbox rows in the caller's transaction, by preference, once per key."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.db import transaction

from baton.core.clock import now as clock_now
from baton.notifications import queries, services
from baton.notifications.models import (
    ChannelEndpoint,
    Notification,
    OutboxMessage,
    OutboxStatus,
    UserNotificationPreference,
)

from .conftest import T0, make_user, notify

pytestmark = pytest.mark.django_db


def outbox(**filters: Any) -> list[tuple[str, str, str]]:
    rows = OutboxMessage.objects.filter(**filters).order_by("pk")
    return [(m.channel, m.address, m.status) for m in rows]


def test_notify_writes_the_bell_and_an_email_in_the_users_language(clock: Any) -> None:
    zh, en = make_user("zh"), make_user("en", language="en", time_zone="Europe/London")

    assert notify([zh, en]) == 4

    bell = {n.user.username: n for n in Notification.objects.select_related("user")}
    assert bell["zh"].title == "新的待办：WO-1 维修"
    assert bell["en"].title == "New step for you: WO-1 维修"
    assert (bell["zh"].url, bell["zh"].ticket_id, bell["zh"].read_at, bell["zh"].created_at) == (
        "/tickets/7/", 7, None, T0
    )  # fmt: skip
    assert outbox() == [("email", "zh@example.com", "pending"), ("email", "en@example.com", "pending")]
    mail = OutboxMessage.objects.get(user=en)
    assert mail.payload["title"] == "New step for you: WO-1 维修"
    assert mail.payload["link"] == "http://127.0.0.1:8000/tickets/7/"
    assert (mail.next_attempt_at, mail.attempts, mail.ticket_id, mail.event) == (T0, 0, 7, "step_assigned")
    assert not OutboxMessage.objects.filter(channel="sms").exists()


def test_same_key_twice_writes_nothing_more(clock: Any, alice: Any) -> None:
    assert notify([alice], key="step:9:assigned", channels=["email", "sms"]) == 3
    assert notify([alice], key="step:9:assigned", channels=["email", "sms"]) == 0
    assert notify([alice, alice], key="step:9:assigned") == 0
    assert Notification.objects.count() == 1
    assert OutboxMessage.objects.count() == 2
    # A different key is a different notification.
    assert notify([alice], key="step:9:overdue", event="step_overdue") == 2


def test_disabled_channels_send_nothing(clock: Any, alice: Any) -> None:
    services.update_preferences(
        user=alice, email_enabled=False, sms_enabled=False, quiet_start=None, quiet_end=None
    )

    assert notify([alice], channels=["email", "sms"], urgent=True) == 1

    assert Notification.objects.filter(user=alice).count() == 1  # the bell cannot be switched off
    assert outbox() == []


def test_sms_only_when_asked_and_only_with_an_address(clock: Any) -> None:
    with_phone, without = make_user("p1"), make_user("p2", phone="", email="")

    notify([with_phone, without], channels=["sms"])

    assert outbox() == [("sms", "13800000000", "pending")]
    assert Notification.objects.count() == 2


def test_quiet_hours_hold_mail_until_they_end_unless_urgent(clock: Any, alice: Any) -> None:
    services.update_preferences(
        user=alice, email_enabled=True, sms_enabled=True, quiet_start=time(22, 0), quiet_end=time(7, 0)
    )
    clock.move_to(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai

    notify([alice], key="calm", channels=["email", "sms"])
    notify([alice], key="fire", channels=["email", "sms"], urgent=True, event="sla_breach")

    seven_am = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 07:00 on the 24th in Shanghai
    due = dict(
        OutboxMessage.objects.values_list("idempotency_key", "next_attempt_at").order_by("idempotency_key")
    )
    assert due == {
        f"calm:u{alice.pk}:email": seven_am,
        f"calm:u{alice.pk}:sms": seven_am,
        f"fire:u{alice.pk}:email": clock_now(),
        f"fire:u{alice.pk}:sms": clock_now(),
    }
    # The bell is silent, not delayed: both show at once.
    assert queries.unread_count(alice) == 2

    # The log backends "send" what is due: only the urgent pair before 07:00, the rest after.
    assert services.deliver_due() == 2
    clock.move_to(seven_am - timedelta(seconds=1))
    assert services.deliver_due() == 0
    clock.move_to(seven_am)
    assert services.deliver_due() == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_a_rolled_back_change_notifies_nobody(clock: Any, alice: Any) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            services.notify(recipients=[alice], event="ticket_closed", context={}, idempotency_key="k")
            raise RuntimeError("ticket change failed")

    with pytest.raises(RuntimeError, match="ticket change failed"):
        change_that_fails()
    assert Notification.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_inactive_users_are_skipped(clock: Any) -> None:
    gone = make_user("gone", is_active=False)
    assert notify([gone]) == 0


def test_bad_calls_are_refused_before_writing(clock: Any, alice: Any) -> None:
    with pytest.raises(ValueError, match="Unknown notification event"):
        notify([alice], event="nope")
    with pytest.raises(ValueError, match="in_app, email or sms"):
        notify([alice], channels=["dingtalk"])
    with pytest.raises(ValueError, match="idempotency_key"):
        notify([alice], key="")
    with pytest.raises(ValueError, match="idempotency_key"):
        notify([alice], key="x" * 201)
    assert Notification.objects.count() == OutboxMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_is_refused() -> None:
    alice = make_user("alice")
    with pytest.raises(RuntimeError, match=r"inside the caller's transaction\.atomic\(\)"):
        services.notify(recipients=[alice], event="ticket_closed", context={}, idempotency_key="k")
    endpoint = ChannelEndpoint.objects.create(kind="webhook", name="w", url="https://example.com/h")
    with pytest.raises(RuntimeError):
        services.notify_endpoint(endpoint=endpoint, event="ticket_closed", context={}, idempotency_key="k")
    assert Notification.objects.count() == OutboxMessage.objects.count() == 0


def test_endpoints_get_what_they_subscribe_to_when_enabled(clock: Any) -> None:
    everything = ChannelEndpoint.objects.create(kind="dingtalk", name="all", url="https://x.test/a")
    breaches = ChannelEndpoint.objects.create(
        kind="feishu", name="breaches", url="https://x.test/b", events=["sla_breach"], language="en"
    )
    ChannelEndpoint.objects.create(kind="wecom", name="off", url="https://x.test/c", enabled=False)

    with transaction.atomic():
        assert (
            services.broadcast(event="sla_breach", context={"ticket_number": "WO-2"}, idempotency_key="b1")
            == 2
        )
        assert services.broadcast(event="ticket_closed", context={}, idempotency_key="b2") == 1
        assert services.broadcast(event="sla_breach", context={}, idempotency_key="b1") == 0

    rows = {(m.endpoint_id, m.event) for m in OutboxMessage.objects.all()}
    assert rows == {
        (everything.pk, "sla_breach"),
        (breaches.pk, "sla_breach"),
        (everything.pk, "ticket_closed"),
    }
    assert OutboxMessage.objects.get(endpoint=breaches).payload["title"] == "SLA breached: WO-2"


def test_mark_read_touches_only_my_own(clock: Any) -> None:
    me, other = make_user("me"), make_user("other")
    notify([me, other], key="a")
    notify([me], key="b")
    theirs = Notification.objects.get(user=other)
    first = Notification.objects.filter(user=me).order_by("pk").first()
    assert first is not None

    assert services.mark_read(user=me, ids=[first.pk, theirs.pk]) == 1
    assert queries.unread_count(me) == 1
    assert queries.unread_count(other) == 1
    assert services.mark_read(user=me) == 1
    assert services.mark_read(user=me) == 0
    assert queries.unread_count(me) == 0
    assert Notification.objects.get(pk=first.pk).read_at == T0


def test_preferences_need_both_quiet_times(alice: Any) -> None:
    from baton.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.update_preferences(
            user=alice, email_enabled=True, sms_enabled=True, quiet_start=time(22), quiet_end=None
        )
    assert not UserNotificationPreference.objects.exists()
    assert queries.preference_for(alice).email_enabled is True
