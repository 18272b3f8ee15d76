"""Warning, breach and escalation timers: swept, never early, exactly once, stamped with their due time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from baton.notifications.models import Notification, OutboxMessage
from baton.sla.models import EscalationAnchor, SlaClock, SlaTimer
from baton.sla.services import timers
from baton.tickets import services
from baton.tickets.models import TicketEvent
from baton.tickets.tests.helpers import active_step, dispatch, fresh, open_ticket

from .factories import T0, escalation, store_policy

pytestmark = pytest.mark.django_db


def sla_events(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind__startswith="sla_")
        .order_by("seq")
        .values_list("kind", "created_at", "data")
    )


def test_nothing_fires_before_its_due_time(org):
    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    with time_machine.travel(T0 + timedelta(minutes=24) - timedelta(microseconds=1), tick=False):
        assert timers.sweep_all() == 0
    assert sla_events(ticket) == []
    assert Notification.objects.filter(event__startswith="sla").count() == 0


def test_warning_then_breach_fire_once_each_and_notify_the_owner(org):
    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    with time_machine.travel(T0 + timedelta(minutes=24), tick=False):
        assert timers.sweep_all() == 2  # dispatch and the dispatch step (PT30M): 80 % of 30 min
        assert timers.sweep_all() == 0
    with time_machine.travel(T0 + timedelta(minutes=30, seconds=20), tick=False):
        assert timers.sweep_all() == 2  # dispatch breach + the dispatch step's own breach (PT30M)
        assert timers.sweep_all() == 0
    kinds = [(kind, at, data["clock"]) for kind, at, data in sla_events(ticket)]
    assert kinds == [
        ("sla_warning", T0 + timedelta(minutes=24), "dispatch"),
        ("sla_warning", T0 + timedelta(minutes=24), "step:Task_dispatch"),
        ("sla_breached", T0 + timedelta(minutes=30), "dispatch"),
        ("sla_breached", T0 + timedelta(minutes=30), "step:Task_dispatch"),
    ]
    assert SlaClock.objects.get(ticket=ticket, kind="dispatch").breached_at == T0 + timedelta(minutes=30)
    notes = list(
        Notification.objects.filter(ticket_id=ticket.pk, event__startswith="sla").values_list("event", "user")
    )
    assert sorted(notes) == [
        ("sla_breach", org.dispatcher.pk),
        ("sla_breach", org.dispatcher.pk),
        ("sla_warning", org.dispatcher.pk),
        ("sla_warning", org.dispatcher.pk),
    ]


def test_missed_breach_after_two_hours_down_fires_once_stamped_with_the_due_time(org):
    store_policy()
    escalation(
        "Task_dispatch",
        (EscalationAnchor.BREACH, timedelta(minutes=15), ["dispatcher"], ["in_app"]),
        (EscalationAnchor.BREACH, timedelta(hours=1), ["department_manager"], ["in_app", "email"]),
        (EscalationAnchor.BREACH, timedelta(hours=3), ["region_manager"], ["in_app"]),
    )
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    down_until = T0 + timedelta(minutes=30, hours=2)
    with time_machine.travel(down_until, tick=False):
        first = timers.sweep_all()
        second = timers.sweep_all()
    # 2 warnings (skipped: the breach speaks) + 2 breaches, then the 2 escalation levels already due
    assert (first, second) == (6, 0)
    with time_machine.travel(down_until, tick=False):
        assert timers.sweep_all() == 0
    events = sla_events(ticket)
    breaches = [
        (at, data["clock"], data["breached_at"]) for kind, at, data in events if kind == "sla_breached"
    ]
    assert breaches == [
        (T0 + timedelta(minutes=30), "dispatch", (T0 + timedelta(minutes=30)).isoformat()),
        (T0 + timedelta(minutes=30), "step:Task_dispatch", (T0 + timedelta(minutes=30)).isoformat()),
    ]
    assert [kind for kind, _, _ in events].count("sla_warning") == 0
    escalated = [
        (data["level"], data["to"], data["due_at"]) for kind, _, data in events if kind == "sla_escalated"
    ]
    assert escalated == [
        (1, [org.dispatcher.pk], (T0 + timedelta(minutes=45)).isoformat()),
        (2, [org.manager.pk], (T0 + timedelta(minutes=90)).isoformat()),
    ]
    assert list(
        SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True)
        .order_by("due_at")
        .values_list("kind", "due_at")
    ) == [
        ("warning", T0 + timedelta(hours=3, minutes=12)),
        ("escalation", T0 + timedelta(minutes=210)),
        ("breach", T0 + timedelta(hours=4)),
    ]


def test_untouched_for_two_hours_sends_sms_to_owner_and_superior_unless_accepted(org):
    org.tech.phone, org.dispatcher.phone = "13800000001", "13800000002"
    org.tech.save()
    org.dispatcher.save()
    escalation(
        "Task_repair", (EscalationAnchor.STEP_START, timedelta(hours=2), ["owner", "superior"], ["sms"])
    )
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
        handled = open_ticket(org)
        dispatch(org, handled)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        step = active_step(handled)
        services.accept_step(ticket=fresh(handled), step_id=step.pk, actor=org.tech)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert timers.sweep_all() == 1
    sms = list(
        OutboxMessage.objects.filter(event="escalated", channel="sms")
        .order_by("address")
        .values_list("ticket_id", "address")
    )
    assert sms == [(ticket.pk, "13800000001"), (ticket.pk, "13800000002")]
    assert not OutboxMessage.objects.filter(ticket_id=handled.pk, event="escalated").exists()
    assert not TicketEvent.objects.filter(ticket=handled, kind="sla_escalated").exists()


def test_holding_stops_pending_levels(org):
    escalation("Task_repair", (EscalationAnchor.STEP_START, timedelta(hours=2), ["owner"], ["in_app"]))
    with time_machine.travel(T0, tick=False):
        held = open_ticket(org)
        dispatch(org, held)
        services.put_on_hold(
            ticket=fresh(held), actor=org.tech, status="waiting_customer", reason="客户不在店"
        )
    assert not SlaTimer.objects.filter(kind="escalation", fired_at__isnull=True).exists()
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        timers.sweep_all()
    assert not TicketEvent.objects.filter(kind="sla_escalated").exists()


def _escalated(ticket):
    return [
        (at, data["level"], data["to"]) for kind, at, data in sla_events(ticket) if kind == "sla_escalated"
    ]


@pytest.mark.parametrize("by", ["person", "system"])
def test_reassigned_step_left_untouched_escalates_to_the_new_owner_counted_from_the_reassignment(org, by):
    escalation("Task_repair", (EscalationAnchor.STEP_START, timedelta(hours=2), ["owner"], ["in_app"]))
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    step = active_step(ticket)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        if by == "person":
            services.reassign_step(
                ticket=fresh(ticket), step_id=step.pk, actor=org.dispatcher, new_owner=org.tech2, reason="调"
            )
        else:
            services.reassign_as_system(ticket=fresh(ticket), step_id=step.pk, new_owner=org.tech2, why="升")
    assert list(
        SlaTimer.objects.filter(ticket=ticket, kind="escalation", fired_at__isnull=True).values_list(
            "due_at", flat=True
        )
    ) == [T0 + timedelta(hours=3)]
    with time_machine.travel(T0 + timedelta(hours=3) - timedelta(microseconds=1), tick=False):
        assert timers.sweep_all() == 0  # not at the old owner's 2 h
    assert _escalated(ticket) == []
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert timers.sweep_all() == 1
        assert timers.sweep_all() == 0
    assert _escalated(ticket) == [(T0 + timedelta(hours=3), 1, [org.tech2.pk])]
    assert list(
        Notification.objects.filter(ticket_id=ticket.pk, event="escalated").values_list("user", flat=True)
    ) == [org.tech2.pk]


def test_reassigned_step_accepted_by_the_new_owner_does_not_escalate(org):
    escalation("Task_repair", (EscalationAnchor.STEP_START, timedelta(hours=2), ["owner"], ["in_app"]))
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    step = active_step(ticket)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.reassign_step(
            ticket=fresh(ticket), step_id=step.pk, actor=org.dispatcher, new_owner=org.tech2, reason="调休"
        )
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        services.accept_step(ticket=fresh(ticket), step_id=step.pk, actor=org.tech2)
    assert not SlaTimer.objects.filter(ticket=ticket, kind="escalation", fired_at__isnull=True).exists()
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        timers.sweep_all()
    assert _escalated(ticket) == []
    assert not Notification.objects.filter(ticket_id=ticket.pk, event="escalated").exists()


def test_reassigning_a_breached_step_re_arms_breach_levels_from_the_reassignment(org):
    store_policy(steps={"Task_repair": (timedelta(hours=1), False)})
    escalation("Task_repair", (EscalationAnchor.BREACH, timedelta(minutes=30), ["owner"], ["in_app"]))
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    step = active_step(ticket)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        timers.sweep_all()  # the step breaches: its level is armed for T0 + 1.5 h
    with time_machine.travel(T0 + timedelta(hours=1, minutes=20), tick=False):
        services.reassign_step(
            ticket=fresh(ticket), step_id=step.pk, actor=org.dispatcher, new_owner=org.tech2, reason="调休"
        )
    assert list(
        SlaTimer.objects.filter(ticket=ticket, kind="escalation", fired_at__isnull=True).values_list(
            "due_at", flat=True
        )
    ) == [T0 + timedelta(hours=1, minutes=50)]
    with time_machine.travel(T0 + timedelta(hours=1, minutes=50), tick=False):
        assert timers.sweep_all() == 1
    assert _escalated(ticket) == [(T0 + timedelta(hours=1, minutes=50), 1, [org.tech2.pk])]


def test_audit_chain_stays_intact_after_sla_events(org):
    from baton.tickets.events import verify_ticket

    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        timers.sweep_all()
        dispatch(org, fresh(ticket))
    assert verify_ticket(fresh(ticket)) == []
    assert fresh(ticket).audit_seq == TicketEvent.objects.filter(ticket=ticket).count()


def test_escalation_level_posts_to_its_group_robots_and_to_the_region_manager(org):
    from baton.notifications.models import ChannelEndpoint

    robot = ChannelEndpoint.objects.create(
        kind="dingtalk", name="维修群", url="https://oapi.dingtalk.com/robot/x"
    )
    ChannelEndpoint.objects.create(
        kind="feishu", name="飞书群", url="https://open.feishu.cn/x"
    )  # not asked for
    org.hq.manager = org.admin
    org.hq.save()
    escalation(
        "Task_dispatch",
        (EscalationAnchor.STEP_START, timedelta(minutes=15), ["region_manager"], ["dingtalk"]),
    )
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        assert timers.sweep_all() == 1
    posts = list(OutboxMessage.objects.filter(event="escalated").values_list("channel", "endpoint", "user"))
    assert posts == [("dingtalk", robot.pk, None)]
    notes = list(Notification.objects.filter(event="escalated").values_list("user", "ticket_id"))
    assert notes == [(org.admin.pk, ticket.pk)]  # the manager above 华北区 (总部), in-app only


def test_resuming_a_held_ticket_rearms_its_levels_counted_from_the_resumption(org):
    escalation("Task_repair", (EscalationAnchor.STEP_START, timedelta(hours=2), ["owner"], ["in_app"]))
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
        services.put_on_hold(
            ticket=fresh(ticket), actor=org.tech, status="waiting_customer", reason="客户不在店"
        )
    assert not SlaTimer.objects.filter(kind="escalation", fired_at__isnull=True).exists()
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.resume_ticket(ticket=fresh(ticket), actor=org.tech)
    unfired = SlaTimer.objects.filter(kind="escalation", fired_at__isnull=True)
    armed = list(unfired.values_list("due_at", flat=True))
    assert armed == [T0 + timedelta(hours=3)]
    with time_machine.travel(T0 + timedelta(hours=2, minutes=59), tick=False):
        timers.sweep_all()
    assert not TicketEvent.objects.filter(kind="sla_escalated").exists()
    with time_machine.travel(T0 + timedelta(hours=3, minutes=1), tick=False):
        timers.sweep_all()
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_escalated").count() == 1


def test_a_ticket_handed_to_another_department_keeps_escalating_for_the_new_owner(org):
    escalation("Task_dispatch", (EscalationAnchor.STEP_START, timedelta(hours=2), ["owner"], ["in_app"]))
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.transfer_ticket(ticket=fresh(ticket), department=org.south, reason="华南区负责冷柜")
    step = active_step(ticket)
    assert step.owner == org.south_dispatcher
    armed = list(
        SlaTimer.objects.filter(kind="escalation", fired_at__isnull=True, clock__step=step).values_list(
            "due_at", flat=True
        )
    )
    assert armed == [T0 + timedelta(hours=3)]
