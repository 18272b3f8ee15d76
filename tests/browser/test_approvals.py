"""Approvals in the browser: an admin makes a step an any-one-of approval in the designer, and
an approver decides a 或签 step from the ticket page on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from baton.tickets import services
from baton.tickets.models import Step, StepState
from baton.tickets.tests.approval_flows import TICKET_TYPE, deploy_approval_flow
from baton.tickets.tests.helpers import active_step, open_ticket
from baton.workflows import engine
from baton.workflows.models import FlowVersion

from .test_designer import Designer, desk  # noqa: F401  (the desk fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_makes_acceptance_an_any_of_approval_with_a_loop_limit(org: Any, desk: Any) -> None:  # noqa: F811
    page = desk
    page.goto("/flows/repair/design/")
    page.wait_for_selector("body[data-designer-ready]")
    designer = Designer(page)
    designer.click("Task_acceptance")
    designer.panel("approval-mode").select_option("any")
    assert designer.panel("approvers-kind").input_value() == "role"
    designer.panel("approvers-arg").select_option("approver")
    designer.panel("back-to-Task_dispatch").check()
    assert page.evaluate(
        "() => !!window.batonDesigner.modeler.get('elementRegistry').get('Task_acceptance')"
        ".businessObject.loopCharacteristics"
    )
    page.evaluate("() => window.batonDesigner.modeler.get('selection').select(null)")
    designer.panel("max-loops").fill("3")
    designer.panel("max-loops").press("Enter")
    assert designer.deploy().startswith("已部署为版本 v2"), page.locator(
        "[data-testid=designer-problems]"
    ).inner_text()
    assert page.js_errors == []

    version = FlowVersion.objects.filter(definition__key="repair").order_by("-number").first()
    assert version is not None
    assert "multiInstanceLoopCharacteristics" in version.bpmn_xml
    flow = engine.compile_flow(version.bpmn_xml)
    step = flow.steps["Task_acceptance"]
    assert (step.approval, step.properties["approvers"], step.back_to) == (
        "any",
        "role:approver",
        ("Task_dispatch",),
    )
    assert "approve" in step.outcomes
    assert flow.properties == {"max_loops": "3"}


def test_an_any_of_approver_approves_from_the_phone_and_the_others_are_cancelled(
    org: Any, sign_in: Any
) -> None:
    deploy_approval_flow(mode="any")
    ticket = open_ticket(org, ticket_type=TICKET_TYPE)
    for outcome in ("submit", "done"):
        step = active_step(ticket)
        ticket = services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner, outcome=outcome)
    page = sign_in("tech2")
    page.goto(f"/tickets/{ticket.pk}/")
    page.click("[data-testid=submit-approve]")
    page.wait_for_selector("[data-testid=messages]")
    assert page.js_errors == []
    rows = Step.objects.filter(ticket=ticket, key="Task_approval").select_related("owner").order_by("pk")
    assert [(s.owner.username, s.state) for s in rows] == [
        ("approver", StepState.CANCELLED),
        ("manager", StepState.CANCELLED),
        ("tech2", StepState.COMPLETED),
    ]
    assert active_step(ticket).key == "Task_work"
    manager = sign_in("manager")
    manager.goto(f"/tickets/{ticket.pk}/")
    assert manager.locator("[data-testid=submit-approve]").count() == 0
