"""Auto-dispatch strategies: who is chosen, why (audit), and the fallback to the dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from baton.accounts.models import Role
from baton.accounts.services import grant_role
from baton.automation import dispatch as strategies
from baton.automation.models import (
    Coverage,
    DispatchSetting,
    DutyMapping,
    RosterEntry,
    RoundRobinPointer,
    TechnicianSkill,
)
from baton.core.errors import Forbidden, ValidationFailed
from baton.tickets import events, services
from baton.tickets.models import Status, Ticket
from baton.tickets.tests.helpers import active_step, dispatch, fresh, open_ticket
from baton.workflows.services import FLOWS_DIR, deploy_flow

from .helpers import events_of, kinds

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def set_strategy(org, strategy, department=None):
    return DispatchSetting.objects.create(department=department or org.north, strategy=strategy)


def deploy_with_property(value):
    xml = (FLOWS_DIR / "repair.bpmn").read_text(encoding="utf-8")
    anchor = '<camunda:property name="owner" value="dispatcher" />'
    xml = xml.replace(anchor, f'{anchor}<camunda:property name="auto_dispatch" value="{value}" />', 1)
    deploy_flow(key="repair", name="Repair", bpmn_xml=xml, ticket_type="store_repair")


def dispatched_to(ticket):
    ticket = fresh(ticket)
    step = active_step(ticket)
    return step.owner if step.key == "Task_repair" else None


def explanation(ticket):
    return events_of(ticket, "step_completed")[0].data["reason"]


def test_no_strategy_leaves_dispatch_to_the_dispatcher(org):
    ticket = open_ticket(org)
    step = active_step(ticket)
    assert (step.key, step.owner) == ("Task_dispatch", org.dispatcher)
    assert kinds(ticket) == ["created", "step_entered", "status_changed"]


def test_least_loaded_picks_the_technician_with_fewer_open_steps(org):
    busy = open_ticket(org)
    dispatch(org, busy, org.tech)  # 张师傅 now has 1 open step
    set_strategy(org, "least_loaded")
    ticket = open_ticket(org)
    assert dispatched_to(ticket) == org.tech2
    assert explanation(ticket) == "least loaded: 赵师傅 has 0 open steps"
    completed = events_of(ticket, "step_completed")[0]
    assert (completed.actor_id, completed.data["outcome"], completed.data["auto"]) == (None, "assign", True)
    assert fresh(ticket).status == Status.IN_REPAIR
    assert events.verify_ticket(ticket) == []


def test_round_robin_is_fair_and_durable(org):
    set_strategy(org, "round_robin")
    chosen = [dispatched_to(open_ticket(org)) for _ in range(5)]
    assert chosen == [org.tech, org.tech2, org.tech, org.tech2, org.tech]
    assert RoundRobinPointer.objects.get(department=org.north).last_user_id == org.tech.pk
    ticket = Ticket.objects.order_by("-pk").first()
    assert explanation(ticket) == "round robin: 张师傅 is next in 华北区"


def test_skill_picks_who_can_repair_the_fault(org):
    TechnicianSkill.objects.create(user=org.tech2, fault_category="leak")
    set_strategy(org, "skill")
    ticket = open_ticket(org, fault_category="leak")
    assert dispatched_to(ticket) == org.tech2
    assert explanation(ticket) == "skill leak: 赵师傅 has 0 open steps"


def test_nobody_qualifying_leaves_the_step_with_the_dispatcher_and_says_why(org):
    set_strategy(org, "skill")
    ticket = open_ticket(org, fault_category="noise")
    step = active_step(fresh(ticket))
    assert (step.key, step.owner) == ("Task_dispatch", org.dispatcher)
    skipped = events_of(ticket, "auto_dispatch_skipped")
    assert [e.data["reason"] for e in skipped] == [
        "skill: nobody in 华北区 can repair noise; the step stays with the dispatcher"
    ]
    assert "step_completed" not in kinds(ticket)


def test_region_prefers_the_site_then_the_region(org):
    Coverage.objects.create(user=org.tech, region=org.site.region)
    set_strategy(org, "region")
    assert dispatched_to(first := open_ticket(org)) == org.tech
    assert explanation(first) == "covers region RN: 张师傅 has 0 open steps"
    Coverage.objects.create(user=org.tech2, site=org.site)
    assert dispatched_to(second := open_ticket(org)) == org.tech2
    assert explanation(second) == "covers site BJ01: 赵师傅 has 0 open steps"


def test_roster_picks_who_is_on_duty_now(org):
    RosterEntry.objects.create(
        department=org.north, user=org.tech2, starts_at=T0, ends_at=T0 + timedelta(hours=8)
    )
    set_strategy(org, "roster")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        on_shift = open_ticket(org)
    with time_machine.travel(T0 + timedelta(hours=8), tick=False):
        off_shift = open_ticket(org)
    assert dispatched_to(on_shift) == org.tech2
    assert explanation(on_shift) == "on duty now: 赵师傅 has 0 open steps"
    assert dispatched_to(off_shift) is None
    assert active_step(fresh(off_shift)).owner == org.dispatcher


def test_department_duty_hands_the_ticket_over_and_dispatches_there(org):
    DutyMapping.objects.create(fault_category="software", department=org.south)
    set_strategy(org, "duty")
    ticket = open_ticket(org, fault_category="software")
    ticket = fresh(ticket)
    assert ticket.department == org.south
    assert dispatched_to(ticket) == org.south_tech
    moved = events_of(ticket, "department_changed")[0]
    assert moved.actor_id is None
    assert (
        moved.data["reason"]
        == "department duty: software is handled by 华南区; least loaded: 周师傅 has 0 open steps"
    )
    assert moved.data["changes"] == {"department": [org.north.pk, org.south.pk]}
    # the south staff now see it; the north technicians' scope no longer includes it
    from baton.tickets.policies import can_view

    assert can_view(org.south_dispatcher, ticket)


def test_department_duty_without_a_mapping_keeps_the_ticket(org):
    set_strategy(org, "duty")
    ticket = fresh(open_ticket(org, fault_category="leak"))
    assert ticket.department == org.north
    assert dispatched_to(ticket) == org.tech
    assert "department_changed" not in kinds(ticket)


def test_returning_a_ticket_to_another_department_needs_a_reason(org):
    ticket = open_ticket(org)
    with pytest.raises(ValidationFailed):
        services.transfer_ticket(ticket=ticket, department=org.south, reason=" ", actor=org.dispatcher)
    with pytest.raises(Forbidden):
        services.transfer_ticket(ticket=ticket, department=org.south, reason="不归我们", actor=org.tech)
    assert fresh(ticket).department == org.north
    assert kinds(ticket) == ["created", "step_entered", "status_changed"]
    services.transfer_ticket(
        ticket=ticket, department=org.south, reason="软件故障归华南", actor=org.dispatcher
    )
    ticket = fresh(ticket)
    assert (ticket.department, active_step(ticket).owner) == (org.south, org.south_dispatcher)
    moved = events_of(ticket, "department_changed")[0]
    assert (moved.actor_id, moved.data["reason"]) == (org.dispatcher.pk, "软件故障归华南")


def test_step_property_wins_over_the_department_setting(org):
    set_strategy(org, "skill")  # nobody has skills: would leave it with the dispatcher
    deploy_with_property("round_robin")
    assert dispatched_to(open_ticket(org)) == org.tech


def test_step_property_off_disables_auto_dispatch(org):
    set_strategy(org, "least_loaded")
    deploy_with_property("off")
    ticket = open_ticket(org)
    assert active_step(fresh(ticket)).owner == org.dispatcher
    assert kinds(ticket) == ["created", "step_entered", "status_changed"]


def test_returned_ticket_is_not_dispatched_back_to_who_returned_it(org):
    set_strategy(org, "least_loaded")
    ticket = open_ticket(org)
    assert dispatched_to(ticket) == org.tech
    step = active_step(fresh(ticket))
    services.complete_step(ticket=ticket, step_id=step.pk, actor=org.tech, outcome="return", reason="缺配件")
    assert dispatched_to(ticket) == org.tech2


def test_a_failing_strategy_does_not_block_the_ticket(org, monkeypatch):
    set_strategy(org, "least_loaded")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(strategies, "decide", broken)
    ticket = open_ticket(org)
    assert active_step(fresh(ticket)).owner == org.dispatcher
    failed = events_of(ticket, "auto_dispatch_failed")
    assert [e.data["error"] for e in failed] == ["boom"]


def test_technicians_only_of_the_department(org):
    # a technician of the south is never chosen for a north ticket
    grant_role(user=org.south_tech, role=Role.DISPATCHER, department=org.south)
    set_strategy(org, "least_loaded")
    org.tech.is_active = False
    org.tech.save()
    org.tech2.is_active = False
    org.tech2.save()
    ticket = open_ticket(org)
    assert active_step(fresh(ticket)).owner == org.dispatcher
    assert [e.data["reason"] for e in events_of(ticket, "auto_dispatch_skipped")] == [
        "least loaded: no technician; the step stays with the dispatcher"
    ]


def test_a_ticket_handed_over_by_a_person_is_dispatched_by_the_new_departments_strategy(org):
    set_strategy(org, "least_loaded", department=org.south)
    ticket = open_ticket(org)
    assert active_step(fresh(ticket)).owner == org.dispatcher  # the north dispatches by hand
    services.transfer_ticket(ticket=ticket, department=org.south, reason="华南负责", actor=org.dispatcher)
    assert dispatched_to(ticket) == org.south_tech
    assert explanation(ticket) == "least loaded: 周师傅 has 0 open steps"
