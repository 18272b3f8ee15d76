"""Per-ticket clocks follow the ticket's events: start, stop, pause on hold, business time, recompute."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baton.automation.models import DispatchSetting
from baton.core.errors import Forbidden, InvalidTransition, ValidationFailed
from baton.sla.models import ClockState, SlaClock, SlaTimer
from baton.sla.services import recompute
from baton.tickets import services
from baton.tickets.models import Status, StepState, TicketEvent
from baton.tickets.tests.helpers import accept, active_step, dispatch, fresh, open_ticket, repair

from .factories import T0, clocks_of, escalation, pending, store_calendar, store_policy

pytestmark = pytest.mark.django_db


def test_without_a_policy_the_resolve_and_step_clocks_use_the_old_wall_targets(org):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    clocks = clocks_of(ticket)
    assert sorted(clocks) == ["resolve", "step:Task_dispatch"]
    assert clocks["resolve"].due_at == T0 + timedelta(hours=24) == fresh(ticket).due_at
    assert clocks["step:Task_dispatch"].due_at == T0 + timedelta(minutes=30) == active_step(ticket).due_at
    assert clocks["resolve"].policy_id is None
    assert clocks["resolve"].warning_at is None
    assert pending(ticket) == [
        ("resolve", "breach", T0 + timedelta(hours=24)),
        ("step:Task_dispatch", "breach", T0 + timedelta(minutes=30)),
    ]


def test_store_policy_starts_dispatch_and_resolve_with_warnings(org):
    policy = store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    clocks = clocks_of(ticket)
    assert sorted(clocks) == ["dispatch", "resolve", "step:Task_dispatch"]
    assert (clocks["dispatch"].due_at, clocks["dispatch"].warning_at) == (
        T0 + timedelta(minutes=30),
        T0 + timedelta(minutes=24),
    )
    assert clocks["resolve"].due_at == T0 + timedelta(hours=4) == fresh(ticket).due_at
    assert {c.policy_id for c in clocks.values()} == {policy.pk}
    assert all(c.state == ClockState.RUNNING for c in clocks.values())


def test_most_specific_policy_wins_within_the_same_order(org):
    store_policy(name="any store repair")
    vip = store_policy(
        name="VIP urgent", customer_level="vip", priority="urgent", resolve_target=timedelta(hours=2)
    )
    store_policy(name="later", order=200, customer_level="vip", priority="urgent", site=org.site)
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org, priority="urgent")
    assert clocks_of(ticket)["resolve"].policy_id == vip.pk
    assert fresh(ticket).due_at == T0 + timedelta(hours=2)


def test_dispatch_stops_the_dispatch_clock_and_starts_accept_and_the_repair_step(org):
    store_policy(accept_target=timedelta(minutes=20))
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        dispatch(org, ticket)
    clocks = clocks_of(ticket)
    assert (clocks["dispatch"].state, clocks["dispatch"].met_at, clocks["dispatch"].breached_at) == (
        ClockState.STOPPED,
        T0 + timedelta(minutes=10),
        None,
    )
    assert clocks["step:Task_dispatch"].state == ClockState.STOPPED
    assert clocks["accept"].due_at == T0 + timedelta(minutes=30)
    assert clocks["step:Task_repair"].due_at == T0 + timedelta(minutes=10, hours=4)
    with time_machine.travel(T0 + timedelta(minutes=45), tick=False):
        step = active_step(ticket)
        services.accept_step(ticket=ticket, step_id=step.pk, actor=org.tech)
    accept_clock = SlaClock.objects.get(ticket=ticket, kind="accept")
    assert (accept_clock.state, accept_clock.met_at, accept_clock.breached_at) == (
        ClockState.STOPPED,
        T0 + timedelta(minutes=45),
        T0 + timedelta(minutes=30),  # late: the breach is stamped with its due time
    )
    assert not SlaTimer.objects.filter(clock=accept_clock, fired_at__isnull=True).exists()


def test_repair_done_stops_resolve_and_closing_stops_everything(org):
    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        repair(fresh(ticket))
    assert clocks_of(ticket)["resolve"].met_at == T0 + timedelta(hours=1)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        accept(fresh(ticket))
    assert fresh(ticket).status == Status.CLOSED
    assert not SlaClock.objects.filter(ticket=ticket, state__in=["running", "paused"]).exists()
    assert not SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True).exists()


def test_hold_pauses_every_clock_and_resume_moves_due_times_by_the_pause(org):
    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.put_on_hold(ticket=fresh(ticket), actor=org.tech, status="waiting_parts", reason="等压缩机")
    held = fresh(ticket)
    assert held.status == Status.WAITING_PARTS
    clocks = clocks_of(ticket)
    assert clocks["resolve"].state == ClockState.PAUSED
    assert clocks["resolve"].due_at is None
    assert pending(ticket) == []
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        services.resume_ticket(ticket=held, actor=org.tech)
    resumed = fresh(ticket)
    assert resumed.status == Status.IN_REPAIR
    clocks = clocks_of(ticket)
    assert clocks["resolve"].paused_total == timedelta(hours=2)
    assert clocks["resolve"].due_at == T0 + timedelta(hours=6) == resumed.due_at
    assert clocks["step:Task_repair"].due_at == T0 + timedelta(hours=6) == active_step(ticket).due_at
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("seq").values_list("kind", "data"))[-2:]
    assert kinds[0] == (
        "status_changed",
        {"changes": {"status": ["in_repair", "waiting_parts"]}, "reason": "等压缩机", "hold": True},
    )
    assert kinds[1][1]["changes"] == {"status": ["waiting_parts", "in_repair"]}


def test_hold_needs_a_reason_and_the_step_owner_and_changes_nothing_when_refused(org):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    before = (fresh(ticket).version, TicketEvent.objects.filter(ticket=ticket).count())
    with pytest.raises(ValidationFailed) as exc:
        services.put_on_hold(ticket=ticket, actor=org.dispatcher, status="waiting_customer", reason=" ")
    assert exc.value.fields == {"reason": ["required"]}
    with pytest.raises(ValidationFailed):
        services.put_on_hold(ticket=ticket, actor=org.dispatcher, status="closed", reason="x")
    with pytest.raises(Forbidden):
        services.put_on_hold(ticket=ticket, actor=org.tech, status="waiting_customer", reason="x")
    with pytest.raises(InvalidTransition):
        services.resume_ticket(ticket=ticket, actor=org.dispatcher)
    assert (fresh(ticket).version, TicketEvent.objects.filter(ticket=ticket).count()) == before
    assert all(c.state == ClockState.RUNNING for c in clocks_of(ticket).values())


def test_site_calendar_makes_business_targets_count_opening_hours(org):
    calendar = store_calendar()
    org.site.calendar = calendar
    org.site.save()
    store_policy(resolve_business=True, steps={"Task_dispatch": (timedelta(minutes=30), True)})
    opened = T0 + timedelta(hours=11, minutes=30)  # 21:30 local: half an hour before closing
    with time_machine.travel(opened, tick=False):
        ticket = open_ticket(org)
    clocks = clocks_of(ticket)
    # 30 minutes today, 3.5 hours from 10:00 tomorrow => 13:30 local = 05:30 UTC
    assert clocks["resolve"].due_at == T0 + timedelta(days=1, hours=3, minutes=30) == fresh(ticket).due_at
    assert clocks["resolve"].calendar_id == calendar.pk
    assert clocks["resolve"].business
    assert clocks["step:Task_dispatch"].due_at == T0 + timedelta(hours=12) == active_step(ticket).due_at
    assert clocks["dispatch"].due_at == opened + timedelta(minutes=30)  # wall time: not business


def test_department_calendar_applies_when_the_site_has_none(org):
    calendar = store_calendar("north")
    org.hq.calendar = calendar
    org.hq.save()
    store_policy(resolve_business=True)
    with time_machine.travel(T0 - timedelta(hours=4), tick=False):  # 06:00 local, closed until 10:00
        ticket = open_ticket(org)
    assert fresh(ticket).due_at == T0 + timedelta(hours=4)


def test_changing_a_policy_recomputes_open_tickets_with_one_audit_event_each(org):
    policy = store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        closed = open_ticket(org)
        dispatch(org, closed)
        repair(fresh(closed))
        accept(fresh(closed))
    closed_events = TicketEvent.objects.filter(ticket=closed).count()
    policy.resolve_target = timedelta(hours=8)
    policy.save()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert recompute.recompute_for_policy(policy_id=policy.pk) == 1
    assert fresh(ticket).due_at == T0 + timedelta(hours=8)
    assert ("resolve", "breach", T0 + timedelta(hours=8)) in pending(ticket)
    event = TicketEvent.objects.filter(ticket=ticket).latest("seq")
    assert (event.kind, event.data) == (
        "sla_recomputed",
        {
            "reason": f"policy:{policy.pk}",
            "clocks": [
                {
                    "clock": "resolve",
                    "from": (T0 + timedelta(hours=4)).isoformat(),
                    "to": (T0 + timedelta(hours=8)).isoformat(),
                }
            ],
        },
    )
    assert TicketEvent.objects.filter(ticket=closed).count() == closed_events
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        assert recompute.recompute_for_policy(policy_id=policy.pk) == 0  # nothing moved: no event


def test_changing_a_calendar_recomputes_the_tickets_counting_on_it(org):
    from baton.sla import services as sla_services

    calendar = store_calendar()
    org.site.calendar = calendar
    org.site.save()
    store_policy(resolve_business=True)
    with time_machine.travel(T0 + timedelta(hours=11, minutes=30), tick=False):
        ticket = open_ticket(org)
    assert fresh(ticket).due_at == T0 + timedelta(days=1, hours=3, minutes=30)
    sla_services.set_calendar_holiday(calendar=calendar, day=(T0 + timedelta(days=1)).date(), name="店休")
    assert fresh(ticket).due_at == T0 + timedelta(days=2, hours=3, minutes=30)
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_recomputed").count() == 1


def test_priority_change_recomputes_the_resolve_clock(org):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        services.update_ticket(ticket=ticket, actor=org.dispatcher, changes={"priority": "urgent"})
    assert clocks_of(ticket)["resolve"].due_at == T0 + timedelta(hours=4) == fresh(ticket).due_at


def test_step_cancelled_by_flow_cancels_its_clock(org):
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        step = active_step(ticket)
    assert step.state == StepState.ACTIVE
    assert SlaClock.objects.get(ticket=ticket, step=step).state == ClockState.RUNNING


def test_a_step_drawn_in_business_hours_counts_the_site_calendar_without_a_policy(org):
    """The designer's "in business hours" box (``sla_business``) on a step's own SLA."""
    from pathlib import Path

    from baton.workflows import services as flows

    calendar = store_calendar()
    org.site.calendar = calendar
    org.site.save()
    xml = Path(flows.__file__).with_name("flows").joinpath("repair.bpmn").read_text(encoding="utf-8")
    drawn = xml.replace(
        '<camunda:property name="sla" value="PT30M" />',
        '<camunda:property name="sla" value="PT1H" /><camunda:property name="sla_business" value="true" />',
        1,
    )
    assert drawn != xml
    flows.deploy_flow(key="repair", name="Repair", bpmn_xml=drawn, actor=org.admin)
    opened = T0 + timedelta(hours=11, minutes=30)  # 21:30 local: half an hour before closing
    with time_machine.travel(opened, tick=False):
        ticket = open_ticket(org)
        plain = open_ticket(org, site=org.south_site, asset=org.south_asset)  # no calendar: 24×7
    # 30 minutes today, 30 minutes from 10:00 tomorrow => 10:30 local = 02:30 UTC the next day
    assert active_step(ticket).due_at == T0 + timedelta(days=1, minutes=30)
    assert clocks_of(ticket)["step:Task_dispatch"].due_at == active_step(ticket).due_at
    assert active_step(plain).due_at == opened + timedelta(hours=1)


def _reject_acceptance(ticket, reason="仍然不制冷"):
    step = active_step(ticket)
    return services.complete_step(
        ticket=ticket, step_id=step.pk, actor=step.owner, outcome="reject", reason=reason
    )


def test_rejected_acceptance_resumes_resolve_without_counting_the_wait_for_acceptance(org):
    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        repair(fresh(ticket))
    assert ("resolve", "breach", T0 + timedelta(hours=4)) not in pending(ticket)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        rejected = _reject_acceptance(fresh(ticket))
    assert rejected.status == Status.IN_REPAIR
    resolve = clocks_of(ticket)["resolve"]
    assert resolve.state == ClockState.RUNNING
    assert resolve.met_at is None
    assert resolve.breached_at is None
    assert resolve.paused_total == timedelta(hours=2)
    assert resolve.due_at == T0 + timedelta(hours=6) == fresh(ticket).due_at == rejected.due_at
    assert ("resolve", "breach", T0 + timedelta(hours=6)) in pending(ticket)
    assert ("resolve", "warning", T0 + timedelta(hours=5, minutes=12)) in pending(ticket)
    assert (
        SlaClock.objects.filter(ticket=ticket, kind="resolve").count() == 1
    )  # the same clock, not a new one
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        repair(fresh(ticket), resolution="更换温控器")
    resolve = clocks_of(ticket)["resolve"]
    assert (resolve.state, resolve.met_at, resolve.breached_at) == (
        ClockState.STOPPED,
        T0 + timedelta(hours=4),
        None,
    )
    assert [p for p in pending(ticket) if p[0] == "resolve"] == []


def test_a_late_repair_rejected_at_acceptance_is_reported_as_breached_by_the_sweep(org):
    from baton.sla.services import timers

    store_policy()
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
        dispatch(org, ticket)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):  # no sweep ran: stamped breached on stop
        repair(fresh(ticket))
    assert clocks_of(ticket)["resolve"].breached_at == T0 + timedelta(hours=4)
    with time_machine.travel(T0 + timedelta(hours=6), tick=False):
        _reject_acceptance(fresh(ticket))
        assert clocks_of(ticket)["resolve"].breached_at is None
        timers.sweep_all()
    resolve = clocks_of(ticket)["resolve"]
    assert (resolve.state, resolve.breached_at) == (ClockState.RUNNING, T0 + timedelta(hours=4))
    breaches = list(
        TicketEvent.objects.filter(ticket=ticket, kind="sla_breached", data__clock="resolve").values_list(
            "created_at", flat=True
        )
    )
    assert breaches == [T0 + timedelta(hours=4)]


def test_a_new_ticket_writes_its_clocks_and_timers_in_one_statement_each(org):
    store_policy()
    escalation("Task_dispatch", ("step_start", timedelta(minutes=10), ["superior"], ["in_app"]))
    with time_machine.travel(T0, tick=False), CaptureQueriesContext(connection) as ctx:
        ticket = open_ticket(org)
    inserts = [q["sql"].split("(", 1)[0] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert inserts.count('INSERT INTO "sla_slaclock" ') == 1
    assert inserts.count('INSERT INTO "sla_slatimer" ') == 1
    assert pending(ticket) == [
        ("dispatch", "breach", T0 + timedelta(minutes=30)),
        ("dispatch", "warning", T0 + timedelta(minutes=24)),
        ("resolve", "breach", T0 + timedelta(hours=4)),
        ("resolve", "warning", T0 + timedelta(minutes=192)),
        ("step:Task_dispatch", "breach", T0 + timedelta(minutes=30)),
        ("step:Task_dispatch", "escalation", T0 + timedelta(minutes=10)),
        ("step:Task_dispatch", "warning", T0 + timedelta(minutes=24)),
    ]


def test_clocks_started_in_a_change_are_seen_by_the_rest_of_it(org):
    """Auto-dispatch hands the new ticket's dispatch step on in the same change that opened it: the
    dispatch clocks started moments before (not yet written) are found and stopped."""
    DispatchSetting.objects.create(department=org.north, strategy="least_loaded")
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org)
    clocks = clocks_of(ticket)
    assert active_step(ticket).key == "Task_repair"
    assert clocks["step:Task_dispatch"].state == ClockState.STOPPED
    assert clocks["step:Task_dispatch"].met_at == T0
    assert clocks["step:Task_repair"].state == ClockState.RUNNING
    assert [kind for kind, _, _ in pending(ticket)] == ["resolve", "step:Task_repair"]
