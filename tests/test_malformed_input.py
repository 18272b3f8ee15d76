"""Malformed input anywhere gets a 4xx with a clear message — never a 500 — and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from baton.tickets.models import Comment, Step, Ticket, TicketEvent
from baton.tickets.tests.helpers import active_step, dispatch, open_ticket

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


def counts() -> tuple[int, int, int, int]:
    return Ticket.objects.count(), TicketEvent.objects.count(), Step.objects.count(), Comment.objects.count()


@pytest.fixture
def client(org):
    c = Client(raise_request_exception=False)
    c.force_login(org.admin)
    return c


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets?q=%00",
        "/api/v1/tickets?q=a%00b&status=%00&priority=%00",
        "/api/v1/tickets?limit=abc",
        "/api/v1/tickets?limit=100000",
        "/api/v1/tickets?offset=-1",
        f"/api/v1/tickets?site={HUGE}",
        f"/api/v1/tickets/{HUGE}",
        "/api/v1/tickets/-1",
        f"/api/v1/tickets/{HUGE}/events",
        f"/api/v1/tickets/1/attachments/{HUGE}/file",
        f"/api/v1/sites/{HUGE}",
        f"/api/v1/assets/{HUGE}",
        "/api/v1/assets?q=%00",
        "/api/v1/sites?q=%00",
        "/tickets/?q=%00",
        "/tickets/?site=abc&status=%00",
        f"/tickets/{HUGE}/",
        f"/sites/{HUGE}/",
        f"/assets/{HUGE}/",
    ],
)
def test_bad_queries_and_ids_are_4xx_or_empty(client, org, path):
    open_ticket(org)
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)
    assert response.status_code in (200, 400, 404, 422), (path, response.status_code)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"outcome": "done", "resolution": "a\u0000b"}, 422),
        ({"outcome": "done", "resolution": 12}, 422),
        ({"outcome": ["done"]}, 422),
        ({"outcome": "done", "resolution": "ok", "rating": HUGE}, 422),
        ({"outcome": "done", "resolution": "ok", "technician": int(HUGE)}, 422),
        ({"outcome": "done", "resolution": "ok", "extra": 1}, 422),
        ({"outcome": "done", "resolution": "x" * 6000}, 422),
    ],
)
def test_bad_step_completion_is_4xx_and_changes_nothing(org, body, status):
    ticket = dispatch(org, open_ticket(org))
    client = Client(raise_request_exception=False)
    client.force_login(org.tech)
    before = counts()
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/steps/{active_step(ticket).pk}/complete",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == status, response.content[:300]
    assert set(response.json()) == {"code", "message", "fields"}
    assert counts() == before


def test_non_json_content_types_and_bad_uploads(org):
    ticket = open_ticket(org)
    client = Client(raise_request_exception=False)
    client.force_login(org.agent)
    before = counts()
    form = client.post("/api/v1/tickets", data={"title": "x"})
    assert 400 <= form.status_code < 500
    no_file = client.post(f"/api/v1/tickets/{ticket.pk}/attachments", data={})
    assert no_file.status_code == 422
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments",
        {"file": SimpleUploadedFile("x.jpg", b"\x00\x01not an image", content_type="image/jpeg")},
    )
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"file": ["type"]}
    assert counts() == before
