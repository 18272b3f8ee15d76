"""REST API for approvals and delegation: approve, reject to a chosen step, 加签, away periods."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from baton.accounts.models import Delegation
from baton.tickets.models import StepState, TicketEvent

from .test_api import token_client
from .test_approvals import open_for_approval, open_rows, row_of, snapshot

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_any_of_approve_through_the_api(org):
    ticket = open_for_approval(org, mode="any")
    client, _ = token_client(org.tech2)
    row = row_of(ticket, "tech2")
    response = post(client, f"/api/v1/tickets/{ticket.pk}/steps/{row.pk}/complete", {"outcome": "approve"})
    assert response.status_code == 200, response.content
    steps = response.json()["steps"]
    assert [(s["key"], s["state"]) for s in steps if s["key"] == "Task_approval"] == [
        ("Task_approval", "cancelled"),
        ("Task_approval", "cancelled"),
        ("Task_approval", "completed"),
    ]
    assert open_rows(ticket) == [("Task_work", "dispatcher", "active")]


def test_back_targets_and_reject_to_a_step(org):
    ticket = open_for_approval(org, mode="single")
    row = row_of(ticket, "manager")
    client, _ = token_client(org.manager)
    targets = client.get(f"/api/v1/tickets/{ticket.pk}/steps/{row.pk}/back-targets")
    assert targets.json() == [{"key": "Task_review", "name": "复核"}, {"key": "Task_request", "name": "申请"}]
    url = f"/api/v1/tickets/{ticket.pk}/steps/{row.pk}/reject"
    before = snapshot(ticket)
    refused = post(client, url, {"to_step": "Task_work", "reason": "x"})
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"to_step": ["invalid choice"]}
    no_reason = post(client, url, {"to_step": "Task_request", "reason": ""})
    assert no_reason.status_code == 422
    assert snapshot(ticket) == before
    response = post(client, url, {"to_step": "Task_request", "reason": "补充预算"})
    assert response.status_code == 200, response.content
    assert open_rows(ticket) == [("Task_request", "dispatcher", "active")]
    event = TicketEvent.objects.filter(ticket=ticket, kind="step_rejected").get()
    assert (event.actor_id, event.data["reason"]) == (org.manager.pk, "补充预算")


def test_another_departments_ticket_is_a_404(org):
    ticket = open_for_approval(org, mode="single")
    row = row_of(ticket, "manager")
    client, _ = token_client(org.south_dispatcher)
    before = snapshot(ticket)
    for response in (
        client.get(f"/api/v1/tickets/{ticket.pk}/steps/{row.pk}/back-targets"),
        post(
            client,
            f"/api/v1/tickets/{ticket.pk}/steps/{row.pk}/reject",
            {"to_step": "Task_request", "reason": "x"},
        ),
        post(
            client,
            f"/api/v1/tickets/{ticket.pk}/steps/{row.pk}/approvers",
            {"user_id": org.tech.pk, "position": "after", "reason": "x"},
        ),
    ):
        assert response.status_code == 404
    assert snapshot(ticket) == before


def test_add_approver_through_the_api(org):
    ticket = open_for_approval(org, mode="single")
    row = row_of(ticket, "manager")
    client, _ = token_client(org.manager)
    url = f"/api/v1/tickets/{ticket.pk}/steps/{row.pk}/approvers"
    bad = post(client, url, {"user_id": org.tech.pk, "position": "later", "reason": "x"})
    assert bad.status_code == 422
    unknown = post(client, url, {"user_id": org.tech.pk, "position": "after", "reason": "x", "extra": 1})
    assert unknown.status_code == 422
    response = post(client, url, {"user_id": org.tech.pk, "position": "before", "reason": "技术意见"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["owner"]["id"], body["state"], body["on_behalf_of"]) == (org.tech.pk, "active", None)
    assert open_rows(ticket) == [
        ("Task_approval", "manager", StepState.QUEUED),
        ("Task_approval", "tech", "active"),
    ]


def test_away_periods_through_the_api(org):
    t0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    client, _ = token_client(org.manager)
    with time_machine.travel(t0, tick=False):
        body = {
            "starts_at": t0.isoformat(),
            "ends_at": (t0 + timedelta(days=2)).isoformat(),
            "delegate_id": org.tech2.pk,
            "note": "出差",
        }
        created = post(client, "/api/v1/me/away", body)
        assert created.status_code == 201, created.content
        assert created.json()["delegate"]["name"] == "赵师傅"
        overlapping = post(client, "/api/v1/me/away", body)
        assert overlapping.status_code == 422
        assert overlapping.json()["fields"] == {"starts_at": ["overlaps"]}
        listed = client.get("/api/v1/me/away").json()
        assert [(a["id"], a["note"]) for a in listed] == [(created.json()["id"], "出差")]
        other, _ = token_client(org.tech)
        assert other.delete(f"/api/v1/me/away/{created.json()['id']}").status_code == 404
        assert client.delete(f"/api/v1/me/away/{created.json()['id']}").status_code == 204
        assert client.get("/api/v1/me/away").json() == []
    assert Delegation.objects.filter(cancelled_at__isnull=False).count() == 1
