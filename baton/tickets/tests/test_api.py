"""The REST API: creation, tokens, ETags, and malformed input getting a clear 4xx that changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from baton.accounts.services import create_api_token
from baton.tickets.models import Comment, Step, Ticket, TicketEvent

from .helpers import active_step, dispatch, open_ticket

pytestmark = pytest.mark.django_db


def token_client(user: Any) -> tuple[Client, str]:
    _, secret = create_api_token(user=user, name="integration")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), secret


def counts() -> tuple[int, int, int, int]:
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        Step.objects.count(),
        Comment.objects.count(),
    )


def test_create_with_token_fills_asset_data_and_returns_the_first_step(org):
    client, _ = token_client(org.agent)
    response = client.post(
        "/api/v1/tickets",
        data=json.dumps({"title": "冷柜不制冷", "asset_id": org.asset.pk, "fault_category": "not_cooling"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "waiting_dispatch"
    assert body["site_id"] == org.site.pk
    assert body["customer_id"] == org.customer.pk
    assert body["asset_model"] == "海尔 SC-380"
    assert body["under_warranty"] is True
    assert body["channel"] == "api"
    assert [(s["key"], s["owner"]["id"], s["state"]) for s in body["steps"]] == [
        ("Task_dispatch", org.dispatcher.pk, "active")
    ]


def test_revoked_or_wrong_tokens_are_401(org):
    client, _ = token_client(org.agent)
    assert client.get("/api/v1/me").json()["username"] == "agent"
    token_id = org.agent.api_tokens.get().pk
    assert Client(HTTP_AUTHORIZATION="Bearer bt_wrong").get("/api/v1/me").status_code == 401
    session = Client()
    session.force_login(org.agent)
    assert session.delete(f"/api/v1/me/tokens/{token_id}").status_code == 204
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthorized",
        "message": "Sign in or send a valid API token.",
        "fields": {},
    }


def test_session_auth_requires_csrf_for_writes(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.agent)
    response = client.post(
        "/api/v1/tickets",
        data=json.dumps({"title": "x", "site_id": org.site.pk}),
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert Ticket.objects.count() == 0


def test_etag_and_if_match(org):
    ticket = open_ticket(org)
    client, _ = token_client(org.agent)
    first = client.get(f"/api/v1/tickets/{ticket.pk}")
    etag = first["ETag"]
    assert etag == f'W/"{ticket.pk}-1"'
    ok = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        data=json.dumps({"priority": "urgent"}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert ok.status_code == 200
    assert ok["ETag"] == f'W/"{ticket.pk}-2"'
    stale = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        data=json.dumps({"title": "覆盖"}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    stale_body = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        data=json.dumps({"title": "覆盖", "version": 1}),
        content_type="application/json",
    )
    assert stale_body.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).title == "冷柜不制冷"


BAD_BODIES = [
    ("not json", b"{title: nope", 400),
    ("array", b"[1, 2]", 422),
    ("wrong type", json.dumps({"title": 123, "site_id": "abc"}).encode(), 422),
    ("unknown field", json.dumps({"title": "x", "site_id": 1, "status": "closed"}).encode(), 422),
    ("nul byte", json.dumps({"title": "a\u0000b", "site_id": 1}).encode(), 422),
    ("empty title", json.dumps({"title": "", "site_id": 1}).encode(), 422),
    ("missing site", json.dumps({"title": "x"}).encode(), 422),
    ("bad choice", json.dumps({"title": "x", "site_id": 1, "priority": "p0"}).encode(), 422),
    ("huge", json.dumps({"title": "x", "description": "a" * (10 * 1024 * 1024)}).encode(), 413),
]


@pytest.mark.parametrize(("case", "raw", "status"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_malformed_creation_is_a_clear_4xx_and_writes_nothing(org, case, raw, status):
    client, _ = token_client(org.agent)
    raw = raw.replace(b'"site_id": 1', f'"site_id": {org.site.pk}'.encode())
    before = counts()
    response = client.post("/api/v1/tickets", data=raw, content_type="application/json")
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["message"]
    assert counts() == before


def test_invalid_transitions_are_409_and_change_nothing(org):
    ticket = dispatch(org, open_ticket(org))
    client, _ = token_client(org.tech)
    step = active_step(ticket)
    done = client.post(
        f"/api/v1/tickets/{ticket.pk}/steps/{step.pk}/complete",
        data=json.dumps({"outcome": "done", "resolution": "修好了"}),
        content_type="application/json",
    )
    assert done.status_code == 200
    before = counts()
    again = client.post(
        f"/api/v1/tickets/{ticket.pk}/steps/{step.pk}/complete",
        data=json.dumps({"outcome": "done", "resolution": "再修一次"}),
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    wrong_outcome = client.post(
        f"/api/v1/tickets/{ticket.pk}/steps/{active_step(ticket).pk}/complete",
        data=json.dumps({"outcome": "explode"}),
        content_type="application/json",
    )
    assert wrong_outcome.status_code in (403, 422)
    assert counts() == before


def test_return_without_reason_is_422_with_the_field(org):
    ticket = dispatch(org, open_ticket(org))
    client, _ = token_client(org.tech)
    step = active_step(ticket)
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/steps/{step.pk}/complete",
        data=json.dumps({"outcome": "return"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"reason": ["required"]}
    assert active_step(ticket).pk == step.pk


def test_todo_lists_my_steps_and_the_department_queue(org):
    mine = dispatch(org, open_ticket(org))
    queued = open_ticket(org)
    client, _ = token_client(org.tech)
    body = client.get("/api/v1/todo").json()
    assert [item["ticket"]["number"] for item in body["mine"]] == [mine.number]
    assert [item["ticket"]["number"] for item in body["queue"]] == [queued.number]
    assert (body["mine_count"], body["queue_count"], body["mine_overdue"]) == (1, 1, 0)
    south, _ = token_client(org.south_tech)
    assert south.get("/api/v1/todo").json()["queue"] == []


def test_openapi_and_docs_are_served(org):
    client = Client()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/steps/{step_id}/complete",
        "/api/v1/todo",
        "/api/v1/me/tokens",
    ):
        assert path in paths
    assert client.get("/api/v1/docs").status_code == 200


def test_token_in_the_x_api_token_header_works_too(org):
    _, secret = create_api_token(user=org.tech, name="header")
    assert Client(HTTP_X_API_TOKEN=secret).get("/api/v1/me").json()["username"] == "tech"
    assert Client(HTTP_X_API_TOKEN="bt_nope").get("/api/v1/me").status_code == 401
