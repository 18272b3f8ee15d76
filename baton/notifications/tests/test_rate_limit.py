"""Robot rate limits: a sliding window per robot, shared through the database, never exceeded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from baton.notifications import rate, services
from baton.notifications.models import ChannelEndpoint, OutboxMessage, OutboxStatus

from . import servers
from .conftest import T0

pytestmark = pytest.mark.django_db


def queue(endpoint: ChannelEndpoint, count: int, prefix: str = "m") -> None:
    with transaction.atomic():
        for i in range(count):
            services.notify_endpoint(
                endpoint=endpoint,
                event="sla_breach",
                context={"ticket_number": f"WO-{i}"},
                idempotency_key=f"{prefix}{i}",
            )


def test_25_dingtalk_messages_go_20_in_the_first_minute_and_5_after(
    clock: Any, web: servers.HttpServer
) -> None:
    web.routes["/robot/send"] = servers.dingtalk("SEC")
    robot = ChannelEndpoint.objects.create(
        kind="dingtalk", name="d", url=f"{web.base}/robot/send", secret="SEC"
    )
    queue(robot, 25)

    assert services.deliver_due() == 20
    assert len(web.requests) == 20

    clock.move_to(T0 + timedelta(seconds=59))
    assert services.deliver_due() == 0
    assert len(web.requests) == 20

    clock.move_to(T0 + timedelta(seconds=61))  # the minute plus the one-second safety margin
    assert services.deliver_due() == 5
    assert len(web.requests) == 25
    # Every post was accepted by the robot, each exactly once, and waiting cost no attempt.
    assert sorted(r.json()["markdown"]["title"] for r in web.requests) == sorted(
        f"时效违约：WO-{i}" for i in range(25)
    )
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}


def test_wecom_is_20_a_minute_and_robots_do_not_share_a_budget(clock: Any, web: servers.HttpServer) -> None:
    first = ChannelEndpoint.objects.create(kind="wecom", name="a", url=f"{web.base}/a?key=1")
    second = ChannelEndpoint.objects.create(kind="wecom", name="b", url=f"{web.base}/b?key=2")
    queue(first, 22, "a")
    queue(second, 3, "b")

    assert services.deliver_due() == 23

    assert (len(web.to("/a")), len(web.to("/b"))) == (20, 3)
    clock.move_to(T0 + timedelta(seconds=61))
    assert services.deliver_due() == 2


def test_feishu_is_5_a_second_and_100_a_minute(clock: Any, web: servers.HttpServer) -> None:
    robot = ChannelEndpoint.objects.create(kind="feishu", name="f", url=f"{web.base}/hook")
    web.routes["/hook"] = lambda request: (200, {"code": 0, "msg": "success"})
    queue(robot, 110)

    sent = [services.deliver_due(limit=500)]
    tick = 1
    while T0 + timedelta(seconds=tick * 1.1) < T0 + timedelta(seconds=60):
        clock.move_to(T0 + timedelta(seconds=tick * 1.1))
        sent.append(services.deliver_due(limit=500))
        tick += 1

    assert max(sent) == 5  # never more than 5 in one second
    assert sum(sent) == 100  # and the minute's budget is 100
    assert sent[:20] == [5] * 20
    assert sent[20:] == [0] * (len(sent) - 20)
    clock.move_to(T0 + timedelta(seconds=61))  # the first five leave the minute window
    assert services.deliver_due(limit=500) == 5
    assert len(web.requests) == 105


def test_reserve_is_a_sliding_window(db: None) -> None:
    limits = (rate.RateLimit(3, 60),)
    assert rate.reserve("k", limits, now=T0) is None
    assert rate.reserve("k", limits, now=T0 + timedelta(seconds=20)) is None
    assert rate.reserve("k", limits, now=T0 + timedelta(seconds=40)) is None
    # Full: the next slot frees when the oldest send leaves the window.
    assert rate.reserve("k", limits, now=T0 + timedelta(seconds=50)) == T0 + timedelta(seconds=60)
    assert rate.reserve("k", limits, now=T0 + timedelta(seconds=60)) is None
    # A fixed per-minute counter would allow this one (new minute); the sliding window does not.
    assert rate.reserve("k", limits, now=T0 + timedelta(seconds=61)) == T0 + timedelta(seconds=80)
    assert rate.reserve("other", limits, now=T0 + timedelta(seconds=61)) is None
