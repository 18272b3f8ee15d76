"""An admin draws a flow in the designer at 1280 px, is told what is missing, fixes it and deploys.

start → 派工 → <费用?> → 维修 (cost < 500) ─┐
                      └→ 经理审批 (default) ─┴→ end

Everything is done with the mouse and the side panel the way an admin does it: a step
dragged from the palette, connections from the context pad, owner / SLA / condition /
default path in the panel. The first deploy is refused because one step has no owner; the
problem is shown on that step. Then the database holds the new version, its XML compiles to
the steps and the condition that were drawn, and two tickets run through it from the ticket
page, one down each branch (cost 120 → 维修, cost 500 → 经理审批).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from lxml import etree

from baton.tickets.models import Step, StepState
from baton.tickets.services import create_ticket
from baton.workflows import engine
from baton.workflows.models import FlowDefinition, FlowVersion
from baton.workflows.queries import current_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 900}

CENTER = """id => {
  const registry = window.batonDesigner.modeler.get('elementRegistry');
  const box = registry.getGraphics(id).getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
}"""
# A point on the middle segment of a connection (its bounding box centre may miss an L-shaped line).
ON_LINE = """id => {
  const modeler = window.batonDesigner.modeler;
  const line = modeler.get('elementRegistry').get(id);
  const matrix = modeler.get('canvas')._viewport.getScreenCTM();
  const i = Math.floor((line.waypoints.length - 1) / 2);
  const [a, b] = [line.waypoints[i], line.waypoints[i + 1]];
  const point = new DOMPoint((a.x + b.x) / 2, (a.y + b.y) / 2).matrixTransform(matrix);
  return [point.x, point.y];
}"""
REGISTRY = "window.batonDesigner.modeler.get('elementRegistry')"
ELEMENTS = """() => window.batonDesigner.modeler.get('elementRegistry')
  .filter(e => e.type !== 'label' && e.type !== 'bpmn:Process')
  .map(e => [e.id, e.type, e.source ? e.source.id : null, e.target ? e.target.id : null])"""


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Any:
    from conftest import PASSWORD

    context = browser.new_context(viewport=DESK, locale="zh-CN", base_url=live_server.url)
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


class Designer:
    """The designer page, driven with the mouse."""

    def __init__(self, page: Any):
        self.page = page

    def elements(self) -> list[tuple[str, str, str | None, str | None]]:
        return [tuple(e) for e in self.page.evaluate(ELEMENTS)]

    def ids(self, kind: str) -> list[str]:
        return [e[0] for e in self.elements() if e[1] == kind]

    def new(self, action: Any, kind: str) -> str:
        before = set(self.ids(kind))
        action()
        [created] = [i for i in self.ids(kind) if i not in before]
        return created

    def click(self, element_id: str) -> None:
        """Select an element by clicking it (a click on a selected element would deselect it)."""
        if self.page.get_attribute("[data-testid=designer-panel]", "data-element") == element_id:
            return
        is_line = self.page.evaluate(f"() => !!{REGISTRY}.get('{element_id}').waypoints")
        x, y = self.page.evaluate(ON_LINE if is_line else CENTER, element_id)
        self.page.mouse.click(x, y)
        self.page.wait_for_selector(f"[data-testid=designer-panel][data-element='{element_id}']")

    def pad(self, element_id: str, action: str) -> None:
        self.click(element_id)
        self.page.click(f".djs-context-pad [data-action='{action}']")

    def drag_from_palette(self, action: str, x: float, y: float) -> None:
        entry = self.page.locator(f".djs-palette [data-action='{action}']").bounding_box()
        self.page.mouse.move(entry["x"] + entry["width"] / 2, entry["y"] + entry["height"] / 2)
        self.page.mouse.down()
        for step in range(1, 11):
            self.page.mouse.move(
                entry["x"] + (x - entry["x"]) * step / 10, entry["y"] + (y - entry["y"]) * step / 10
            )
        self.page.mouse.up()
        self.page.wait_for_timeout(500)  # bpmn-js swallows clicks for 400 ms after a drag

    def connect(self, source: str, target: str) -> None:
        self.pad(source, "connect")
        x, y = self.page.evaluate(CENTER, target)
        self.page.mouse.move(x - 5, y - 5)
        self.page.mouse.move(x, y)
        self.page.mouse.click(x, y)
        self.page.wait_for_timeout(500)

    def panel(self, testid: str) -> Any:
        return self.page.locator(f"[data-testid=designer-panel] [data-testid='{testid}']")

    def deploy(self) -> str:
        self.page.click("[data-testid=designer-deploy]")
        status = self.page.locator("[data-testid=designer-status]")
        status.wait_for(state="visible")
        self.page.wait_for_function("() => !document.querySelector('[data-testid=designer-deploy]').disabled")
        return status.inner_text().strip()


def test_admin_draws_a_cost_branch_is_shown_the_missing_owner_fixes_it_and_deploys(
    org: Any, desk: Any, sign_in: Any
) -> None:
    page = desk
    page.goto("/flows/")
    page.click("[data-testid=flow-row][data-key=it] [data-testid=flow-design]")
    page.wait_for_selector("body[data-designer-ready]")
    assert urlparse(page.url).path == "/flows/it/design/"
    designer = Designer(page)
    [start] = designer.ids("bpmn:StartEvent")

    # Drag a step from the palette to the right of the start event and connect them.
    sx, sy = page.evaluate(CENTER, start)
    dispatch = designer.new(
        lambda: designer.drag_from_palette("create.user-task", sx + 160, sy), "bpmn:UserTask"
    )
    designer.connect(start, dispatch)
    assert (start, dispatch) in [(e[2], e[3]) for e in designer.elements() if e[1] == "bpmn:SequenceFlow"]

    # step → gateway → two steps → end, from the context pad.
    gateway = designer.new(lambda: designer.pad(dispatch, "append.gateway"), "bpmn:ExclusiveGateway")
    repair = designer.new(lambda: designer.pad(gateway, "append.user-task"), "bpmn:UserTask")
    approval = designer.new(lambda: designer.pad(gateway, "append.user-task"), "bpmn:UserTask")
    end = designer.new(lambda: designer.pad(repair, "append.end-event"), "bpmn:EndEvent")
    designer.connect(approval, end)
    flows = {(e[2], e[3]): e[0] for e in designer.elements() if e[1] == "bpmn:SequenceFlow"}
    assert set(flows) == {
        (start, dispatch),
        (dispatch, gateway),
        (gateway, repair),
        (gateway, approval),
        (repair, end),
        (approval, end),
    }

    # The first step: name, owner and a 30-minute SLA in the side panel.
    designer.click(dispatch)
    designer.panel("name").fill("派工")
    designer.panel("name").press("Enter")
    designer.panel("owner-rule").select_option("dispatcher")
    designer.panel("sla-amount").fill("30")
    designer.panel("sla-unit").select_option("M")
    designer.panel("sla-unit").dispatch_event("change")
    designer.panel("auto-dispatch").select_option("off")  # the dispatcher picks; no strategy
    designer.panel("outcome-assign").check()
    designer.panel("field-technician").check()
    designer.panel("field-cost").check()
    designer.panel("require-assign-technician").check()
    designer.panel("require-assign-cost").check()

    designer.click(repair)
    designer.panel("name").fill("维修")
    designer.panel("name").press("Enter")
    designer.panel("owner-rule").select_option("variable")
    assert designer.panel("owner-arg").input_value() == "technician"
    designer.panel("sla-amount").fill("4")
    designer.panel("sla-amount").press("Enter")
    # A non-interrupting alert after 30 minutes on the repair, leading to the end.
    timer = designer.new(lambda: designer.panel("add-alert").click(), "bpmn:BoundaryEvent")
    designer.click(repair)
    row = page.locator(f"[data-testid=designer-panel] [data-testid=timer-row][data-element='{timer}']")
    assert row.locator("[data-testid=timer-kind]").input_value() == "alert"
    row.locator("[data-testid=timer-amount]").fill("30")
    row.locator("[data-testid=timer-unit]").select_option("M")
    row.locator("[data-testid=timer-unit]").dispatch_event("change")
    designer.connect(timer, end)

    designer.click(approval)
    designer.panel("name").fill("经理审批")
    designer.panel("name").press("Enter")  # no owner yet

    # The condition "cost < 500" with the pickers; the other path is the default.
    designer.click(flows[(gateway, repair)])
    designer.panel("cond-add").click()
    assert designer.panel("cond-field").input_value() == "cost"
    designer.panel("cond-op").select_option("<")
    designer.panel("cond-value").fill("500")
    designer.panel("cond-value").press("Enter")
    assert designer.panel("cond-cel").input_value() == "cost < 500"
    designer.click(flows[(gateway, approval)])
    designer.panel("default-flow").check()
    designer.click(gateway)
    paths = page.locator("[data-testid=designer-panel] [data-testid=gateway-path]").all_inner_texts()
    assert any("cost < 500" in p for p in paths)
    assert any("默认路径" in p for p in paths)

    # Deploy: refused, and the step without an owner is marked on the diagram.
    assert designer.deploy().startswith("未部署")
    badge = page.locator(f"[data-testid=problem-badge][data-element='{approval}']")
    assert badge.is_visible()
    problems = page.locator("[data-testid=designer-problems] [data-testid=problem]").all_inner_texts()
    assert problems == ["步骤「经理审批」还没有负责人：请选择由谁负责。"]
    assert not FlowDefinition.objects.filter(key="it").exists()

    # Click the problem, give the step an owner, deploy again.
    page.locator("[data-testid=designer-problems] [data-testid=problem]").click()
    page.wait_for_selector(f"[data-testid=designer-panel][data-element='{approval}']")
    designer.panel("owner-rule").select_option("manager")
    designer.panel("outcome-approve").check()
    designer.panel("outcome-reject").check()
    designer.panel("reason-reject").check()
    assert designer.deploy().startswith("已部署为版本 v1")
    assert page.locator("[data-testid=problem-badge]").count() == 0
    assert page.locator("[data-testid=designer-version]").inner_text() == "v1"
    assert page.js_errors == []

    version = FlowVersion.objects.select_related("definition").get(definition__key="it")
    assert (version.number, version.deployed_by, version.definition.ticket_type) == (1, org.admin, "it")
    assert current_version("it") == version
    flow = engine.compile_flow(version.bpmn_xml)
    steps = {s.key: (s.name, s.properties.get("owner"), s.properties.get("sla")) for s in flow.steps.values()}
    assert steps == {
        dispatch: ("派工", "dispatcher", "PT30M"),
        repair: ("维修", "variable:technician", "PT4H"),
        approval: ("经理审批", "manager", None),
    }
    assert flow.steps[dispatch].properties["require_assign"] == "technician,cost"
    assert flow.steps[dispatch].properties["auto_dispatch"] == "off"
    assert flow.steps[dispatch].form_fields == ["technician", "cost"]
    assert flow.steps[approval].outcomes == ("approve", "reject")
    assert flow.steps[approval].properties["reason_required"] == "reject"
    assert f'default="{flows[(gateway, approval)]}"' in version.bpmn_xml
    assert "cost &lt; 500</bpmn:conditionExpression>" in version.bpmn_xml
    root = etree.fromstring(version.bpmn_xml.encode())
    [boundary] = root.iterfind(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}boundaryEvent")
    duration = boundary.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}timeDuration")
    assert (boundary.get("id"), boundary.get("attachedToRef"), boundary.get("cancelActivity")) == (
        timer,
        repair,
        "false",
    )
    assert duration is not None
    assert duration.text == "PT30M"
    # A ticket through each branch: the dispatcher enters the technician and the cost on the ticket page.
    dispatcher = sign_in("dispatcher")
    for cost, expected, owner in (("120", repair, org.tech), ("500", approval, org.manager)):
        ticket = create_ticket(
            requester=org.store_manager, title="电脑蓝屏", asset=org.asset, ticket_type="it"
        )
        assert [(s.key, s.owner) for s in ticket.steps.filter(state=StepState.ACTIVE)] == [
            (dispatch, org.dispatcher)
        ]
        dispatcher.goto(f"/tickets/{ticket.pk}/")
        dispatcher.select_option("[data-testid=outcome-assign] select[name=technician]", str(org.tech.pk))
        dispatcher.fill("[data-testid=outcome-assign] [data-testid=cost]", cost)
        dispatcher.click("[data-testid=submit-assign]")
        dispatcher.wait_for_selector("[data-testid=messages]")
        steps = [
            (s.key, s.state, s.owner, s.outcome)
            for s in Step.objects.filter(ticket=ticket).select_related("owner").order_by("pk")
        ]
        assert steps == [
            (dispatch, StepState.COMPLETED, org.dispatcher, "assign"),
            (expected, StepState.ACTIVE, owner, ""),
        ]
    assert dispatcher.js_errors == []

    # The flow page lists the version; it opens read-only.
    page.goto("/flows/it/")
    assert page.locator("[data-testid=version-row]").count() == 1
    page.click("[data-testid=version-row] a")
    page.wait_for_selector("body[data-designer-ready]")
    assert page.locator("[data-testid=read-only]").is_visible()
    assert page.locator(".djs-palette").count() == 0
