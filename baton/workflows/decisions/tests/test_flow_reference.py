"""A flow's business rule task references a deployed decision by key; deploy bundles its newest version."""

from __future__ import annotations

from typing import Any

import pytest

from baton.accounts.services import create_api_token
from baton.core.errors import ValidationFailed
from baton.workflows import services as flows
from baton.workflows.decisions import services
from baton.workflows.engine.tests import flow, owner, process
from baton.workflows.models import FlowVersion

from . import triage_table

pytestmark = pytest.mark.django_db

RULE_FLOW = process(
    '<bpmn:startEvent id="Start_1"/>'
    '<bpmn:businessRuleTask id="Task_triage" name="分级" camunda:decisionRef="grading"/>'
    f'<bpmn:userTask id="Task_dispatch" name="派工">{owner()}</bpmn:userTask><bpmn:endEvent id="End_1"/>'
    + flow("F1", "Start_1", "Task_triage")
    + flow("F2", "Task_triage", "Task_dispatch")
    + flow("F3", "Task_dispatch", "End_1")
)
VIP_DOWN = {"customer_level": "vip", "fault_category": "down"}


def deploy_grading(org: Any, rules: Any = None) -> Any:
    return services.deploy_decision(key="grading", name="分级", table=triage_table(rules), actor=org.admin)


def test_a_flow_referencing_an_unknown_decision_is_refused(org: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        flows.deploy_flow(key="graded", name="Graded", bpmn_xml=RULE_FLOW)
    assert list(refused.value.fields) == ["Task_triage"]
    assert "unknown decision 'grading'" in refused.value.fields["Task_triage"][0]
    assert not FlowVersion.objects.filter(definition__key="graded").exists()


def test_deploy_bundles_the_newest_decision_version(org: Any) -> None:
    deploy_grading(org, rules=[('"vip"', "-", '"high"', "")])
    deploy_grading(org)  # v2: VIP + down → urgent
    version = flows.deploy_flow(key="graded", name="Graded", bpmn_xml=RULE_FLOW)
    _row, running = flows.start_instance(version=version, data=VIP_DOWN)
    assert running.data["priority"] == "urgent"
    assert running.data["department"] == "S"
    # a later decision version does not change the deployed flow until it is deployed again
    deploy_grading(org, rules=[("-", "-", '"low"', "")])
    _row, running = flows.start_instance(version=version, data=VIP_DOWN)
    assert running.data["priority"] == "urgent"
    redeployed = flows.deploy_flow(key="graded", name="Graded", bpmn_xml=RULE_FLOW)
    _row, running = flows.start_instance(version=redeployed, data=VIP_DOWN)
    assert running.data["priority"] == "low"


def test_the_flow_api_validates_against_deployed_decisions(org: Any) -> None:
    from django.test import Client

    _, secret = create_api_token(user=org.admin, name="designer")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    url = "/api/v1/flows/it/validate"
    before = client.post(url, RULE_FLOW, content_type="application/xml").json()
    assert before["valid"] is False
    assert [p["element_id"] for p in before["problems"]] == ["Task_triage"]
    deploy_grading(org)
    after = client.post(url, RULE_FLOW, content_type="application/xml").json()
    assert after == {"valid": True, "problems": []}
