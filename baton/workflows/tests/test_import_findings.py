"""What an imported file must change before it runs: exact lists for corpus files; deploy; pages."""

from __future__ import annotations

from typing import Any

import pytest

from baton.workflows.models import FlowDraft, FlowVersion

from .import_helpers import CORPUS, api_client, upload, web_client, web_upload

pytestmark = pytest.mark.django_db


def imported(org: Any, name: str, language: str = "en") -> dict[str, Any]:
    response = upload(api_client(org.admin, language), (CORPUS / name).read_bytes(), name=name)
    assert response.status_code == 201, response.content
    return response.json()


def listed(findings: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(f["element_id"], f["message"]) for f in findings]


def test_camunda_7_file_lists_owners_script_java_delegate_and_juel(org: Any) -> None:
    body = imported(org, "camunda7_repair_approval.bpmn")
    assert (body["tool"], body["process_id"], body["has_diagram"], body["ready"]) == (
        "Camunda 7",
        "repair_approval",
        True,
        False,
    )
    assert listed(body["problems"]) == [
        (
            "Task_quote",
            "userTask 'Quote the repair' (Task_quote) is assigned in the file to assignee ${reporter}, "
            "candidateGroups technicians; Baton needs an owner rule: choose a role, the dispatcher, "
            "a named user or the requester.",
        ),
        (
            "Task_approve",
            "userTask 'Manager approval' (Task_approve) is assigned in the file to candidateGroups managers; "
            "Baton needs an owner rule: choose a role, the dispatcher, a named user or the requester.",
        ),
        (
            "Task_log",
            "scriptTask 'Log reminder' (Task_log) is not supported: scripts would run code on the server; "
            "use a service task with a registered topic or a business rule task.",
        ),
        (
            "Task_order",
            "serviceTask 'Order parts' (Task_order) calls Camunda class com.acme.erp.OrderParts; Baton calls "
            "registered services by topic: choose one for it, or make it a step.",
        ),
        (
            "Flow_costly",
            "sequenceFlow '≥ 500' (Flow_costly) has the JUEL condition ${cost >= 500}; Baton conditions are "
            "CEL: use cost >= 500.",
        ),
    ]
    assert [f["suggestion"] for f in body["problems"]] == [None, None, None, None, "cost >= 500"]
    assert listed(body["notes"]) == [
        (
            "Task_quote",
            "userTask 'Quote the repair' (Task_quote) has listeners (taskListener); they are kept in the "
            "file, Baton does not run them.",
        ),
        (
            "Task_quote",
            "userTask 'Quote the repair' (Task_quote) has input/output mappings; they are kept in the file, "
            "Baton's step forms decide the data instead.",
        ),
    ]


def test_camunda_8_file_gets_feel_translated_and_zeebe_jobs_named(org: Any) -> None:
    body = imported(org, "camunda8_zeebe_dispatch.bpmn")
    assert body["tool"] == "Camunda 8 (Zeebe)"
    assert [(f["element_id"], f["suggestion"]) for f in body["problems"]] == [
        ("Task_locate", None),
        ("Task_repair", None),
        ("Task_review", None),
        ("Flow_urgent", 'priority == "urgent" && cost >= 500'),
    ]
    assert body["problems"][0]["message"] == (
        "serviceTask 'Find nearest technician' (Task_locate) calls Zeebe job type locate-technician; "
        "Baton calls registered services by topic: choose one for it, or make it a step."
    )
    assert body["problems"][1]["message"].startswith(
        "userTask 'Repair on site' (Task_repair) is assigned in the file to assignee =technician, "
        "candidateGroups field-team;"
    )
    assert [f["element_id"] for f in body["notes"]] == ["StartEvent_1", "Task_locate"]


def test_flowable_file_lists_juel_with_its_cel_and_the_delegate_expression(org: Any) -> None:
    body = imported(org, "flowable_purchase_approval.bpmn")
    assert body["tool"] == "Flowable"
    assert [(f["element_id"], f["suggestion"]) for f in body["problems"]] == [
        ("checkStock", None),
        ("managerApproval", None),
        ("placeOrder", None),
        ("largeOrder", "amount > 5000 && part != 'CONSUMABLE'"),
    ]
    assert body["problems"][2]["message"] == (
        "serviceTask 'Place order' (placeOrder) calls Flowable delegateExpression ${purchaseOrderDelegate}; "
        "Baton calls registered services by topic: choose one for it, or make it a step."
    )


