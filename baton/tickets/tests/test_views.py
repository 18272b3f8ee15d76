"""Ticket pages through the Django test client: who sees what, what each form does, and what a
refused form leaves untouched (nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baton.tickets import services
from baton.tickets.models import Attachment, Comment, Status, Step, StepState, Ticket, TicketEvent
from baton.tickets.tests.helpers import active_step, dispatch, jpeg, open_ticket, repair

pytestmark = pytest.mark.django_db

STALE = "此工单刚被其他人修改过"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state(ticket: Ticket) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was."""
    t = Ticket.objects.get(pk=ticket.pk)
    steps = list(
        Step.objects.filter(ticket=t)
        .order_by("pk")
        .values_list("key", "state", "owner_id", "accepted_at", "reason")
    )
    collaborators = list(
        Step.collaborators.through.objects.filter(step__ticket=t).values_list("user_id", flat=True)
    )
    return (
        t.version, t.status, t.resolution, t.satisfaction, steps, collaborators,
        TicketEvent.objects.filter(ticket=t).count(), Comment.objects.filter(ticket=t).count(),
        Attachment.objects.filter(ticket=t).count(),
    )  # fmt: skip


def detail(ticket: Ticket) -> str:
    return reverse("ticket-detail", args=[ticket.pk])


def step_url(ticket: Ticket, step: Step, action: str) -> str:
    return reverse(f"ticket-step-{action}", args=[ticket.pk, step.pk])


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


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


# ---------------------------------------------------------------------------- step actions


def test_the_whole_repair_through_the_pages(org: Any) -> None:
    ticket = open_ticket(org)
    dispatcher, tech, store = client_for(org.dispatcher), client_for(org.tech), client_for(org.store_manager)

    step = active_step(ticket)
    response = dispatcher.post(
        step_url(ticket, step, "complete"), {"outcome": "assign", "technician": org.tech.pk, "version": 1}
    )
    assert response.status_code == 302
    repair_step = active_step(ticket)
    assert (repair_step.key, repair_step.owner, repair_step.accepted_at) == ("Task_repair", org.tech, None)
    page = tech.get(detail(ticket)).content.decode()
    assert 'data-testid="accept-step"' in page
    assert 'data-testid="outcome-done"' not in page  # 接单 first

    version = Ticket.objects.get(pk=ticket.pk).version
    assert tech.post(step_url(ticket, repair_step, "accept"), {"version": version}).status_code == 302
    assert active_step(ticket).accepted_at is not None

    before = state(ticket)
    version = before[0]
    refused = tech.post(step_url(ticket, repair_step, "complete"), {"outcome": "done", "version": version})
    assert refused.status_code == 422
    assert "请填写维修结果。" in refused.content.decode()
    assert state(ticket) == before

    done = tech.post(
        step_url(ticket, repair_step, "complete"),
        {"outcome": "done", "resolution": "更换温控器", "version": version},
    )
    assert done.status_code == 302
    acceptance = active_step(ticket)
    assert (acceptance.key, acceptance.owner) == ("Task_acceptance", org.store_manager)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_ACCEPTANCE

    before = state(ticket)
    no_rating = store.post(
        step_url(ticket, acceptance, "complete"), {"outcome": "accept", "version": before[0]}
    )
    assert no_rating.status_code == 422
    assert "请选择评分。" in no_rating.content.decode()
    assert state(ticket) == before

    accepted = store.post(
        step_url(ticket, acceptance, "complete"),
        {"outcome": "accept", "rating": "4", "rating_comment": "很快", "version": before[0]},
    )
    assert accepted.status_code == 302
    closed = Ticket.objects.get(pk=ticket.pk)
    assert (closed.status, closed.satisfaction, closed.satisfaction_comment) == (Status.CLOSED, 4, "很快")
    assert closed.resolution == "更换温控器"
    assert not Step.objects.filter(ticket=ticket, state=StepState.ACTIVE).exists()
    page = store.get(detail(ticket)).content.decode()
    assert "已关闭" in page
    assert 'data-testid="action-panel"' not in page


