"""A step's own form fields (fault cause, parts used, signature, photos required) as the designer sets them.

They are recorded on the step and in the audit trail, never in the engine's data; a required one
missing (or no photo on the ticket when photos are required) refuses the step and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from baton.core.errors import ValidationFailed
from baton.tickets import services
from baton.tickets.models import Step, StepState, Ticket
from baton.tickets.tests.helpers import jpeg
from baton.web.tests.pages import client_for, detail, state, step_url
from baton.workflows import services as flows
from baton.workflows.engine.tests import flow, process
from baton.workflows.models import FlowInstance

REPAIR = (
    '<bpmn:userTask id="Task_fix" name="维修">'
    "<bpmn:extensionElements><camunda:formData>"
    '<camunda:formField id="fault_cause" type="string"/><camunda:formField id="parts_used" type="string"/>'
    '<camunda:formField id="signature" type="string"/><camunda:formField id="photos" type="boolean"/>'
    "</camunda:formData><camunda:properties>"
    '<camunda:property name="owner" value="dispatcher"/><camunda:property name="outcomes" value="done"/>'
    '<camunda:property name="require_done" value="fault_cause,photos,signature"/>'
    "</camunda:properties></bpmn:extensionElements></bpmn:userTask>"
)
XML = process(
    '<bpmn:startEvent id="Start_1"/>'
    + REPAIR
    + '<bpmn:endEvent id="End_1"/>'
    + flow("F1", "Start_1", "Task_fix")
    + flow("F2", "Task_fix", "End_1")
)
VALUES = {"fault_cause": "压缩机继电器烧坏", "parts_used": "继电器 ×1", "signature": "吴店长"}


def opened(org: Any, photos: bool) -> tuple[Ticket, Step]:
    flows.deploy_flow(key="it-fields", name="字段", bpmn_xml=XML, ticket_type="it")
    files = [("a.jpg", jpeg())] if photos else []
    ticket = services.create_ticket(
        requester=org.store_manager, title="冷柜不制冷", asset=org.asset, ticket_type="it", photos=files
    )
    [step] = Step.objects.filter(ticket=ticket, state=StepState.ACTIVE)
    return ticket, step


def finish(org: Any, ticket: Ticket, step: Step, **values: Any) -> Ticket:
    return services.complete_step(
        ticket=ticket, step_id=step.pk, actor=org.dispatcher, outcome="done", values=values
    )


def test_the_fields_are_kept_on_the_step_and_in_the_audit_trail_not_in_the_engine(org: Any) -> None:
    ticket, step = opened(org, photos=True)
    ticket = finish(org, ticket, step, photos=True, **VALUES)
    step.refresh_from_db()
    assert (step.state, step.values) == (StepState.COMPLETED, VALUES)
    [event] = ticket.events.filter(kind="step_completed", step=step)
    assert event.data["changes"] == {k: [None, v] for k, v in VALUES.items()}
    assert ticket.flow_instance_id is not None
    state_json = str(FlowInstance.objects.get(pk=ticket.flow_instance_id).state)
    assert "压缩机继电器烧坏" not in state_json
    assert "fault_cause" not in state_json


@pytest.mark.parametrize(
    ("photos", "values", "field"),
    [
        (True, {"parts_used": "继电器", "signature": "吴店长"}, "fault_cause"),
        (True, {"fault_cause": "   ", "signature": "吴店长"}, "fault_cause"),
        (True, {"fault_cause": "烧坏"}, "signature"),
        (False, VALUES, "photos"),
    ],
)
def test_a_missing_required_field_or_photo_refuses_and_changes_nothing(
    org: Any, photos: bool, values: dict[str, str], field: str
) -> None:
    ticket, step = opened(org, photos=photos)
    before = state(ticket)
    with pytest.raises(ValidationFailed) as refused:
        finish(org, ticket, step, **values)
    assert refused.value.fields == {field: ["required"]}
    assert state(ticket) == before
    step.refresh_from_db()
    assert (step.state, step.values) == (StepState.ACTIVE, {})


def test_too_long_or_unknown_values_are_refused(org: Any) -> None:
    ticket, step = opened(org, photos=True)
    with pytest.raises(ValidationFailed) as too_long:
        finish(org, ticket, step, **{**VALUES, "signature": "签" * 201})
    assert too_long.value.fields == {"signature": ["at most 200 characters"]}
    with pytest.raises(ValidationFailed) as unknown:
        finish(org, ticket, step, **VALUES, serial="X")
    assert unknown.value.fields == {"serial": ["unknown field"]}
    step.refresh_from_db()
    assert step.state == StepState.ACTIVE


def test_the_ticket_page_asks_for_them_and_says_what_is_missing(org: Any) -> None:
    ticket, step = opened(org, photos=False)
    services.accept_step(ticket=ticket, step_id=step.pk, actor=org.dispatcher)  # 接单 first
    dispatcher = client_for(org.dispatcher)
    page = dispatcher.get(detail(ticket)).content.decode()
    for name in ("fault_cause", "parts_used", "signature"):
        assert f'id="id_{name}_{step.pk}_done"' in page
    version = Ticket.objects.get(pk=ticket.pk).version
    refused = dispatcher.post(
        step_url(ticket, step, "complete"), {"outcome": "done", "version": version, **VALUES}
    )
    assert refused.status_code == 422
    assert "请先上传至少一张现场照片。" in refused.content.decode()
    services.add_comment(ticket=ticket, actor=org.dispatcher, body="现场照片", files=[("p.jpg", jpeg())])
    version = Ticket.objects.get(pk=ticket.pk).version
    done = dispatcher.post(
        step_url(ticket, step, "complete"), {"outcome": "done", "version": version, **VALUES}
    )
    assert done.status_code == 302
    step.refresh_from_db()
    assert (step.state, step.values) == (StepState.COMPLETED, VALUES)
