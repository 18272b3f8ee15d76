"""The demo's SLA seed works out of the box: store hours, the store SLA and both escalation chains."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from baton.demo.sla import seed_sla
from baton.notifications.models import Notification, OutboxMessage
from baton.sla.models import EscalationPolicy, SlaPolicy
from baton.sla.services import timers
from baton.tickets.tests.helpers import dispatch, fresh, open_ticket

from .factories import T0, clocks_of

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_gives_every_site_the_store_calendar(org):
    seed_sla()
    seed_sla()
    assert SlaPolicy.objects.count() == 1
    assert sorted(EscalationPolicy.objects.values_list("step_key", flat=True)) == [
        "Task_dispatch",
        "Task_repair",
    ]
    org.site.refresh_from_db()
    assert org.site.calendar is not None
    assert org.site.calendar.code == "store"


def test_store_ticket_after_hours_is_due_four_store_hours_later_and_alerts_the_supervisor(org):
    seed_sla()
    org.tech.phone, org.dispatcher.phone = "13800000001", "13800000002"
    org.tech.save()
    org.dispatcher.save()
    opened = T0 + timedelta(hours=11, minutes=50)  # 21:50 local, ten minutes before the store closes
    with time_machine.travel(opened, tick=False):
        ticket = open_ticket(org)
    clocks = clocks_of(ticket)
    assert clocks["dispatch"].due_at == opened + timedelta(minutes=30)  # wall time
    assert fresh(ticket).due_at == T0 + timedelta(days=1, hours=3, minutes=50)  # 10 min + 3 h 50 next day
    with time_machine.travel(opened + timedelta(minutes=15), tick=False):
        timers.sweep_all()
    alert = Notification.objects.get(event="escalated", ticket_id=ticket.pk)
    assert alert.user_id == org.dispatcher.pk
    sms = list(
        OutboxMessage.objects.filter(event="escalated", channel="sms").values_list("address", flat=True)
    )
    assert sms == ["13800000002"]
    with time_machine.travel(opened + timedelta(minutes=20), tick=False):
        dispatch(org, fresh(ticket))
    with time_machine.travel(opened + timedelta(minutes=20, hours=2), tick=False):
        timers.sweep_all()
    untouched = sorted(
        OutboxMessage.objects.filter(event="escalated", channel="sms").values_list("address", flat=True)
    )
    assert untouched == ["13800000001", "13800000002", "13800000002"]  # owner + superior, after 2 h
