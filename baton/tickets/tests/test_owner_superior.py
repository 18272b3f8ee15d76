"""The owner rule "the previous step's owner's superior" (上一步负责人的上级), through the ticket services."""

from __future__ import annotations

from typing import Any

from baton.tickets import services
from baton.tickets.models import Step, StepState, Ticket
from baton.workflows import services as flows
from baton.workflows.engine.tests import flow, owner, process

XML = process(
    '<bpmn:startEvent id="Start_1"/>'
    f'<bpmn:userTask id="Task_first" name="初审">{owner("dispatcher", outcomes="submit")}</bpmn:userTask>'
    f'<bpmn:userTask id="Task_review" name="上级复核">{owner("superior", outcomes="confirm")}</bpmn:userTask>'
    '<bpmn:endEvent id="End_1"/>'
    + flow("F1", "Start_1", "Task_first")
    + flow("F2", "Task_first", "Task_review")
    + flow("F3", "Task_review", "End_1")
)


def run_first_step(org: Any) -> Ticket:
    flows.deploy_flow(key="it-review", name="复核", bpmn_xml=XML, ticket_type="it")
    ticket = services.create_ticket(
        requester=org.store_manager, title="电脑蓝屏", asset=org.asset, ticket_type="it"
    )
    [first] = Step.objects.filter(ticket=ticket, state=StepState.ACTIVE)
    assert (first.key, first.owner) == ("Task_first", org.dispatcher)
    return services.complete_step(ticket=ticket, step_id=first.pk, actor=org.dispatcher, outcome="submit")


def test_the_step_goes_to_the_superior_of_whoever_owned_the_previous_step(org: Any) -> None:
    ticket = run_first_step(org)
    [review] = Step.objects.filter(ticket=ticket, state=StepState.ACTIVE).select_related("owner")
    assert (review.key, review.owner) == ("Task_review", org.manager)  # 李派工's superior is 王经理
    [entered] = ticket.events.filter(kind="step_entered", step=review)
    assert entered.data["owner"] == org.manager.pk


def test_without_a_superior_the_step_falls_back_to_the_dispatcher(org: Any) -> None:
    org.dispatcher.superior = None
    org.dispatcher.save(update_fields=["superior"])
    ticket = run_first_step(org)
    [review] = Step.objects.filter(ticket=ticket, state=StepState.ACTIVE).select_related("owner")
    assert (review.key, review.owner) == ("Task_review", org.dispatcher)
