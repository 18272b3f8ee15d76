"""The permission matrix: every role × every ticket endpoint is allowed, 404 or 403 — and a
refusal changes nothing (same version, events, steps, comments, attachments).

The ticket belongs to the north region, reported by the north store's manager for a
customer-C1 asset and dispatched to ``tech``. South staff and the other customer's portal
user must not learn it exists (404), exactly as for a ticket id that does not exist.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from baton.tickets.models import Attachment, Comment, Step, StepState, Ticket, TicketEvent
from baton.tickets.tests.helpers import active_step, dispatch, jpeg, open_ticket

pytestmark = pytest.mark.django_db

USERS = [
    "anonymous",
    "admin",
    "agent",
    "dispatcher",
    "tech",
    "tech2",
    "manager",
    "approver",
    "south_dispatcher",
    "south_tech",
    "store_manager",
    "portal",
    "other_portal",
]
HIDDEN = {"south_dispatcher": 404, "south_tech": 404, "other_portal": 404, "anonymous": 401}
VIEWERS = [u for u in USERS if u not in HIDDEN]


def expect(viewers: int = 200, **overrides: int) -> dict[str, int]:
    """Every user who can see the ticket gets ``viewers``, except the overrides; the rest 404/401."""
    return {**dict.fromkeys(VIEWERS, viewers), **HIDDEN, **overrides}


ENDPOINTS: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    # name: (method, path template, body, expected status per user)
    "detail": ("get", "/api/v1/tickets/{t}", None, expect()),
    "events": ("get", "/api/v1/tickets/{t}/events", None, expect()),
    "comments": ("get", "/api/v1/tickets/{t}/comments", None, expect()),
    "attachments": ("get", "/api/v1/tickets/{t}/attachments", None, expect()),
    "attachment_file": ("get", "/api/v1/tickets/{t}/attachments/{a}/file", None, expect()),
    "technicians": ("get", "/api/v1/tickets/{t}/technicians", None, expect()),
    "comment": (
        "post",
        "/api/v1/tickets/{t}/comments",
        {"body": "看一下"},
        expect(201),
    ),
    "internal_comment": (
        "post",
        "/api/v1/tickets/{t}/comments",
        {"body": "内部备注", "internal": True},
        expect(201, store_manager=403, portal=403),
    ),
    "edit": (
        "patch",
        "/api/v1/tickets/{t}",
        {"priority": "high"},
        expect(tech=403, tech2=403, approver=403, store_manager=403, portal=403),
    ),
    "accept_step": (
        "post",
        "/api/v1/tickets/{t}/steps/{s}/accept",
        {},
        expect(403, admin=200, tech=200),
    ),
    "complete_step": (
        "post",
        "/api/v1/tickets/{t}/steps/{s}/complete",
        {"outcome": "done", "resolution": "已修复"},
        expect(403, admin=200, tech=200),
    ),
    "return_step": (
        "post",
        "/api/v1/tickets/{t}/steps/{s}/complete",
        {"outcome": "return", "reason": "缺配件"},
        expect(403, admin=200, tech=200),
    ),
    "reassign_step": (
        "post",
        "/api/v1/tickets/{t}/steps/{s}/reassign",
        {"owner_id": "{tech2}", "reason": "调整"},
        expect(403, admin=200, tech=200, dispatcher=200, manager=200),
    ),
    "add_collaborator": (
        "post",
        "/api/v1/tickets/{t}/steps/{s}/collaborators",
        {"user_id": "{tech2}"},
        expect(403, admin=200, tech=200, dispatcher=200, manager=200),
    ),
    "upload": ("upload", "/api/v1/tickets/{t}/attachments", None, expect(201)),
}


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    t = Ticket.objects.get(pk=ticket.pk)
    return (
        t.version,
        t.status,
        t.priority,
        t.audit_head,
        TicketEvent.objects.filter(ticket=t).count(),
        list(Step.objects.filter(ticket=t).values_list("pk", "state", "owner_id", "accepted_at")),
        sorted(Step.objects.get(ticket=t, state=StepState.ACTIVE).collaborators.values_list("pk", flat=True)),
        Comment.objects.filter(ticket=t).count(),
        Attachment.objects.filter(ticket=t).count(),
    )


def client_for(org: Any, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(org, who))
    return client


def call(client: Client, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return client.get(path)
    if method == "upload":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(path, {"file": SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")})
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("who", USERS)
def test_permission_matrix(org, endpoint, who):
    method, template, body, expected = ENDPOINTS[endpoint]
    ticket = dispatch(org, open_ticket(org, photos=[("a.jpg", jpeg())]))
    step = active_step(ticket)
    attachment = ticket.attachments.get()
    path = template.format(t=ticket.pk, s=step.pk, a=attachment.pk)
    if body is not None:
        body = json.loads(json.dumps(body).replace('"{tech2}"', str(org.tech2.pk)))
    before = snapshot(ticket)

    response = call(client_for(org, who), method, path, body)

    assert response.status_code == expected[who], response.content[:300]
    if method != "get":
        if response.status_code >= 400:
            assert snapshot(ticket) == before, "a refused request changed the ticket"
        else:
            assert snapshot(ticket) != before
    if response.status_code == 404:
        missing = call(
            client_for(org, who), method, template.format(t=999999, s=step.pk, a=attachment.pk), body
        )
        assert (missing.status_code, missing.json()) == (404, response.json()), (
            "404 must look like a missing ticket"
        )


@pytest.mark.parametrize("who", USERS)
def test_ticket_list_and_search_show_only_visible_tickets(org, who):
    north = open_ticket(org, title="北方冷柜不制冷")
    south = open_ticket(org, requester=org.admin, asset=org.south_asset, title="南方炸炉不加热")
    client = client_for(org, who)
    response = client.get("/api/v1/tickets")
    if who == "anonymous":
        assert response.status_code == 401
        return
    numbers = {item["number"] for item in response.json()["items"]}
    sees_north = who not in HIDDEN
    sees_south = who in {"admin", "agent", "approver", "south_dispatcher", "south_tech", "other_portal"}
    assert numbers == {n for n, seen in ((north.number, sees_north), (south.number, sees_south)) if seen}
    searched = client.get("/api/v1/tickets", {"q": south.number}).json()
    assert searched["count"] == (1 if sees_south else 0)
