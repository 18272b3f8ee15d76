"""The clocks card on the ticket page, hold/resume from the page, and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from baton.sla.models import ClockState, SlaClock
from baton.tickets import services
from baton.tickets.models import Status, TicketEvent
from baton.tickets.tests.helpers import dispatch, fresh, open_ticket

from .factories import T0, store_policy

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_ticket_page_shows_each_clock_with_its_exact_due_time(org):
    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        html = client_for(org.dispatcher).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="sla-clocks"' in html
    assert 'data-testid="sla-clock-dispatch" data-state="breached"' in html
    assert 'data-testid="sla-clock-resolve" data-state="running"' in html
    assert "2026-11-23 14:00:00" in html  # resolve due: 10:00 + 4 h, Shanghai time
    assert "超时 10 分钟" in html  # the dispatcher reads Chinese (the default language)


def test_partial_is_a_404_for_another_departments_ticket(org):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    assert client_for(org.south_dispatcher).get(f"/tickets/{ticket.pk}/sla/").status_code == 404
    response = client_for(org.dispatcher).get(f"/tickets/{ticket.pk}/sla/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().startswith('<div class="card mb-3" id="sla-clocks"')


def test_owner_puts_on_hold_and_resumes_from_the_page(org):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    tech = client_for(org.tech)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        page = tech.get(f"/tickets/{ticket.pk}/").content.decode()
        assert 'data-testid="sla-hold-form"' in page
        refused = tech.post(f"/tickets/{ticket.pk}/sla/hold/", {"status": "waiting_parts", "reason": ""})
        assert refused.status_code == 422
        assert fresh(ticket).status == Status.IN_REPAIR
        done = tech.post(f"/tickets/{ticket.pk}/sla/hold/", {"status": "waiting_parts", "reason": "等配件"})
    assert (done.status_code, done["Location"]) == (302, f"/tickets/{ticket.pk}/")
    assert fresh(ticket).status == Status.WAITING_PARTS
    assert set(
        SlaClock.objects.filter(ticket=ticket, state__in=["running", "paused"]).values_list(
            "state", flat=True
        )
    ) == {ClockState.PAUSED}
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        page = tech.get(f"/tickets/{ticket.pk}/").content.decode()
        assert 'data-testid="sla-on-hold"' in page
        assert 'data-testid="sla-resume-form"' in page
        resumed = tech.post(f"/tickets/{ticket.pk}/sla/resume/", HTTP_HX_REQUEST="true")
    assert (resumed.status_code, resumed["HX-Redirect"]) == (204, f"/tickets/{ticket.pk}/")
    assert fresh(ticket).status == Status.IN_REPAIR


def test_someone_without_a_step_gets_no_form_and_cannot_hold(org):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    tech2 = client_for(org.tech2)
    assert 'data-testid="sla-hold-form"' not in tech2.get(f"/tickets/{ticket.pk}/").content.decode()
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = tech2.post(f"/tickets/{ticket.pk}/sla/hold/", {"status": "waiting_parts", "reason": "x"})
    assert response.status_code == 403
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_api_returns_clocks_and_holds_with_clear_errors(org):
    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    api = client_for(org.dispatcher)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        clocks = api.get(f"/api/v1/tickets/{ticket.pk}/sla").json()
    assert [(c["kind"], c["state"], c["elapsed_seconds"], c["remaining_seconds"]) for c in clocks] == [
        ("dispatch", "running", 600, 1200),
        ("resolve", "running", 600, 4 * 3600 - 600),
        ("step:Task_dispatch", "running", 600, 1200),
    ]
    assert clocks[1]["due_at"] == "2026-11-23T06:00:00Z"
    bad = api.post(
        f"/api/v1/tickets/{ticket.pk}/hold",
        {"status": "waiting_customer", "reason": ""},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json() == {
        "code": "validation_error",
        "message": "reason is required.",
        "fields": {"reason": ["required"]},
    }
    wrong = api.post(
        f"/api/v1/tickets/{ticket.pk}/hold",
        {"status": "closed", "reason": "x"},
        content_type="application/json",
    )
    assert wrong.status_code == 422
    ok = api.post(
        f"/api/v1/tickets/{ticket.pk}/hold",
        {"status": "waiting_customer", "reason": "联系不上"},
        content_type="application/json",
    )
    assert (ok.status_code, ok.json()["status"]) == (200, "waiting_customer")
    assert client_for(org.south_dispatcher).get(f"/api/v1/tickets/{ticket.pk}/sla").status_code == 404


def test_timeline_reads_sla_events_and_the_hold_reason(org):
    from baton.sla.services import timers

    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        services.put_on_hold(
            ticket=fresh(ticket), actor=org.dispatcher, status="waiting_customer", reason="店长未回电"
        )
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        services.resume_ticket(ticket=fresh(ticket), actor=org.dispatcher)
    with time_machine.travel(T0 + timedelta(minutes=41), tick=False):
        timers.sweep_all()
        html = client_for(org.dispatcher).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "时效超时：派工时效" in html
    assert "应于 11月23日 10:40 完成" in html  # 30 min + the 10 min on hold
    assert "店长未回电" in html
