"""Ticket pages through the Django test client: the list, reporting a fault, the ticket page and who
may see it. Step actions are in ``test_views_steps.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baton.tickets.models import Attachment, Status, Ticket, TicketEvent
from baton.tickets.tests.helpers import active_step, dispatch, jpeg, open_ticket
from baton.web.tests.pages import client_for, detail, photo, state, step_url

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------- list


@pytest.mark.parametrize(
    ("username", "sees"),
    [("store", True), ("dispatcher", True), ("tech", True), ("manager", True), ("agent", True),
     ("admin", True), ("south_dispatcher", False), ("other_portal", False)],
)  # fmt: skip
def test_list_shows_only_visible_tickets(org: Any, username: str, sees: bool) -> None:
    ticket = open_ticket(org)
    user = getattr(org, {"store": "store_manager"}.get(username, username))
    response = client_for(user).get(reverse("ticket-list"))
    assert response.status_code == 200
    assert (ticket.number in response.content.decode()) is sees


def test_list_filters_and_htmx_partial(org: Any) -> None:
    waiting = open_ticket(org)
    in_repair = dispatch(org, open_ticket(org, title="炸炉不通电"))
    client = client_for(org.dispatcher)

    page = client.get(reverse("ticket-list"), {"status": Status.IN_REPAIR}).content.decode()
    assert in_repair.number in page
    assert waiting.number not in page

    partial = client.get(reverse("ticket-list"), {"q": "炸炉"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body
    assert 'data-testid="ticket-table"' in body
    assert in_repair.number in body
    assert waiting.number not in body
    assert "HX-Request" in partial["Vary"]


def test_list_paginates_fifty_per_page(org: Any) -> None:
    for i in range(51):
        open_ticket(org, title=f"冷柜 {i}")
    client = client_for(org.dispatcher)
    first = client.get(reverse("ticket-list")).content.decode()
    second = client.get(reverse("ticket-list"), {"page": 2}).content.decode()
    assert first.count("<tr data-ticket=") == 50
    assert second.count("<tr data-ticket=") == 1
    assert "1 / 2" in first


def test_list_query_count_does_not_grow_with_rows(org: Any) -> None:
    client = client_for(org.dispatcher)
    open_ticket(org)
    client.get(reverse("ticket-list"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("ticket-list"))
    for _ in range(5):
        open_ticket(org)
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("ticket-list"))
    assert len(six) == len(one)


# ---------------------------------------------------------------------------- create


def test_report_form_preselects_the_store_and_loads_its_assets(org: Any) -> None:
    client = client_for(org.store_manager)
    page = client.get(reverse("ticket-create")).content.decode()
    assert f'<option value="{org.site.pk}" selected>' in page
    assert 'data-label="冷柜"' in page
    assert 'capture="environment"' in page
    assert 'accept="image/*"' in page

    options = client.get(reverse("ticket-asset-options"), {"site": org.site.pk}).content.decode()
    assert org.asset.code in options
    other = client.get(reverse("ticket-asset-options"), {"site": org.south_site.pk}).content.decode()
    assert org.south_asset.code not in other


def test_report_with_two_photos_creates_a_ticket_waiting_for_dispatch(org: Any) -> None:
    client = client_for(org.store_manager)
    response = client.post(
        reverse("ticket-create"),
        {"site": org.site.pk, "asset": org.asset.pk, "fault_category": "not_cooling", "title": "",
         "description": "温度 12 度", "priority": "high", "photos": [photo("a.jpg"), photo("b.jpg")]},
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(ticket)
    assert (ticket.title, ticket.status, ticket.priority) == ("冷柜不制冷", Status.WAITING_DISPATCH, "high")
    assert (ticket.requester, ticket.site, ticket.asset) == (org.store_manager, org.site, org.asset)
    assert ticket.attachments.count() == 2
    assert all(a.thumbnail for a in ticket.attachments.all())
    step = active_step(ticket)
    assert (step.key, step.owner) == ("Task_dispatch", org.dispatcher)
    page = client.get(detail(ticket)).content.decode()
    assert ticket.number in page
    assert "待派工" in page
    assert page.count('data-testid="photo"') == 2


BAD_REPORTS = {
    "no-site": ('data-testid="error-site"', lambda org, p: p.pop("site") and p.pop("asset")),
    "no-fault": ('data-testid="error-fault_category"', lambda org, p: p.update(fault_category="")),
    "asset-elsewhere": ('data-testid="error-asset"', lambda org, p: p.update(asset=org.south_asset.pk)),
    "seven-photos": (
        "最多上传 6 张照片。",
        lambda org, p: p.update(photos=[photo(f"{i}.jpg") for i in range(7)]),
    ),
    "not-a-photo": (
        "只接受照片（JPEG、PNG、WebP、GIF）、PDF 和纯文本文件。",
        lambda org, p: p.update(photos=[SimpleUploadedFile("x.jpg", b"\x00\x01binary", "image/jpeg")]),
    ),
}


@pytest.mark.parametrize("case", list(BAD_REPORTS))
def test_report_with_bad_input_shows_errors_and_creates_nothing(org: Any, case: str) -> None:
    error, spoil = BAD_REPORTS[case]
    payload: dict[str, Any] = {"site": org.site.pk, "asset": org.asset.pk, "fault_category": "not_cooling"}
    payload["priority"] = "normal"
    spoil(org, payload)
    response = client_for(org.store_manager).post(reverse("ticket-create"), payload)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert TicketEvent.objects.count() == 0


# ---------------------------------------------------------------------------- detail and permissions


def test_another_departments_ticket_is_a_404_everywhere(org: Any) -> None:
    ticket = open_ticket(org, photos=[("a.jpg", jpeg())])
    attachment = ticket.attachments.get()
    step = active_step(ticket)
    before = state(ticket)
    client = client_for(org.south_dispatcher)
    urls = [
        detail(ticket),
        reverse("attachment-file", args=[ticket.pk, attachment.pk]),
        reverse("attachment-thumbnail", args=[ticket.pk, attachment.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    posts = [
        (step_url(ticket, step, "complete"), {"outcome": "assign", "technician": org.tech.pk, "version": 1}),
        (step_url(ticket, step, "accept"), {"version": 1}),
        (step_url(ticket, step, "reassign"), {"owner": org.tech.pk, "reason": "x", "version": 1}),
        (reverse("ticket-comment", args=[ticket.pk]), {"body": "hi"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert state(ticket) == before


def test_attachments_are_served_to_people_who_see_the_ticket(org: Any) -> None:
    ticket = open_ticket(org, photos=[("a.jpg", jpeg())])
    attachment = ticket.attachments.get()
    client = client_for(org.store_manager)
    full = client.get(reverse("attachment-file", args=[ticket.pk, attachment.pk]))
    thumb = client.get(reverse("attachment-thumbnail", args=[ticket.pk, attachment.pk]))
    assert (full.status_code, full["Content-Type"]) == (200, "image/jpeg")
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/jpeg")
    assert client.get(reverse("attachment-file", args=[ticket.pk, 999999])).status_code == 404


def test_each_role_sees_only_the_actions_it_may_take(org: Any) -> None:
    ticket = open_ticket(org)
    dispatcher = client_for(org.dispatcher).get(detail(ticket)).content.decode()
    assert 'data-testid="outcome-assign"' in dispatcher
    assert org.tech.name in dispatcher
    assert org.tech2.name in dispatcher
    assert org.south_tech.name not in dispatcher
    assert 'data-testid="toggle-reassign"' in dispatcher

    store = client_for(org.store_manager).get(detail(ticket)).content.decode()
    assert 'data-testid="action-panel"' not in store
    assert 'data-testid="comment-form"' in store
    assert 'name="internal"' not in store

    tech = client_for(org.tech).get(detail(ticket)).content.decode()
    assert 'data-testid="action-panel"' not in tech
    assert 'name="internal"' in tech

    manager = client_for(org.manager).get(detail(ticket)).content.decode()
    assert 'data-testid="outcome-assign"' not in manager
    assert 'data-testid="toggle-reassign"' in manager
    assert 'data-testid="toggle-collaborator"' in manager
