"""Admin pages: saving a policy or a site's calendar recomputes open tickets; bad levels are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from baton.sla.models import EscalationLevel, EscalationPolicy, SlaPolicy
from baton.tickets.models import TicketEvent
from baton.tickets.tests.helpers import fresh, open_ticket

from .factories import T0, store_calendar, store_policy

pytestmark = pytest.mark.django_db


def admin_client(org):
    client = Client()
    client.force_login(org.admin)
    return client


def test_saving_a_policy_in_the_admin_recomputes_open_tickets(org):
    policy = store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    form = {
        "name": "store",
        "active": "on",
        "order": "100",
        "ticket_type": "store_repair",
        "priority": "",
        "customer_level": "",
        "dispatch_target": "00:30:00",
        "resolve_target": "06:00:00",
        "warning_percent": "80",
        "pause_statuses": '["waiting_parts", "waiting_customer"]',
        "notify_on_breach": "on",
        "step_targets-TOTAL_FORMS": "0",
        "step_targets-INITIAL_FORMS": "0",
    }
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        response = admin_client(org).post(f"/admin/sla/slapolicy/{policy.pk}/change/", form)
    assert response.status_code == 302
    assert fresh(ticket).due_at == T0 + timedelta(hours=6)
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_recomputed").count() == 1


def test_policy_with_a_closed_pause_status_is_refused_and_nothing_changes(org):
    response = admin_client(org).post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "bad",
            "order": "1",
            "warning_percent": "80",
            "pause_statuses": '["closed"]',
            "step_targets-TOTAL_FORMS": "0",
            "step_targets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "已关闭和已取消的工单没有可暂停的时效。" in response.content.decode()  # admin reads Chinese
    assert SlaPolicy.objects.count() == 0


def test_escalation_level_with_an_unknown_channel_is_refused(org):
    response = admin_client(org).post(
        "/admin/sla/escalationpolicy/add/",
        {
            "name": "x",
            "active": "on",
            "step_key": "",
            "levels-TOTAL_FORMS": "1",
            "levels-INITIAL_FORMS": "0",
            "levels-MIN_NUM_FORMS": "1",
            "levels-0-level": "1",
            "levels-0-anchor": "breach",
            "levels-0-delay": "00:15:00",
            "levels-0-targets": '["owner"]',
            "levels-0-channels": '["pigeon"]',
        },
    )
    assert response.status_code == 200
    assert EscalationPolicy.objects.count() == 0
    assert EscalationLevel.objects.count() == 0


def test_picking_a_site_calendar_in_the_admin_moves_open_due_times(org):
    calendar = store_calendar()
    store_policy(resolve_business=True)
    with time_machine.travel(T0 + timedelta(hours=11, minutes=30), tick=False):  # 21:30 local
        ticket = open_ticket(org)
    assert fresh(ticket).due_at == T0 + timedelta(hours=15, minutes=30)  # no calendar yet: wall time
    site = org.site
    form = {
        "code": site.code,
        "name": site.name,
        "region": site.region_id,
        "customer": site.customer_id,
        "address": site.address,
        "time_zone": site.time_zone,
        "revenue_per_hour": "0",
        "manager": site.manager_id,
        "calendar": calendar.pk,
    }
    with time_machine.travel(T0 + timedelta(hours=11, minutes=31), tick=False):
        response = admin_client(org).post(f"/admin/customers/site/{site.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(ticket).due_at == T0 + timedelta(days=1, hours=3, minutes=30)
