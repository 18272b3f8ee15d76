"""The flow API: admins list, export, validate and deploy; everyone else gets 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from baton.accounts.services import create_api_token
from baton.workflows import engine
from baton.workflows.forms import flow_template
from baton.workflows.models import FlowDefinition, FlowVersion
from baton.workflows.queries import current_version

from .test_templates import open_ticket

pytestmark = pytest.mark.django_db

XML = "application/xml"


def client_for(user: Any, language: str = "zh-hans") -> Client:
    _, secret = create_api_token(user=user, name="designer")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)


def store_repair_xml() -> str:
    template = flow_template("store_repair")
    assert template is not None
    return template.xml()


def without_owner(xml: str, step: str = "Task_repair") -> str:
    start = xml.index(f'<bpmn:userTask id="{step}"')
    owner = xml.index('<camunda:property name="owner"', start)
    end = xml.index("/>", owner) + 2
    return xml[:owner] + xml[end:]


def test_only_admins_see_the_flow_api(org: Any) -> None:
    for user in (org.dispatcher, org.manager, org.store_manager, org.portal):
        client = client_for(user)
        assert client.get("/api/v1/flows").status_code == 404
        assert client.get("/api/v1/flows/repair").status_code == 404
        assert client.get("/api/v1/flows/repair/versions/1/xml").status_code == 404
        assert (
            client.post("/api/v1/flows/repair/validate", store_repair_xml(), content_type=XML).status_code
            == 404
        )
        response = client.post("/api/v1/flows/repair/deploy", store_repair_xml(), content_type=XML)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Client().get("/api/v1/flows").status_code == 401
    assert FlowVersion.objects.count() == 1


def test_list_has_a_row_per_ticket_type_with_its_flow(org: Any) -> None:
    body = client_for(org.admin).get("/api/v1/flows").json()
    assert [(f["key"], f["ticket_type"], f["deployed"], f["latest_version"]) for f in body] == [
        ("repair", "store_repair", True, 1),
        ("after_sales", "after_sales", False, None),
        ("maintenance", "maintenance", False, None),
        ("it", "it", False, None),
    ]
    assert body[1]["name"] == "售后维修 After-sales repair"


def test_detail_counts_the_tickets_running_each_version(org: Any) -> None:
    open_ticket(org, "store_repair")
    open_ticket(org, "after_sales")  # no flow of its own: runs the default (repair) flow
    body = client_for(org.admin).get("/api/v1/flows/repair").json()
    assert (body["tickets"], body["running"], body["versions"]) == (2, 2, 1)
    [version] = body["version_list"]
    assert (version["number"], version["tickets"], version["running"], version["deployed_by"]) == (
        1,
        2,
        2,
        None,
    )


def test_export_returns_the_stored_xml_as_a_download(org: Any) -> None:
    response = client_for(org.admin).get("/api/v1/flows/repair/versions/1/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="repair-v1.bpmn"'
    assert response.content.decode() == FlowVersion.objects.get().bpmn_xml
    for missing in (
        "/api/v1/flows/repair/versions/2/xml",
        "/api/v1/flows/repair/versions/99999999999999999999/xml",
    ):
        assert client_for(org.admin).get(missing).status_code == 404


def test_validate_reports_problems_by_element_and_writes_nothing(org: Any) -> None:
    client = client_for(org.admin)
    ok = client.post("/api/v1/flows/repair/validate", store_repair_xml(), content_type=XML)
    assert ok.json() == {"valid": True, "problems": []}
    bad = client.post("/api/v1/flows/repair/validate", without_owner(store_repair_xml()), content_type=XML)
    assert bad.status_code == 200
    assert bad.json() == {
        "valid": False,
        "problems": [
            {"element_id": "Task_repair", "message": "步骤「维修执行 Repair」还没有负责人：请选择由谁负责。"}
        ],
    }
    assert FlowVersion.objects.count() == 1


def test_deploy_refuses_a_flow_with_problems_keyed_by_element_in_the_callers_language(org: Any) -> None:
    xml = without_owner(store_repair_xml()).replace('default="Flow_accepted"', "")
    zh = client_for(org.admin).post("/api/v1/flows/repair/deploy", xml, content_type=XML)
    assert zh.status_code == 422
    assert zh.json()["code"] == "validation_error"
    assert zh.json()["fields"] == {
        "Task_repair": ["步骤「维修执行 Repair」还没有负责人：请选择由谁负责。"],
        "Gateway_acceptance_result": ["网关「验收? Accepted?」需要一条默认路径（条件都不满足时走这条）。"],
        "Flow_accepted": ["连线「通过 accept」从网关「验收? Accepted?」出发，需要设置条件，或设为默认路径。"],
    }
    en = client_for(org.admin, "en").post("/api/v1/flows/repair/deploy", xml, content_type=XML)
    assert en.json()["fields"]["Task_repair"] == [
        "userTask '维修执行 Repair' (Task_repair) needs an 'owner' property (who is responsible for it)."
    ]
    assert FlowVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("", "flow"),
        ("<bpmn:definitions", "flow"),
        ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "flow"),
    ],
)
def test_deploy_refuses_bodies_that_are_not_a_flow(org: Any, body: str, field: str) -> None:
    response = client_for(org.admin).post("/api/v1/flows/repair/deploy", body, content_type=XML)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]
    assert FlowVersion.objects.count() == 1


def test_deploy_adds_a_version_that_new_tickets_run_and_old_ones_keep_theirs(org: Any) -> None:
    running = open_ticket(org, "store_repair")
    response = client_for(org.admin).post("/api/v1/flows/repair/deploy", store_repair_xml(), content_type=XML)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["key"], body["number"]) == ("repair", 2)
    assert body["steps"] == ["Task_dispatch", "Task_repair", "Task_acceptance"]
    version = FlowVersion.objects.get(definition__key="repair", number=2)
    assert version.deployed_by == org.admin
    assert current_version("store_repair") == version
    assert running.flow_instance is not None
    assert running.flow_instance.version.number == 1
    assert open_ticket(org, "store_repair").flow_instance.version == version  # type: ignore[union-attr]


def test_first_deploy_for_a_ticket_type_creates_its_flow(org: Any) -> None:
    assert current_version("after_sales").definition.key == "repair"  # type: ignore[union-attr]
    template = flow_template("after_sales_classic")
    assert template is not None
    response = client_for(org.admin).post(
        "/api/v1/flows/after_sales/deploy", template.xml(), content_type=XML
    )
    assert response.status_code == 201, response.content
    definition = FlowDefinition.objects.get(key="after_sales")
    assert (definition.ticket_type, definition.name) == ("after_sales", "售后维修 After-sales repair")
    assert current_version("after_sales").definition == definition  # type: ignore[union-attr]
    assert engine.compile_flow(current_version("after_sales").bpmn_xml).steps  # type: ignore[union-attr]


def test_a_ticket_type_with_a_flow_under_another_key_deploys_to_that_flow(org: Any) -> None:
    response = client_for(org.admin).post(
        "/api/v1/flows/store_repair/deploy", store_repair_xml(), content_type=XML
    )
    assert (response.status_code, response.json()["key"]) == (201, "repair")
    assert not FlowDefinition.objects.filter(key="store_repair").exists()


def test_unknown_flows_are_404(org: Any) -> None:
    client = client_for(org.admin)
    assert client.get("/api/v1/flows/nope").status_code == 404
    assert client.post("/api/v1/flows/nope/deploy", store_repair_xml(), content_type=XML).status_code == 404
    assert FlowDefinition.objects.count() == 1


def test_the_browser_session_needs_the_csrf_token(org: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    refused = client.post("/api/v1/flows/repair/deploy", store_repair_xml(), content_type=XML)
    assert refused.status_code == 403
    client.get("/flows/repair/design/")
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/flows/repair/deploy", store_repair_xml(), content_type=XML, HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
    assert json.loads(accepted.content)["number"] == 2
