"""Flows for the approval tests, written out so each test shows what it runs.

request (dispatcher) → review (dispatcher) → approval (mode, approvers) → approved? → work → end
                                                                        └ reject → end (rejected)
"""

from __future__ import annotations

from typing import Any

from baton.workflows.engine.tests import flow, owner, process
from baton.workflows.models import FlowVersion
from baton.workflows.services import deploy_flow

TICKET_TYPE = "maintenance"


def task(task_id: str, name: str, rule: str, marker: str = "", **props: str) -> str:
    return f'<bpmn:userTask id="{task_id}" name="{name}">{owner(rule, **props)}{marker}</bpmn:userTask>'


def approval_flow(
    mode: str = "all",
    approvers: str = "users:approver,manager,tech2",
    *,
    back_to: str = "*",
    max_loops: int | None = None,
) -> str:
    marker = '<bpmn:multiInstanceLoopCharacteristics isSequential="false"/>' if mode != "single" else ""
    extra = {"approval": mode, "approvers": approvers} if mode != "single" else {}
    process_props = (
        "<bpmn:extensionElements><camunda:properties>"
        f'<camunda:property name="max_loops" value="{max_loops}"/>'
        "</camunda:properties></bpmn:extensionElements>"
        if max_loops
        else ""
    )
    approval_props = owner(
        "manager",
        sla="PT4H",
        outcomes="approve,reject",
        reason_required="reject",
        back_to=back_to,
        **extra,
    )
    body = (
        process_props
        + '<bpmn:startEvent id="Start_a"/>'
        + task("Task_request", "申请", "dispatcher", outcomes="submit")
        + task("Task_review", "复核", "dispatcher", outcomes="done")
        + f'<bpmn:userTask id="Task_approval" name="审批">{approval_props}{marker}</bpmn:userTask>'
        '<bpmn:exclusiveGateway id="Gateway_approved" default="Flow_approved"/>'
        + task("Task_work", "执行", "dispatcher", status="in_repair")
        + '<bpmn:endEvent id="End_done"/><bpmn:endEvent id="End_rejected"/>'
        + flow("a1", "Start_a", "Task_request")
        + flow("a2", "Task_request", "Task_review")
        + flow("a3", "Task_review", "Task_approval")
        + flow("a4", "Task_approval", "Gateway_approved")
        + flow("Flow_approved", "Gateway_approved", "Task_work")
        + flow("Flow_rejected", "Gateway_approved", "End_rejected", 'outcome == "reject"')
        + flow("a5", "Task_work", "End_done")
    )
    return process(body, process_id="approvals")


def deploy_approval_flow(**kwargs: Any) -> FlowVersion:
    xml = approval_flow(**kwargs)
    return deploy_flow(key="approvals", name="Approvals", bpmn_xml=xml, ticket_type=TICKET_TYPE)


PARALLEL = process(
    '<bpmn:startEvent id="Start_p"/>'
    + task("Task_dispatch", "派工", "dispatcher", outcomes="assign", require_assign="technician")
    + '<bpmn:parallelGateway id="Split"/>'
    + task("Task_repair", "维修", "variable:technician", status="in_repair")
    + task("Task_parts", "备件申请", "dispatcher")
    + '<bpmn:parallelGateway id="Join"/>'
    + task(
        "Task_check",
        "验收",
        "requester",
        status="waiting_acceptance",
        outcomes="accept,reject",
        reason_required="reject",
        back_to="Task_dispatch",
    )
    + '<bpmn:endEvent id="End_p"/>'
    + flow("p1", "Start_p", "Task_dispatch")
    + flow("p2", "Task_dispatch", "Split")
    + flow("p3", "Split", "Task_repair")
    + flow("p4", "Split", "Task_parts")
    + flow("p5", "Task_repair", "Join")
    + flow("p6", "Task_parts", "Join")
    + flow("p7", "Join", "Task_check")
    + flow("p8", "Task_check", "End_p"),
    process_id="parallel_repair",
)


def deploy_parallel_flow() -> FlowVersion:
    return deploy_flow(key="parallel_repair", name="Parallel", bpmn_xml=PARALLEL, ticket_type=TICKET_TYPE)