def test_collaboration_runs_the_executable_pool_and_says_what_to_remove(org: Any) -> None:
    body = imported(org, "collaboration_pools_messages.bpmn")
    assert (body["process_id"], body["processes"]) == (
        "Process_vendor",
        [{"id": "Process_vendor", "name": "Vendor repair"}, {"id": "Process_customer", "name": "Customer"}],
    )
    assert listed(body["problems"]) == [
        (
            "Process_vendor",
            "The file has 2 processes (pools); Baton runs one process per flow. It will run process "
            "'Vendor repair' (Process_vendor): remove the other pools before deploying.",
        ),
        (
            "MessageFlow_request",
            "messageFlow 'Repair request' (MessageFlow_request) is not supported: messages between pools "
            "are not supported.",
        ),
        (
            "MessageFlow_done",
            "messageFlow 'Done notice' (MessageFlow_done) is not supported: messages between pools are not "
            "supported.",
        ),
        (
            "Start_vendor",
            "startEvent 'Request received' (Start_vendor) is not supported: a flow starts when a ticket is "
            "created; message start events are not supported.",
        ),
        (
            "Task_notify",
            "sendTask 'Notify customer' (Task_notify) is not supported: messages are not supported; use a "
            "service task.",
        ),
    ]


def test_signavio_and_activiti_files(org: Any) -> None:
    signavio = imported(org, "signavio_store_repair_lanes.bpmn")
    assert signavio["tool"] == "Signavio"
    assert [f["element_id"] for f in signavio["problems"]] == [
        "sid-5c2a8e7f-1d3b-4a90-b6c4-7e8f9a0b1c2d",
        "sid-REPORT",
        "sid-REPAIR",
        "sid-CONFIRM",
    ]
    assert signavio["problems"][0]["message"] == (
        'The process is marked as not executable; set isExecutable="true".'
    )
    activiti = imported(org, "activiti_leave_no_di.bpmn")
    assert (activiti["tool"], activiti["has_diagram"]) == ("Activiti", False)
    assert [f["element_id"] for f in activiti["problems"]] == ["inspect", "charge", "restock", "damagedFlow"]
    assert listed(activiti["notes"]) == [
        (
            None,
            "The file has no diagram layout (BPMNDI), so Baton lists its elements instead of drawing them. "
            "Add the layout in the tool that made it to edit it in the designer.",
        ),
        (
            "inspect",
            "userTask 'Inspect returned unit' (inspect) has listeners (taskListener); they are kept in the "
            "file, Baton does not run them.",
        ),
    ]


def test_findings_are_in_chinese_for_a_chinese_page(org: Any) -> None:
    body = imported(org, "bpmnio_colored_annotations.bpmn", language="zh-hans")
    assert listed(body["problems"]) == [
        ("Process_1", 'The process is marked as not executable; set isExecutable="true".'),
        ("Activity_check", "步骤「Check temperature」还没有负责人：请选择由谁负责。"),
        ("Activity_move", "步骤「Move stock to backup freezer」还没有负责人：请选择由谁负责。"),
    ]
    flowable = imported(org, "flowable_purchase_approval.bpmn", language="zh-hans")
    assert flowable["problems"][3]["message"] == (
        "sequenceFlow 'amount > 5000' (largeOrder) 使用 JUEL 条件 ${amount > 5000 && part != 'CONSUMABLE'}；"
        "Baton 的条件用 CEL 表达式：请改为 amount > 5000 && part != 'CONSUMABLE'。"
    )


