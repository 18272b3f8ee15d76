"""Robots, webhooks and SMS APIs through a real HTTP server on localhost that checks signatures."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from baton.notifications import services
from baton.notifications.models import ChannelEndpoint, OutboxMessage, OutboxStatus

from . import servers
from .conftest import T0, notify

pytestmark = pytest.mark.django_db
CONTEXT = {"ticket_number": "WO-9", "ticket_title": "炸炉不通电", "step_name": "派工"}


def post_to(endpoint: ChannelEndpoint, *, key: str = "e1", event: str = "sla_breach") -> None:
    with transaction.atomic():
        services.notify_endpoint(
            endpoint=endpoint, event=event, context=CONTEXT, idempotency_key=key, ticket_id=9
        )


def message() -> OutboxMessage:
    return OutboxMessage.objects.get()


def test_dingtalk_post_is_signed_and_accepted(clock: Any, web: servers.HttpServer) -> None:
    web.routes["/robot/send"] = servers.dingtalk("SECdingtalk")
    robot = ChannelEndpoint.objects.create(
        kind="dingtalk", name="钉钉", url=f"{web.base}/robot/send?access_token=tok", secret="SECdingtalk"
    )
    post_to(robot)

    assert services.deliver_due() == 1

    [request] = web.requests
    assert request.query["access_token"] == "tok"
    assert request.query["timestamp"] == str(int(T0.timestamp() * 1000))
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "时效违约：WO-9"
    assert "[查看工单](https://baton.example.com/tickets/9/)" in body["markdown"]["text"]
    assert message().status == OutboxStatus.SENT


def test_dingtalk_refusing_a_bad_signature_is_retried(clock: Any, web: servers.HttpServer) -> None:
    web.routes["/robot/send"] = servers.dingtalk("the-real-secret")
    robot = ChannelEndpoint.objects.create(
        kind="dingtalk", name="d", url=f"{web.base}/robot/send", secret="wrong"
    )
    post_to(robot)

    assert services.deliver_due() == 0

    row = message()
    assert (row.status, row.attempts, row.next_attempt_at) == (
        OutboxStatus.PENDING,
        1,
        T0 + timedelta(seconds=30),
    )
    assert "310000" in row.last_error
    # The admin fixes the secret; the next attempt reads the endpoint afresh and goes through.
    robot.secret = "the-real-secret"
    robot.save()
    clock.move_to(row.next_attempt_at)
    assert services.deliver_due() == 1


def test_wecom_post_has_the_key_in_the_url_and_no_signature(clock: Any, web: servers.HttpServer) -> None:
    robot = ChannelEndpoint.objects.create(
        kind="wecom", name="企微", url=f"{web.base}/cgi-bin/webhook/send?key=693a91f6", language="en"
    )
    post_to(robot)

    assert services.deliver_due() == 1

    [request] = web.requests
    assert request.query == {"key": "693a91f6"}
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"].startswith("### SLA breached: WO-9\n\n")
    assert "[Open the ticket](https://baton.example.com/tickets/9/)" in body["markdown"]["content"]


def test_wecom_error_code_is_a_failure(clock: Any, web: servers.HttpServer) -> None:
    web.routes["/cgi-bin"] = lambda request: (200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    robot = ChannelEndpoint.objects.create(
        kind="wecom", name="企微", url=f"{web.base}/cgi-bin/webhook/send?key=k"
    )
    post_to(robot)
    assert services.deliver_due() == 0
    assert "45009" in message().last_error


def test_feishu_post_carries_timestamp_and_sign_in_the_body(clock: Any, web: servers.HttpServer) -> None:
    web.routes["/open-apis/bot/v2/hook/"] = servers.feishu("feishu-secret")
    robot = ChannelEndpoint.objects.create(
        kind="feishu", name="飞书", url=f"{web.base}/open-apis/bot/v2/hook/abc", secret="feishu-secret"
    )
    post_to(robot)

    assert services.deliver_due() == 1

    body = web.requests[0].json()
    assert body["timestamp"] == str(int(T0.timestamp()))
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "时效违约：WO-9"
    assert post["content"][1] == [
        {"tag": "a", "text": "查看工单", "href": "https://baton.example.com/tickets/9/"}
    ]


def test_feishu_refusal_in_the_body_is_a_failure(clock: Any, web: servers.HttpServer) -> None:
    web.routes["/hook"] = servers.feishu("right")
    robot = ChannelEndpoint.objects.create(kind="feishu", name="f", url=f"{web.base}/hook", secret="wrong")
    post_to(robot)
    assert services.deliver_due() == 0
    assert "19021" in message().last_error


def test_webhook_is_signed_with_timestamp_and_idempotency_key(clock: Any, web: servers.HttpServer) -> None:
    web.routes["/hooks/baton"] = servers.webhook("whsec")
    hook = ChannelEndpoint.objects.create(
        kind="webhook", name="ERP", url=f"{web.base}/hooks/baton", secret="whsec"
    )
    post_to(hook, key="ticket:9:breach")

    assert services.deliver_due() == 1

    [request] = web.requests
    key = f"ticket:9:breach:e{hook.pk}"
    assert request.headers["x-baton-idempotency-key"] == key
    assert request.headers["x-baton-timestamp"] == str(int(T0.timestamp()))
    assert request.headers["x-baton-event"] == "sla_breach"
    document = json.loads(request.body)
    assert document["id"] == key
    assert document["event"] == "sla_breach"
    assert document["ticket_id"] == 9
    assert document["url"] == "https://baton.example.com/tickets/9/"
    assert document["occurred_at"] == T0.isoformat()
    assert document["data"]["ticket_number"] == "WO-9"


def test_webhook_retries_keep_the_same_key_and_body(clock: Any, web: servers.HttpServer) -> None:
    answers = iter([(503, {"error": "deploying"}), (204, b"")])
    web.routes["/h"] = lambda request: next(answers)
    hook = ChannelEndpoint.objects.create(kind="webhook", name="h", url=f"{web.base}/h", secret="s")
    post_to(hook)

    assert services.deliver_due() == 0
    assert "HTTP 503" in message().last_error
    clock.move_to(T0 + timedelta(seconds=30))
    assert services.deliver_due() == 1

    first, second = web.requests
    assert first.body == second.body
    assert first.headers["x-baton-idempotency-key"] == second.headers["x-baton-idempotency-key"]
    assert first.headers["x-baton-signature"] == second.headers["x-baton-signature"]
    assert first.headers["x-baton-timestamp"] != second.headers["x-baton-timestamp"]


def test_webhook_redirects_are_not_followed(clock: Any, web: servers.HttpServer) -> None:
    web.routes["/moved"] = lambda request: (302, {})
    hook = ChannelEndpoint.objects.create(kind="webhook", name="m", url=f"{web.base}/moved")
    post_to(hook)
    assert services.deliver_due() == 0
    assert [r.path for r in web.requests] == ["/moved"]
    assert "HTTP 302" in message().last_error


def test_a_disabled_endpoint_posts_nothing(clock: Any, web: servers.HttpServer) -> None:
    robot = ChannelEndpoint.objects.create(kind="dingtalk", name="d", url=f"{web.base}/robot/send")
    post_to(robot)
    robot.enabled = False
    robot.save()

    assert services.deliver_due() == 0

    assert web.requests == []
    assert (message().status, message().last_error) == (OutboxStatus.DEAD, "The endpoint is disabled.")
    robot.enabled = True
    robot.save()
    post_to(robot, key="e2")
    ChannelEndpoint.objects.filter(pk=robot.pk).update(enabled=False)
    with transaction.atomic():
        assert (
            services.notify_endpoint(endpoint=robot, event="sla_breach", context={}, idempotency_key="e3")
            == 1
        )
        robot.refresh_from_db()
        assert (
            services.notify_endpoint(endpoint=robot, event="sla_breach", context={}, idempotency_key="e4")
            == 0
        )


# ---------------------------------------------------------------------------- SMS


def sms_settings(settings: Any, web: servers.HttpServer, provider: str) -> None:
    settings.NOTIFICATIONS = {
        "SMS": {
            "PROVIDER": provider,
            "SIGN_NAME": "巴顿工单",
            "TEMPLATES": json.dumps(
                {"step_assigned": {"id": "SMS_100", "params": ["ticket_number", "step_name"]}}
            ),
            "ALIYUN": {
                "ACCESS_KEY_ID": "LTAIid",
                "ACCESS_KEY_SECRET": "aliyun-secret",
                "ENDPOINT": f"{web.base}/",
            },
            "TENCENT": {
                "SECRET_ID": "AKIDtc",
                "SECRET_KEY": "tc-secret",
                "SDK_APP_ID": "1400000001",
                "ENDPOINT": f"{web.base}/tc/",
            },
        }
    }


def test_aliyun_sms_is_signed_and_fills_the_template(
    clock: Any, web: servers.HttpServer, settings: Any, alice: Any
) -> None:
    sms_settings(settings, web, "aliyun")
    web.routes["/"] = servers.aliyun("LTAIid", "aliyun-secret")
    notify([alice], channels=["sms"])

    assert services.deliver_due() == 1

    [request] = web.requests
    assert request.method == "GET"
    query = request.query
    assert (query["Action"], query["PhoneNumbers"], query["SignName"], query["TemplateCode"]) == (
        "SendSms", "13800000000", "巴顿工单", "SMS_100"
    )  # fmt: skip
    assert json.loads(query["TemplateParam"]) == {"ticket_number": "WO-1", "step_name": "维修"}
    assert query["Timestamp"] == "2026-11-23T02:00:00Z"
    row = OutboxMessage.objects.get()
    assert (row.status, row.reference) == (OutboxStatus.SENT, "900619746936498440^0")


def test_tencent_sms_is_signed_with_tc3(
    clock: Any, web: servers.HttpServer, settings: Any, alice: Any
) -> None:
    sms_settings(settings, web, "tencent")
    web.routes["/tc/"] = servers.tencent("AKIDtc", "tc-secret")
    notify([alice], channels=["sms"])

    assert services.deliver_due() == 1

    [request] = web.requests
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["x-tc-timestamp"] == str(int(T0.timestamp()))
    body = request.json()
    assert body["PhoneNumberSet"] == ["+8613800000000"]
    assert (body["SmsSdkAppId"], body["TemplateId"], body["TemplateParamSet"]) == (
        "1400000001",
        "SMS_100",
        ["WO-1", "维修"],
    )
    assert OutboxMessage.objects.get().reference == "2028:1"


def test_sms_with_a_wrong_key_is_refused_and_retried(
    clock: Any, web: servers.HttpServer, settings: Any, alice: Any
) -> None:
    sms_settings(settings, web, "tencent")
    web.routes["/tc/"] = servers.tencent("AKIDtc", "another-secret")
    notify([alice], channels=["sms"])
    assert services.deliver_due() == 0
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "AuthFailure.SignatureFailure" in row.last_error


def test_an_event_without_an_sms_template_is_parked_with_a_reason(
    clock: Any, web: servers.HttpServer, settings: Any, alice: Any
) -> None:
    sms_settings(settings, web, "aliyun")
    notify([alice], channels=["sms"], event="ticket_closed")
    assert services.deliver_due() == 0
    row = OutboxMessage.objects.get()
    assert (row.status, row.last_error) == (
        OutboxStatus.DEAD,
        "No SMS template is configured for event 'ticket_closed'.",
    )
    assert web.requests == []
