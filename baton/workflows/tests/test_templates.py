"""The shipped flow templates: each deploys, draws in bpmn-js and runs end to end.

Tickets go through ``baton.tickets.services`` exactly as the web UI drives them; the
cost-threshold branches run both at the engine level and through the services.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from lxml import etree

from baton.core.errors import ValidationFailed
from baton.tickets import services as tickets
from baton.tickets.models import Status, Step, StepState, Ticket
from baton.workflows import engine
from baton.workflows import services as flows
from baton.workflows.forms import flow_template, flow_templates
from baton.workflows.forms.starters import TEMPLATES_DIR
from baton.workflows.models import FlowVersion

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TEMPLATE_IDS = ["after_sales_classic", "store_repair", "cost_approval", "urgent_fast_track"]


def template_xml(template_id: str) -> str:
    template = flow_template(template_id)
    assert template is not None
    return template.xml()


def deploy(template_id: str, ticket_type: str) -> FlowVersion:
    return flows.deploy_flow(
        key=f"t-{template_id}".replace("_", "-"),
        name=template_id,
        bpmn_xml=template_xml(template_id),
        ticket_type=ticket_type,
    )


def active(ticket: Ticket) -> list[Step]:
    return list(
        Step.objects.filter(ticket=ticket, state=StepState.ACTIVE).select_related("owner").order_by("pk")
    )


def only_step(ticket: Ticket) -> Step:
    steps = active(ticket)
    assert len(steps) == 1, [(s.key, s.owner.username) for s in steps]
    return steps[0]


def complete(ticket: Ticket, key: str, outcome: str | None = None, reason: str = "", **values: Any) -> Ticket:
    step = next(s for s in active(ticket) if s.key == key)
    return tickets.complete_step(
        ticket=ticket, step_id=step.pk, actor=step.owner, outcome=outcome, reason=reason, values=values
    )


def open_ticket(org: Any, ticket_type: str) -> Ticket:
    return tickets.create_ticket(
        requester=org.store_manager, title="冷柜不制冷", asset=org.asset, ticket_type=ticket_type
    )


def history(ticket: Ticket) -> list[tuple[str, str, str]]:
    steps = Step.objects.filter(ticket=ticket).select_related("owner").order_by("pk")
    return [(s.key, s.state, s.outcome) for s in steps]


# ---------------------------------------------------------------------------- the files


def test_the_registry_lists_every_template_file_with_names_in_both_languages() -> None:
    assert [t.id for t in flow_templates()] == TEMPLATE_IDS
    assert sorted(p.stem for p in TEMPLATES_DIR.glob("*.bpmn")) == sorted(TEMPLATE_IDS)
    for template in flow_templates():
        assert template.names["zh-hans"]
        assert template.names["en"]
        assert template.descriptions["zh-hans"]
        assert template.descriptions["en"]


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_each_template_compiles_and_every_element_is_drawn(template_id: str) -> None:
    xml = template_xml(template_id)
    flow = engine.compile_flow(xml)
    assert flow.steps
    for step in flow.steps.values():
        assert step.properties["owner"], step.key
        assert step.properties["sla"], step.key
    root = etree.fromstring(xml.encode())
    process = root.find("bpmn:process", NS)
    assert process is not None
    element_ids = {node.get("id") for node in process if node.get("id")}
    drawn = {node.get("bpmnElement") for node in root.iterfind(".//bpmndi:BPMNPlane/*", NS)}
    assert element_ids == drawn


def test_the_classic_flow_has_the_six_steps_in_order() -> None:
    flow = engine.compile_flow(template_xml("after_sales_classic"))
    names = [step.name.split()[0] for step in flow.steps.values()]
    assert names == ["客服发起", "部门经理审批", "技术审核", "维修派工", "财务确认", "客户验收"]


# ---------------------------------------------------------------------------- running them


def test_classic_after_sales_runs_all_six_steps_to_closed(org: Any) -> None:
    deploy("after_sales_classic", "after_sales")
    ticket = open_ticket(org, "after_sales")
    assert only_step(ticket).key == "Task_intake"
    ticket = complete(ticket, "Task_intake", "submit")
    approval = only_step(ticket)
    assert (approval.key, approval.owner) == ("Task_manager_approval", org.manager)
    ticket = complete(ticket, "Task_manager_approval", "approve")
    review = only_step(ticket)
    assert (review.key, review.owner) == ("Task_technical_review", org.dispatcher)
    assert ticket.status == Status.WAITING_DISPATCH
    ticket = complete(ticket, "Task_technical_review", "assign", technician=org.tech.pk)
    repair = only_step(ticket)
    assert (repair.key, repair.owner) == ("Task_repair", org.tech)
    ticket = complete(ticket, "Task_repair", "done", resolution="更换压缩机")
    assert only_step(ticket).key == "Task_finance"
    ticket = complete(ticket, "Task_finance", "confirm")
    acceptance = only_step(ticket)
    assert (acceptance.key, acceptance.owner) == ("Task_acceptance", org.store_manager)
    ticket = complete(ticket, "Task_acceptance", "accept", rating=5)
    assert ticket.status == Status.CLOSED
    assert active(ticket) == []
    assert [key for key, _, _ in history(ticket)] == [
        "Task_intake",
        "Task_manager_approval",
        "Task_technical_review",
        "Task_repair",
        "Task_finance",
        "Task_acceptance",
    ]


def test_classic_after_sales_rejected_by_the_manager_needs_a_reason_and_ends(org: Any) -> None:
    deploy("after_sales_classic", "after_sales")
    ticket = complete(open_ticket(org, "after_sales"), "Task_intake", "submit")
    with pytest.raises(ValidationFailed) as refused:
        complete(ticket, "Task_manager_approval", "reject")
    assert refused.value.fields == {"reason": ["required"]}
    assert only_step(ticket).key == "Task_manager_approval"
    ticket = complete(ticket, "Task_manager_approval", "reject", reason="超出保修，客户不同意付费")
    assert ticket.status == Status.CLOSED
    assert history(ticket)[-1] == ("Task_manager_approval", StepState.COMPLETED, "reject")


def test_store_repair_template_dispatches_automatically_and_runs_both_branches_of_each_gateway(
    org: Any,
) -> None:
    """门店发起 → 系统自动派工 → 维修执行 → 验收闭环, with a return and a rejected acceptance."""
    deploy("store_repair", "store_repair")
    ticket = open_ticket(org, "store_repair")
    dispatch = Step.objects.get(ticket=ticket, key="Task_dispatch")
    assert (dispatch.state, dispatch.outcome, dispatch.completed_by) == (StepState.COMPLETED, "assign", None)
    repair = only_step(ticket)
    assert (repair.key, repair.owner) == ("Task_repair", org.tech)  # least loaded, lowest id first
    [auto] = ticket.events.filter(kind="step_completed", step=dispatch)
    assert (auto.actor, auto.data["auto"]) == (None, True)
    assert auto.data["changes"] == {"technician": [None, org.tech.pk]}
    assert auto.data["reason"].startswith("least loaded: ")
    # 退回: back to dispatch, which picks another technician (not the one who returned it).
    ticket = complete(ticket, "Task_repair", "return", reason="需要更换的零件不在库存")
    repair = only_step(ticket)
    assert (repair.key, repair.owner) == ("Task_repair", org.tech2)
    assert Step.objects.filter(ticket=ticket, key="Task_dispatch").count() == 2
    ticket = complete(ticket, "Task_repair", "done", resolution="更换温控器")
    assert (only_step(ticket).key, ticket.status) == ("Task_acceptance", Status.WAITING_ACCEPTANCE)
    # 验收驳回: back to the repair, same technician (the flow still carries them).
    ticket = complete(ticket, "Task_acceptance", "reject", reason="仍然不制冷")
    repair = only_step(ticket)
    assert (repair.key, repair.owner) == ("Task_repair", org.tech2)
    ticket = complete(ticket, "Task_repair", "done", resolution="补充制冷剂")
    ticket = complete(ticket, "Task_acceptance", "accept", rating=4)
    assert ticket.status == Status.CLOSED
    assert ticket.satisfaction == 4
    assert [(k, o) for k, _, o in history(ticket)] == [
        ("Task_dispatch", "assign"),
        ("Task_repair", "return"),
        ("Task_dispatch", "assign"),
        ("Task_repair", "done"),
        ("Task_acceptance", "reject"),
        ("Task_repair", "done"),
        ("Task_acceptance", "accept"),
    ]


def test_store_repair_template_stays_with_the_dispatcher_when_no_technician_qualifies(org: Any) -> None:
    from baton.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user__in=[org.tech, org.tech2]).delete()
    deploy("store_repair", "store_repair")
    ticket = open_ticket(org, "store_repair")
    dispatch = only_step(ticket)
    assert (dispatch.key, dispatch.owner, ticket.status) == (
        "Task_dispatch",
        org.dispatcher,
        Status.WAITING_DISPATCH,
    )
    assert ticket.events.filter(kind="auto_dispatch_skipped").count() == 1


@pytest.mark.parametrize(
    ("cost", "next_step"),
    [
        (300, "Task_repair"),
        (499, "Task_repair"),
        (500, "Task_manager_approval"),
        (2400, "Task_manager_approval"),
    ],
)
def test_cost_threshold_routes_by_cost_at_the_engine(cost: int, next_step: str) -> None:
    flow = engine.compile_flow(template_xml("cost_approval"))
    running = engine.start_instance(flow, {"priority": "normal"})
    running.complete(running.active_tasks()[0].task_id, {"outcome": "assign", "technician": 7})
    [quote] = running.active_tasks()
    assert quote.step.key == "Task_quote"
    running.complete(quote.task_id, {"outcome": "quote", "cost": cost})
    assert [t.step.key for t in running.active_tasks()] == [next_step]


def test_cost_threshold_manager_reject_goes_back_to_the_quote_and_approve_to_the_repair() -> None:
    flow = engine.compile_flow(template_xml("cost_approval"))
    running = engine.start_instance(flow, {})
    running.complete(running.active_tasks()[0].task_id, {"outcome": "assign", "technician": 7})
    running.complete(running.active_tasks()[0].task_id, {"outcome": "quote", "cost": 1200})
    running.complete(running.active_tasks()[0].task_id, {"outcome": "reject", "reason": "太贵"})
    assert [t.step.key for t in running.active_tasks()] == ["Task_quote"]
    running.complete(running.active_tasks()[0].task_id, {"outcome": "quote", "cost": 900})
    running.complete(running.active_tasks()[0].task_id, {"outcome": "approve"})
    assert [t.step.key for t in running.active_tasks()] == ["Task_repair"]
    running.complete(running.active_tasks()[0].task_id, {"outcome": "done"})
    running.complete(running.active_tasks()[0].task_id, {"outcome": "accept"})
    assert running.is_completed()
    assert running.path().count("Task_manager_approval") == 2


@pytest.mark.parametrize(
    ("cost", "next_step", "owner"), [(300, "Task_repair", "tech"), (500, "Task_manager_approval", "manager")]
)
def test_cost_threshold_through_the_ticket_services(org: Any, cost: int, next_step: str, owner: str) -> None:
    deploy("cost_approval", "maintenance")
    ticket = open_ticket(org, "maintenance")
    ticket = complete(ticket, "Task_dispatch", "assign", technician=org.tech.pk)
    quote = only_step(ticket)
    assert (quote.key, quote.owner) == ("Task_quote", org.tech)
    with pytest.raises(ValidationFailed):
        complete(ticket, "Task_quote", "quote", cost="lots")
    ticket = complete(ticket, "Task_quote", "quote", cost=cost)
    step = only_step(ticket)
    assert (step.key, step.owner) == (next_step, getattr(org, owner))


def test_urgent_fast_track_alerts_the_manager_then_escalates_and_still_closes(org: Any) -> None:
    deploy("urgent_fast_track", "it")
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org, "it")
    assert only_step(ticket).key == "Task_dispatch"
    with time_machine.travel(T0 + timedelta(minutes=14), tick=False):
        assert tickets.fire_due_timers() == 0
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        assert tickets.fire_due_timers() == 1
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert [(s.key, s.owner) for s in active(ticket)] == [
        ("Task_dispatch", org.dispatcher),
        ("Task_follow_up", org.manager),
    ]
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        ticket = complete(ticket, "Task_dispatch", "assign", technician=org.tech.pk)
    assert {s.key for s in active(ticket)} == {"Task_follow_up", "Task_repair"}
    with time_machine.travel(T0 + timedelta(hours=2, minutes=21), tick=False):
        assert tickets.fire_due_timers() == 1
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert {s.key for s in active(ticket)} == {"Task_follow_up", "Task_escalation"}
    assert Step.objects.get(ticket=ticket, key="Task_repair").state == StepState.CANCELLED
    with time_machine.travel(T0 + timedelta(hours=2, minutes=30), tick=False):
        ticket = complete(ticket, "Task_escalation", "assign", technician=org.tech2.pk)
        assert next(s for s in active(ticket) if s.key == "Task_repair").owner == org.tech2
        ticket = complete(ticket, "Task_repair", "done", resolution="更换主板")
        ticket = complete(ticket, "Task_acceptance", "accept", rating=5)
    assert ticket.status == Status.CLOSED
    assert active(ticket) == []  # the terminate end closed the follow-up branch too
    assert Step.objects.get(ticket=ticket, key="Task_follow_up").state == StepState.CANCELLED


# ---------------------------------------------------------------------------- the other branches


def test_classic_after_sales_rejected_at_acceptance_goes_back_to_the_repair(org: Any) -> None:
    deploy("after_sales_classic", "after_sales")
    ticket = complete(open_ticket(org, "after_sales"), "Task_intake", "submit")
    ticket = complete(ticket, "Task_manager_approval", "approve")
    ticket = complete(ticket, "Task_technical_review", "assign", technician=org.tech.pk)
    ticket = complete(ticket, "Task_repair", "done", resolution="更换压缩机")
    ticket = complete(ticket, "Task_finance", "confirm")
    with pytest.raises(ValidationFailed):
        complete(ticket, "Task_acceptance", "reject")
    ticket = complete(ticket, "Task_acceptance", "reject", reason="噪音很大")
    repair = only_step(ticket)
    assert (repair.key, repair.owner, ticket.status) == ("Task_repair", org.tech, Status.IN_REPAIR)
    ticket = complete(ticket, "Task_repair", "done", resolution="更换风扇")
    ticket = complete(ticket, "Task_finance", "confirm")
    ticket = complete(ticket, "Task_acceptance", "accept", rating=3)
    assert ticket.status == Status.CLOSED
    assert [k for k, _, o in history(ticket) if o == "reject"] == ["Task_acceptance"]


def test_cost_threshold_through_the_services_reject_requote_approve_and_acceptance_reject(org: Any) -> None:
    deploy("cost_approval", "maintenance")
    ticket = complete(open_ticket(org, "maintenance"), "Task_dispatch", "assign", technician=org.tech.pk)
    ticket = complete(ticket, "Task_quote", "quote", cost=1200)
    assert only_step(ticket).owner == org.manager
    ticket = complete(ticket, "Task_manager_approval", "reject", reason="太贵，重新报价")
    quote = only_step(ticket)
    assert (quote.key, quote.owner) == ("Task_quote", org.tech)
    ticket = complete(ticket, "Task_quote", "quote", cost=800)
    ticket = complete(ticket, "Task_manager_approval", "approve")
    assert only_step(ticket).key == "Task_repair"
    ticket = complete(ticket, "Task_repair", "done", resolution="更换压缩机")
    ticket = complete(ticket, "Task_acceptance", "reject", reason="还有异响")
    assert only_step(ticket).key == "Task_repair"
    ticket = complete(ticket, "Task_repair", "done", resolution="紧固风扇")
    ticket = complete(ticket, "Task_acceptance", "accept", rating=5)
    assert ticket.status == Status.CLOSED
    assert [k for k, _, _ in history(ticket)].count("Task_manager_approval") == 2


def test_urgent_fast_track_without_timers_and_rejected_at_acceptance(org: Any) -> None:
    deploy("urgent_fast_track", "it")
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org, "it")
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket = complete(ticket, "Task_dispatch", "assign", technician=org.tech.pk)
        assert tickets.fire_due_timers() == 0
        ticket = complete(ticket, "Task_repair", "done", resolution="重启交换机")
        ticket = complete(ticket, "Task_acceptance", "reject", reason="网络仍然中断")
        assert (only_step(ticket).key, only_step(ticket).owner) == ("Task_repair", org.tech)
        ticket = complete(ticket, "Task_repair", "done", resolution="更换光模块")
        ticket = complete(ticket, "Task_acceptance", "accept", rating=4)
    assert ticket.status == Status.CLOSED
    assert not Step.objects.filter(ticket=ticket, key__in=["Task_follow_up", "Task_escalation"]).exists()