def test_a_ready_file_deploys_and_its_version_keeps_the_vendor_data(org: Any) -> None:
    # given an imported file that passes deploy validation
    body = imported(org, "chinese_ready_to_run.bpmn")
    assert (body["ready"], body["problems"], body["notes"]) == (True, [], [])
    client = api_client(org.admin)
    # when it is deployed
    response = client.post(f"/api/v1/flows/repair/imports/{body['id']}/deploy")
    # then it is the flow's new version, with the colours and names it had
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2
    version = FlowVersion.objects.get(definition__key="repair", number=2)
    original = (CORPUS / "chinese_ready_to_run.bpmn").read_text(encoding="utf-8")
    assert version.bpmn_xml == original
    assert version.deployed_by == org.admin
    assert FlowDraft.objects.get().deployed_version == version
    exported = client.get("/api/v1/flows/repair/versions/2/xml")
    assert exported.content == original.encode("utf-8")


def test_a_draft_with_problems_is_not_deployed(org: Any) -> None:
    body = imported(org, "camunda7_repair_approval.bpmn")
    response = api_client(org.admin).post(f"/api/v1/flows/repair/imports/{body['id']}/deploy")
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert sorted(fields) == ["Flow_costly", "Task_approve", "Task_log", "Task_order", "Task_quote"]
    assert FlowVersion.objects.filter(definition__key="repair").count() == 1
    assert FlowDraft.objects.get().deployed_version is None


def test_the_web_pages_import_show_download_and_deploy(org: Any) -> None:
    client = web_client(org.admin)
    data = (CORPUS / "chinese_ready_to_run.bpmn").read_bytes()
    # upload from the flow page → the draft page
    response = web_upload(client, data, name="门店.bpmn")
    draft = FlowDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/flows/repair/imports/{draft.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "门店.bpmn" in page
    assert 'data-testid="designer-canvas"' in page
    assert "可以部署：无需修改。" in page  # the signed-in admin reads Chinese
    assert client.get("/flows/repair/").content.decode().count('data-testid="draft-row"') == 1
    # the designer opens the draft and deploys through the draft
    design = client.get(f"/flows/repair/design/?draft={draft.pk}").content.decode()
    assert f"/api/v1/flows/repair/imports/{draft.pk}/deploy" in design
    # download gives the file back
    download = client.get(f"/flows/repair/imports/{draft.pk}/bpmn/")
    assert download.content == data
    # deploy from the page
    response = client.post(f"/flows/repair/imports/{draft.pk}/deploy/")
    assert (response.status_code, response["Location"]) == (302, "/flows/repair/")
    assert FlowVersion.objects.filter(definition__key="repair").count() == 2


def test_the_draft_page_without_a_drawing_says_so_and_lists_problems(org: Any) -> None:
    client = web_client(org.admin)
    web_upload(client, (CORPUS / "activiti_leave_no_di.bpmn").read_bytes())
    draft = FlowDraft.objects.get()
    page = client.get(f"/flows/repair/imports/{draft.pk}/").content.decode()
    assert 'data-testid="draft-no-diagram"' in page
    assert 'data-testid="designer-canvas"' not in page
    assert page.count('data-testid="draft-problem"') == 4
    assert page.count('data-testid="draft-suggestion"') == 1
    response = client.post(f"/flows/repair/imports/{draft.pk}/deploy/")
    assert response.status_code == 302
    assert FlowVersion.objects.filter(definition__key="repair").count() == 1


def test_drafts_are_admin_only_and_deleting_removes_only_the_draft(org: Any) -> None:
    body = imported(org, "bpmnio_colored_annotations.bpmn")
    for user in (org.dispatcher, org.manager):
        assert api_client(user).get(f"/api/v1/flows/repair/imports/{body['id']}").status_code == 404
        assert web_client(user).get(f"/flows/repair/imports/{body['id']}/").status_code == 404
        assert web_client(user).post(f"/flows/repair/imports/{body['id']}/delete/").status_code == 404
    assert api_client(org.admin).get(f"/api/v1/flows/it/imports/{body['id']}").status_code == 404
    assert FlowDraft.objects.count() == 1
    response = web_client(org.admin).post(f"/flows/repair/imports/{body['id']}/delete/")
    assert response.status_code == 302
    assert FlowDraft.objects.count() == 0
    assert FlowVersion.objects.count() == 1
