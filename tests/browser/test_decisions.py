"""An admin builds a triage table in the browser, is shown the bad cell, fixes it and deploys;
the next ticket from a VIP store with equipment down is urgent and goes to the decided department.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from baton.tickets.models import Priority, TicketEvent
from baton.tickets.tests.helpers import open_ticket
from baton.workflows.decisions.models import DecisionVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Any:
    from conftest import PASSWORD

    desk_size = {"width": 1280, "height": 900}
    context = browser.new_context(viewport=desk_size, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    yield page
    context.close()


def test_build_deploy_and_triage(org: Any, desk: Any) -> None:
    page = desk
    # given the admin opens Decisions from the menu and starts a new table
    page.click("[data-testid=nav-decisions]")
    page.click("[data-testid=decision-new]")
    page.wait_for_selector("[data-testid=decision-editor][data-ready=yes]")
    page.fill("[data-testid=decision-name]", "工单分级")
    page.fill("[data-testid=decision-key]", "triage")
    assert page.locator("[data-testid=decision-rule]").count() == 1
    # when they add a rule, type its cells (one of them FEEL, not CEL) and move it to the top
    page.click("[data-testid=add-row]")
    assert page.locator("[data-testid=decision-rule]").count() == 2
    page.fill("[data-testid=cell-in-2-1]", '"vip","strategic"')
    page.fill("[data-testid=cell-in-2-2]", '"down"')
    page.fill("[data-testid=cell-out-2-1]", '"urgent"')
    page.fill("[data-testid=cell-out-2-2]", '"S"')
    page.click("[data-testid=move-up-2]")
    assert page.input_value("[data-testid=cell-out-1-1]") == '"urgent"'
    # the suggestion under a cell names the value
    assert "设备停机" in page.locator("[data-testid=decision-rule][data-rule='1'] td").nth(2).inner_text()
    page.click("[data-testid=decision-deploy]")
    # then deploy is refused and the offending cell is marked
    problem = page.locator("[data-testid=decision-problem]")
    problem.first.wait_for()
    assert problem.count() == 1
    assert problem.first.get_attribute("data-element") == "In_1_1"
    assert "既不是表达式也不是比较" in problem.first.inner_text()
    assert "is-invalid" in (page.get_attribute("[data-testid=cell-in-1-1]", "class") or "")
    assert DecisionVersion.objects.count() == 0
    # when they fix the cell and deploy again
    page.fill("[data-testid=cell-in-1-1]", '? in ["vip", "strategic"]')
    page.click("[data-testid=decision-deploy]")
    page.locator("[data-testid=decision-message].alert-success").wait_for()
    assert page.inner_text("[data-testid=decision-version]") == "v1"
    assert "is-invalid" not in (page.get_attribute("[data-testid=cell-in-1-1]", "class") or "")
    [version] = DecisionVersion.objects.all()
    assert version.table["rules"][0] == {
        "inputs": ['? in ["vip", "strategic"]', '"down"'],
        "outputs": ['"urgent"', '"S"'],
        "note": "",
    }
    assert version.definition.triage is True
    # and the dry run on the deployed version highlights the matching rule
    page.select_option("[data-testid=try-customer_level]", '"vip"')
    page.select_option("[data-testid=try-fault_category]", '"down"')
    page.click("[data-testid=try-run]")
    page.locator("[data-testid=try-result]").wait_for()
    assert "urgent" in page.inner_text("[data-testid=try-result]")
    first_rule = page.get_attribute("[data-testid=decision-rule][data-rule='1']", "class") or ""
    assert "table-success" in first_rule
    # and a ticket opened afterwards at the VIP store with equipment down is urgent, in the south
    ticket = open_ticket(org, fault_category="down")
    assert ticket.priority == Priority.URGENT
    assert ticket.department == org.south
    assert TicketEvent.objects.filter(ticket=ticket, kind="decided").count() == 1
    # and its page says so
    page.goto(f"/tickets/{ticket.pk}/")
    assert "工单分级 v1 决定：优先级 紧急，部门 华南区" in page.inner_text("body")
    assert page.js_errors == []


APPEND_DECISION_TASK = """() => {
  const modeler = window.batonDesigner.modeler;
  const registry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  const start = registry.filter(e => e.type === 'bpmn:StartEvent')[0];
  const [first] = start.outgoing;
  const at = { x: start.x + 90, y: start.y - 80 };
  const task = modeling.appendShape(start, { type: 'bpmn:BusinessRuleTask' }, at);
  modeling.reconnectStart(first, task, { x: task.x + task.width, y: task.y + task.height / 2 });
  modeler.get('selection').select(task);
  return task.id;
}"""


def test_a_flow_step_runs_a_deployed_decision(org: Any, desk: Any) -> None:
    from baton.workflows import engine
    from baton.workflows.decisions import services as decisions
    from baton.workflows.decisions.tests import triage_table
    from baton.workflows.models import FlowVersion
    from baton.workflows.services import flow_of

    decisions.deploy_decision(key="grading", name="分级", table=triage_table(), actor=org.admin)
    page = desk
    page.goto("/flows/it/design/?template=store_repair")
    page.wait_for_selector("body[data-designer-ready]")
    # given a decision task (business rule task) put between the start and the first step
    task_id = page.evaluate(APPEND_DECISION_TASK)
    page.wait_for_selector(f"[data-testid=designer-panel][data-element='{task_id}']")
    picker = page.locator("[data-testid=designer-panel] [data-testid=decision-ref]")
    assert "分级 (grading) · v1" in picker.inner_text()
    # when the admin picks the decision table and deploys
    picker.select_option("grading")
    registry = "window.batonDesigner.modeler.get('elementRegistry')"
    ref = f"() => {registry}.get('{task_id}').businessObject.get('camunda:decisionRef')"
    assert page.evaluate(ref) == "grading"
    page.click("[data-testid=designer-deploy]")
    page.locator("[data-testid=designer-status].alert-success").wait_for()
    # then the new flow version runs the decision's newest version before the first step
    version = FlowVersion.objects.get(definition__ticket_type="it")
    assert 'camunda:decisionRef="grading"' in version.bpmn_xml
    running = engine.start_instance(flow_of(version), {"customer_level": "vip", "fault_category": "down"})
    assert running.data["priority"] == "urgent"
    assert page.js_errors == []
