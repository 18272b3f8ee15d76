"""The notifications API: my own bell and preferences; dead letters for admins only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from baton.notifications.models import Notification, OutboxMessage, OutboxStatus

from .conftest import make_user, notify

pytestmark = [pytest.mark.django_db, pytest.mark.urls("baton.notifications.tests.urls")]
API = "/test-api"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_notifications_newest_first_with_counts(clock: Any, alice: Any) -> None:
    bob = make_user("bob")
    notify([alice, bob], key="a")
    notify([alice], key="b", event="ticket_closed")
    client = client_for(alice)

    page = client.get(f"{API}/notifications").json()
    assert (page["count"], page["unread"]) == (2, 2)
    assert [item["event"] for item in page["items"]] == ["ticket_closed", "step_assigned"]
    assert page["items"][0]["url"] == "/tickets/7/"
    assert client.get(f"{API}/notifications/unread-count").json() == {"count": 2}
    assert client.get(f"{API}/notifications", {"limit": 1, "offset": 1}).json()["items"][0]["event"] == (
        "step_assigned"
    )
    assert client.get(f"{API}/notifications", {"limit": 0}).status_code == 422


def test_mark_read_by_ids_or_all(clock: Any, alice: Any) -> None:
    bob = make_user("bob")
    notify([alice, bob], key="a")
    notify([alice], key="b")
    mine = list(Notification.objects.filter(user=alice).values_list("pk", flat=True))
    theirs = Notification.objects.get(user=bob).pk
    client = client_for(alice)

    response = client.post(
        f"{API}/notifications/read", {"ids": [mine[0], theirs]}, content_type="application/json"
    )
    assert response.json() == {"marked": 1, "unread": 1}
    assert Notification.objects.get(pk=theirs).read_at is None
    assert client.post(
        f"{API}/notifications/read", {"all": True}, content_type="application/json"
    ).json() == {
        "marked": 1,
        "unread": 0,
    }
    for bad in ({}, {"all": True, "ids": [1]}, {"ids": [0]}, {"all": True, "extra": 1}):
        assert (
            client.post(f"{API}/notifications/read", bad, content_type="application/json").status_code == 422
        )


def test_preferences_round_trip(alice: Any) -> None:
    client = client_for(alice)
    assert client.get(f"{API}/notifications/preferences").json() == {
        "email_enabled": True,
        "sms_enabled": True,
        "quiet_start": None,
        "quiet_end": None,
    }
    put = {"email_enabled": False, "sms_enabled": True, "quiet_start": "22:00", "quiet_end": "07:00"}
    response = client.put(f"{API}/notifications/preferences", put, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {**put, "quiet_start": "22:00:00", "quiet_end": "07:00:00"}
    half = {"email_enabled": True, "sms_enabled": True, "quiet_start": "22:00"}
    refused = client.put(f"{API}/notifications/preferences", half, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    assert client.get(f"{API}/notifications/preferences").json()["email_enabled"] is False


def test_dead_letters_are_for_admins(clock: Any, alice: Any) -> None:
    admin = make_user("root", is_superuser=True, is_staff=True)
    notify([alice])
    OutboxMessage.objects.update(status=OutboxStatus.DEAD, attempts=8, last_error="SMTP 451")
    dead = OutboxMessage.objects.get()

    refused = client_for(alice).get(f"{API}/notifications/dead-letters")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    retry = {"ids": [dead.pk]}
    not_allowed = client_for(alice).post(
        f"{API}/notifications/dead-letters/retry", retry, content_type="application/json"
    )
    assert not_allowed.status_code == 403
    assert OutboxMessage.objects.get().status == OutboxStatus.DEAD

    client = client_for(admin)
    [letter] = client.get(f"{API}/notifications/dead-letters").json()
    assert (letter["id"], letter["channel"], letter["recipient"], letter["address"], letter["attempts"]) == (
        dead.pk, "email", "alice", "alice@example.com", 8
    )  # fmt: skip
    assert letter["last_error"] == "SMTP 451"
    response = client.post(f"{API}/notifications/dead-letters/retry", retry, content_type="application/json")
    assert response.json() == {"retried": 1}
    assert (OutboxMessage.objects.get().status, OutboxMessage.objects.get().attempts) == (
        OutboxStatus.PENDING,
        0,
    )
    assert client.get(f"{API}/notifications/dead-letters").json() == []
    empty = client.post(
        f"{API}/notifications/dead-letters/retry", {"ids": []}, content_type="application/json"
    )
    assert empty.status_code == 422


def test_signed_out_is_401(db: None) -> None:
    assert Client().get(f"{API}/notifications").status_code == 401


def test_openapi_schema_lists_the_routes() -> None:
    from .urls import api

    paths = set(api.get_openapi_schema(path_prefix="/api/v1/")["paths"])
    assert paths == {
        "/api/v1/notifications",
        "/api/v1/notifications/unread-count",
        "/api/v1/notifications/read",
        "/api/v1/notifications/preferences",
        "/api/v1/notifications/dead-letters",
        "/api/v1/notifications/dead-letters/retry",
    }
