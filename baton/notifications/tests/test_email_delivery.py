"""E-mail through a real SMTP server (aiosmtpd on localhost): once, late rather than never, never twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from baton.notifications import queries, services
from baton.notifications.channels.email import message_id
from baton.notifications.models import OutboxMessage, OutboxStatus

from .conftest import T0, notify

pytestmark = pytest.mark.django_db


def the_mail() -> OutboxMessage:
    return OutboxMessage.objects.get(channel="email")


def test_mail_arrives_with_subject_link_and_stable_message_id(clock: Any, smtp: Any, alice: Any) -> None:
    notify([alice], key="step:1:assigned")

    assert services.deliver_due() == 1

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "alice@example.com"
    assert mail["From"] == "Baton <baton@localhost>"
    assert mail["Subject"] == "新的待办：WO-1 维修"
    assert mail["X-Baton-Idempotency-Key"] == f"step:1:assigned:u{alice.pk}:email"
    assert mail["Message-ID"] == message_id(f"step:1:assigned:u{alice.pk}:email", "baton@localhost")
    body = mail.get_content()
    assert "工单「冷柜不制冷」的环节「维修」由你负责" in body
    assert "查看工单: https://baton.example.com/tickets/7/" in body
    row = the_mail()
    assert (row.status, row.attempts, row.sent_at, row.reference) == (
        OutboxStatus.SENT, 1, T0, mail["Message-ID"]
    )  # fmt: skip


def test_notify_twice_and_deliver_twice_sends_one_mail(clock: Any, smtp: Any, alice: Any) -> None:
    notify([alice], key="same")
    notify([alice], key="same")
    assert services.deliver_due() == 1
    assert services.deliver_due() == 0
    clock.move_to(T0 + timedelta(hours=2))
    assert services.deliver_due() == 0
    assert len(smtp.messages) == 1


def test_a_server_refusing_for_ten_minutes_delivers_the_mail_once_afterwards(
    clock: Any, smtp: Any, alice: Any
) -> None:
    """The fault test: 451 "try again later" until T0+10min; time moves, nobody sleeps."""
    outage_ends = T0 + timedelta(minutes=10)
    smtp.refuse_until = outage_ends
    notify([alice], key="outage")

    tries = 0
    while the_mail().status != OutboxStatus.SENT:
        assert tries < 12, "the mail should have gone out after the outage"
        due = the_mail().next_attempt_at
        clock.move_to(due - timedelta(seconds=1))
        assert services.deliver_due() == 0  # not due yet: nothing is tried early
        clock.move_to(due)
        services.deliver_due()
        tries += 1

    row = the_mail()
    assert len(smtp.messages) == 1
    assert all(refused < outage_ends for refused in smtp.refusals)
    # Backoff 30 s, 60, 120, 240, 480: refused at T0, +30s, +1m30, +3m30, +7m30; accepted at +15m30.
    assert [refused - T0 for refused in smtp.refusals] == [
        timedelta(seconds=s) for s in (0, 30, 90, 210, 450)
    ]
    assert (row.attempts, row.sent_at, row.last_error) == (6, T0 + timedelta(seconds=930), "")
    # Later sweeps find nothing more to do.
    clock.move_to(T0 + timedelta(days=1))
    assert services.deliver_due() == 0
    assert len(smtp.messages) == 1


def test_a_mail_that_keeps_failing_is_parked_then_retried_by_an_admin(
    clock: Any, smtp: Any, alice: Any
) -> None:
    smtp.refuse_always = True
    notify([alice], key="doomed")

    for _ in range(8):
        clock.move_to(the_mail().next_attempt_at)
        services.deliver_due()

    row = the_mail()
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, 8)
    assert "451" in row.last_error
    assert list(queries.dead_letters()) == [row]
    assert smtp.messages == []
    clock.move_to(T0 + timedelta(days=3))
    assert services.deliver_due() == 0  # a dead letter stays parked

    smtp.refuse_always = False
    assert services.retry_dead(message_ids=[row.pk]) == 1
    assert services.retry_dead(message_ids=[row.pk]) == 0  # no longer dead
    assert services.deliver_due() == 1
    assert len(smtp.messages) == 1
    assert (the_mail().status, the_mail().attempts) == (OutboxStatus.SENT, 1)
    assert list(queries.dead_letters()) == []


def test_an_unknown_recipient_is_dead_at_once(clock: Any, smtp: Any, alice: Any) -> None:
    smtp.rcpt_reply = "550 5.1.1 No such user"
    notify([alice])
    assert services.deliver_due() == 0
    row = the_mail()
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, 1)
    assert "550" in row.last_error


def test_a_worker_that_died_while_sending_is_replaced_after_its_lease(
    clock: Any, smtp: Any, alice: Any
) -> None:
    from baton.notifications import outbox

    notify([alice])
    claimed = outbox.claim(10, now=T0)  # a worker claims the mail, then dies without sending
    assert [c.pk for c in claimed] == [the_mail().pk]
    assert services.deliver_due() == 0  # still leased to the dead worker

    clock.move_to(T0 + timedelta(minutes=10))  # LEASE_SECONDS = 600
    assert services.deliver_due() == 1
    assert len(smtp.messages) == 1
    # The dead worker's late report cannot overwrite the newer outcome (fenced by attempts).
    outbox._fail(claimed[0], "late", False)
    assert (the_mail().status, the_mail().attempts) == (OutboxStatus.SENT, 2)


def test_a_user_who_switched_email_off_gets_no_mail(clock: Any, smtp: Any, alice: Any) -> None:
    services.update_preferences(
        user=alice, email_enabled=False, sms_enabled=True, quiet_start=None, quiet_end=None
    )
    notify([alice], urgent=True)
    assert services.deliver_due() == 0
    assert smtp.messages == []
    assert not OutboxMessage.objects.exists()


def test_the_celery_task_delivers_the_outbox(clock: Any, smtp: Any, alice: Any) -> None:
    from baton.notifications.tasks import deliver_notifications

    notify([alice])
    assert deliver_notifications() == 1
    assert deliver_notifications() == 0
    assert len(smtp.messages) == 1


def test_old_sent_rows_are_purged_but_dead_letters_stay(clock: Any, smtp: Any, alice: Any) -> None:
    from baton.notifications.tasks import purge_outbox

    notify([alice], key="sent")
    services.deliver_due()
    notify([alice], key="dead")
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(status=OutboxStatus.DEAD)

    clock.move_to(T0 + timedelta(days=29))
    assert purge_outbox() == 0
    clock.move_to(T0 + timedelta(days=31))
    assert purge_outbox() == 1
    assert list(OutboxMessage.objects.values_list("status", flat=True)) == [OutboxStatus.DEAD]