def test_return_needs_a_reason_and_goes_back_to_dispatch(org: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    tech = client_for(org.tech)
    before = state(ticket)

    refused = tech.post(
        step_url(ticket, step, "complete"), {"outcome": "return", "reason": " ", "version": before[0]}
    )
    assert refused.status_code == 422
    assert "请填写原因。" in refused.content.decode()
    assert state(ticket) == before

    returned = tech.post(
        step_url(ticket, step, "complete"),
        {"outcome": "return", "reason": "缺少压缩机配件", "version": before[0]},
    )
    assert returned.status_code == 302
    back = active_step(ticket)
    assert (back.key, back.owner) == ("Task_dispatch", org.dispatcher)
    old = Step.objects.get(pk=step.pk)
    assert (old.state, old.outcome, old.reason) == (StepState.COMPLETED, "return", "缺少压缩机配件")
    page = client_for(org.dispatcher).get(detail(ticket)).content.decode()
    assert "张师傅 退回了「维修」" in page
    assert "缺少压缩机配件" in page


def test_a_stale_form_is_refused_and_changes_nothing(org: Any) -> None:
    ticket = open_ticket(org)
    step = active_step(ticket)
    stale_version = ticket.version
    services.add_comment(ticket=ticket, actor=org.store_manager, body="还是不制冷")
    before = state(ticket)
    response = client_for(org.dispatcher).post(
        step_url(ticket, step, "complete"),
        {"outcome": "assign", "technician": org.tech.pk, "version": stale_version},
    )
    assert response.status_code == 409
    assert STALE in response.content.decode()
    assert state(ticket) == before


def test_someone_else_cannot_complete_the_step(org: Any) -> None:
    ticket = open_ticket(org)
    step = active_step(ticket)
    before = state(ticket)
    response = client_for(org.store_manager).post(
        step_url(ticket, step, "complete"),
        {"outcome": "assign", "technician": org.tech.pk, "version": before[0]},
    )
    assert response.status_code == 403
    assert "只有本环节的责任人可以处理。" in response.content.decode()
    assert state(ticket) == before


def test_dispatching_to_another_departments_technician_is_refused(org: Any) -> None:
    ticket = open_ticket(org)
    step = active_step(ticket)
    before = state(ticket)
    response = client_for(org.dispatcher).post(
        step_url(ticket, step, "complete"),
        {"outcome": "assign", "technician": org.south_tech.pk, "version": 1},
    )
    assert response.status_code == 422
    assert 'data-testid="error-technician"' in response.content.decode()
    assert state(ticket) == before


def test_reassign_needs_a_reason(org: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    dispatcher = client_for(org.dispatcher)
    before = state(ticket)
    refused = dispatcher.post(
        step_url(ticket, step, "reassign"), {"owner": org.tech2.pk, "reason": "", "version": before[0]}
    )
    assert refused.status_code == 422
    assert "请填写原因。" in refused.content.decode()
    assert state(ticket) == before

    done = dispatcher.post(
        step_url(ticket, step, "reassign"),
        {"owner": org.tech2.pk, "reason": "张师傅请假", "version": before[0]},
    )
    assert done.status_code == 302
    assert active_step(ticket).owner == org.tech2
    event = TicketEvent.objects.filter(ticket=ticket, kind="step_reassigned").get()
    assert event.data["reason"] == "张师傅请假"


def test_collaborator_and_comments(org: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    step = active_step(ticket)
    tech, store = client_for(org.tech), client_for(org.store_manager)
    assert tech.post(step_url(ticket, step, "collaborator"), {"user": org.tech2.pk}).status_code == 302
    assert list(Step.objects.get(pk=step.pk).collaborators.all()) == [org.tech2]

    url = reverse("ticket-comment", args=[ticket.pk])
    assert tech.post(url, {"body": "压缩机过热", "internal": "1", "photos": [photo()]}).status_code == 302
    internal = Comment.objects.get(ticket=ticket)
    assert (internal.internal, internal.attachments.count()) == (True, 1)
    assert store.post(url, {"body": "谢谢师傅", "internal": "1"}).status_code == 302
    public = Comment.objects.filter(ticket=ticket).latest("pk")
    assert (public.body, public.internal) == ("谢谢师傅", False)  # no internal box for requesters

    store_page = store.get(detail(ticket)).content.decode()
    assert "谢谢师傅" in store_page
    assert "压缩机过热" not in store_page
    assert "压缩机过热" in tech.get(detail(ticket)).content.decode()

    before = state(ticket)
    empty = store.post(url, {"body": "  "})
    assert empty.status_code == 422
    assert "请填写评论内容或添加照片。" in empty.content.decode()
    assert state(ticket) == before


def test_detail_speaks_english_when_asked(org: Any) -> None:
    ticket = repair(dispatch(org, open_ticket(org)))
    client = client_for(org.store_manager)
    client.cookies["django_language"] = "en"
    page = client.get(detail(ticket)).content.decode()
    assert "Awaiting acceptance" in page
    assert "张师傅 marked it repaired" in page
    assert "dispatched to 张师傅" in page
    assert "Accept" in page
    assert "待验收" not in page


def test_detail_query_count_does_not_grow_with_history(org: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    services.add_comment(ticket=ticket, actor=org.tech, body="到店", files=[("a.jpg", jpeg())])
    client = client_for(org.tech)
    client.get(detail(ticket))
    with CaptureQueriesContext(connection) as short:
        client.get(detail(ticket))
    for i in range(5):
        services.add_comment(ticket=ticket, actor=org.tech, body=f"进展 {i}", files=[("a.jpg", jpeg())])
    with CaptureQueriesContext(connection) as long:
        client.get(detail(ticket))
    assert len(long) == len(short)
