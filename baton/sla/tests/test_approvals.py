"""SLA clocks follow approvals: 加签 before me stops my clock until I am resumed; hand-overs re-plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from baton.sla.models import ClockState, SlaClock, SlaTimer
from baton.tickets import services
from baton.tickets.tests.approval_flows import TICKET_TYPE, deploy_approval_flow
from baton.tickets.tests.helpers import active_step, fresh, open_ticket

from .factories import T0

pytestmark = pytest.mark.django_db


def step_clocks(ticket):
    rows = SlaClock.objects.filter(ticket=ticket, kind="step:Task_approval").select_related("step__owner")
    return [
        (c.step.owner.username if c.step else "", c.state, c.started_at, c.due_at)
        for c in rows.order_by("pk")
    ]


def test_approver_added_before_me_pauses_my_clock_until_i_am_resumed(org):
    deploy_approval_flow(mode="single")
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org, ticket_type=TICKET_TYPE)
        for outcome in ("submit", "done"):
            step = active_step(ticket)
            ticket = services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner, outcome=outcome)
        mine = active_step(ticket)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.add_approver(
            ticket=fresh(ticket),
            step_id=mine.pk,
            actor=org.manager,
            user=org.tech,
            position="before",
            reason="先看",
        )
    four = timedelta(hours=4)
    assert step_clocks(ticket) == [
        ("manager", ClockState.CANCELLED, T0, T0 + four),
        ("tech", ClockState.RUNNING, T0 + timedelta(hours=1), T0 + timedelta(hours=1) + four),
    ]
    assert not SlaTimer.objects.filter(clock__step=mine, fired_at__isnull=True).exists()
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        step = active_step(fresh(ticket))
        services.complete_step(ticket=fresh(ticket), step_id=step.pk, actor=org.tech, outcome="approve")
    assert step_clocks(ticket)[1:] == [
        ("tech", ClockState.STOPPED, T0 + timedelta(hours=1), T0 + timedelta(hours=1) + four),
        ("manager", ClockState.RUNNING, T0 + timedelta(hours=2), T0 + timedelta(hours=2) + four),
    ]
    assert active_step(ticket).due_at == T0 + timedelta(hours=2) + four


def test_handing_a_ticket_to_another_department_replans_its_calendar(org):
    from .factories import store_calendar, store_policy

    org.south.calendar = store_calendar()
    org.south.save()
    store_policy(resolve_business=True)
    with time_machine.travel(T0 + timedelta(hours=11, minutes=30), tick=False):  # 21:30 local
        ticket = open_ticket(org)
        assert fresh(ticket).due_at == T0 + timedelta(hours=15, minutes=30)  # north: no calendar, wall time
        services.transfer_ticket(
            ticket=fresh(ticket), department=org.south, actor=org.dispatcher, reason="归华南"
        )
    # 北京王府井店 (the site) has no calendar of its own: the ticket now counts on 华南区's store hours
    assert fresh(ticket).due_at == T0 + timedelta(days=1, hours=3, minutes=30)
