"""Approvals on the ticket page and delegation on the profile page; refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from baton.accounts.models import Delegation
from baton.tickets.models import Ticket, TicketEvent
from baton.web.tests.pages import client_for, detail, state, step_url

from .helpers import active_step
from .test_approvals import open_for_approval, open_rows, row_of

pytestmark = pytest.mark.django_db


def version(ticket: Ticket) -> int:
    return Ticket.objects.get(pk=ticket.pk).version


def test_an_any_of_approver_sees_approve_reject_to_and_add_approver(org: Any) -> None:
    ticket = open_for_approval(org, mode="any")
    page = client_for(org.tech2).get(detail(ticket)).content.decode()
    for testid in ("outcome-approve", "toggle-reject", "toggle-reject-to", "toggle-add-approver"):
        assert f'data-testid="{testid}"' in page, testid
    assert '<option value="Task_review">复核</option>' in page
    assert '<option value="Task_request">申请</option>' in page
    response = client_for(org.tech2).post(
        step_url(ticket, row_of(ticket, "tech2"), "complete"),
        {"outcome": "approve", "version": version(ticket)},
    )
    assert response.status_code == 302
    assert open_rows(ticket) == [("Task_work", "dispatcher", "active")]


def test_reject_to_a_step_from_the_page(org: Any) -> None:
    ticket = open_for_approval(org, mode="single")
    step = active_step(ticket)
    client = client_for(org.manager)
    before = state(ticket)
    refused = client.post(
        step_url(ticket, step, "reject"),
        {"to_step": "Task_request", "reason": "", "version": version(ticket)},
    )
    assert refused.status_code == 422
    assert "请填写原因" in refused.content.decode()
    assert state(ticket) == before
    invalid = client.post(
        step_url(ticket, step, "reject"), {"to_step": "Task_work", "reason": "x", "version": version(ticket)}
    )
    assert invalid.status_code == 422
    assert state(ticket) == before
    done = client.post(
        step_url(ticket, step, "reject"),
        {"to_step": "Task_request", "reason": "金额不对", "version": version(ticket)},
    )
    assert done.status_code == 302
    assert open_rows(ticket) == [("Task_request", "dispatcher", "active")]
    timeline = client_for(org.dispatcher).get(detail(ticket)).content.decode()
    assert "金额不对" in timeline


def test_someone_else_cannot_reject_or_add_from_the_page(org: Any) -> None:
    ticket = open_for_approval(org, mode="single")
    step = active_step(ticket)
    before = state(ticket)
    client = client_for(org.tech)
    data = {"to_step": "Task_request", "reason": "x", "version": version(ticket)}
    assert client.post(step_url(ticket, step, "reject"), data).status_code == 403
    data = {"user": org.tech2.pk, "position": "after", "reason": "x", "version": version(ticket)}
    assert client.post(step_url(ticket, step, "add-approver"), data).status_code == 403
    south = client_for(org.south_dispatcher)
    assert south.post(step_url(ticket, step, "reject"), data).status_code == 404
    assert state(ticket) == before


def test_add_an_approver_before_me_from_the_page(org: Any) -> None:
    ticket = open_for_approval(org, mode="single")
    step = active_step(ticket)
    client = client_for(org.manager)
    response = client.post(
        step_url(ticket, step, "add-approver"),
        {"user": org.tech.pk, "position": "before", "reason": "请技术先看", "version": version(ticket)},
    )
    assert response.status_code == 302
    assert open_rows(ticket) == [("Task_approval", "manager", "queued"), ("Task_approval", "tech", "active")]
    page = client_for(org.tech).get(detail(ticket)).content.decode()
    assert 'data-testid="outcome-approve"' in page
    assert "请技术先看" in page
    assert page.count('data-testid="waiting-approver"') == 1
    assert "王经理 在其加签的审批人同意后再审批" in page


def test_the_profile_sets_and_cancels_an_away_period(org: Any) -> None:
    client = client_for(org.manager)
    page = client.get(reverse("profile")).content.decode()
    assert 'data-testid="away-form"' in page
    bad = client.post(
        reverse("away-set"),
        {"starts_at": "2099-01-05T09:00", "ends_at": "2099-01-01T09:00", "delegate": org.tech2.pk},
    )
    assert bad.status_code == 422
    assert Delegation.objects.count() == 0
    ok = client.post(
        reverse("away-set"),
        {
            "starts_at": "2099-01-01T09:00",
            "ends_at": "2099-01-05T18:00",
            "delegate": org.tech2.pk,
            "note": "年假",
        },
    )
    assert ok.status_code == 302
    away = Delegation.objects.get()
    assert (away.user, away.delegate, away.note) == (org.manager, org.tech2, "年假")
    page = client.get(reverse("profile")).content.decode()
    assert 'data-testid="away-period"' in page
    assert client_for(org.tech).post(reverse("away-cancel", args=[away.pk])).status_code == 302
    assert Delegation.objects.get().cancelled_at is None  # not theirs: refused, nothing changed
    assert client.post(reverse("away-cancel", args=[away.pk])).status_code == 302
    assert Delegation.objects.get().cancelled_at is not None


def test_timeline_shows_on_behalf_of(org: Any) -> None:
    from datetime import timedelta

    from baton.accounts import services as accounts
    from baton.core import clock

    now = clock.now()
    accounts.set_away(user=org.manager, starts_at=now, ends_at=now + timedelta(days=1), delegate=org.tech2)
    ticket = open_for_approval(org, mode="single")
    page = client_for(org.tech2).get(detail(ticket)).content.decode()
    assert 'data-testid="on-behalf-of"' in page
    assert "王经理" in page
    assert TicketEvent.objects.filter(ticket=ticket, data__on_behalf_of=org.manager.pk).count() == 1
