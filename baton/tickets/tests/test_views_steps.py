"""Step actions on the ticket page (派工, 接单, 完工, 退回, 验收, 转派, 协同人, comments): what each form
does, and that a refused or stale form changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baton.tickets import services
from baton.tickets.models import Comment, Status, Step, StepState, Ticket, TicketEvent
from baton.tickets.tests.helpers import active_step, dispatch, jpeg, open_ticket, repair
from baton.web.tests.pages import STALE, client_for, detail, photo, state, step_url

pytestmark = pytest.mark.django_db


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

    store_page = store.get(detail(ticket)).content.decode()
    assert 'data-testid="outcome-accept"' in store_page
    assert 'data-testid="toggle-reject"' in store_page
    assert 'data-testid="toggle-reassign"' not in store_page  # requesters do not hand steps around

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


def test_timeline_shows_who_changed_what_from_and_to(org: Any) -> None:
    ticket = open_ticket(org)
    services.update_ticket(ticket=ticket, actor=org.manager, changes={"priority": "urgent"})
    page = client_for(org.dispatcher).get(detail(ticket)).content.decode()
    assert "王经理 修改了工单" in page
    assert '<span class="text-secondary me-1">优先级</span><del>普通</del> → <strong>紧急</strong>' in page
    assert "<del>新建</del> → <strong>待派工</strong>" in page
