"""An admin imports a Camunda 7 file on the flow page: it is kept as a draft, byte for byte, and the
draft page draws it and lists what must change before it can run. Nothing is deployed. A file that
is not XML at all is refused on the same page and nothing is stored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from baton.workflows.models import FlowDefinition, FlowDraft, FlowVersion
from baton.workflows.tests.import_helpers import CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMUNDA_7 = CORPUS / "camunda7_repair_approval.bpmn"
UPLOAD = "[data-testid=import-form] input[type=file][name=file]"
SUBMIT = "[data-testid=import-form] button[type=submit]"

#: What must change, in the order the page lists them (the admin reads Chinese; the engine's own
#: reasons for a script task stay in English, as the analysis writes them).
PROBLEMS = [
    (
        "Task_quote",
        "userTask 'Quote the repair' (Task_quote) 在文件中指派给 assignee ${reporter}, candidateGroups "
        "technicians；Baton 需要负责人规则：请选择角色、派工主管、指定用户或报修人。",
    ),
    (
        "Task_approve",
        "userTask 'Manager approval' (Task_approve) 在文件中指派给 candidateGroups managers；"
        "Baton 需要负责人规则：请选择角色、派工主管、指定用户或报修人。",
    ),
    (
        "Task_log",
        "脚本任务「Log reminder」不受支持：脚本会在服务器上运行代码；"
        "请改用注册了主题的服务任务，或业务规则任务。",
    ),
    (
        "Task_order",
        "serviceTask 'Order parts' (Task_order) 调用 Camunda class com.acme.erp.OrderParts；"
        "Baton 按主题调用已注册的服务：请为它选择一个，或改成人工步骤。",
    ),
    (
        "Flow_costly",
        "sequenceFlow '≥ 500' (Flow_costly) 使用 JUEL 条件 ${cost >= 500}；Baton 的条件用 CEL 表达式："
        "请改为 cost >= 500。\n建议的 CEL： cost >= 500",
    ),
]


def path_of(page: Any) -> str:
    return urlparse(page.url).path


def flow_name(key: str) -> str:
    return FlowDefinition.objects.get(key=key).name


def versions() -> list[tuple[str, int]]:
    return list(FlowVersion.objects.order_by("pk").values_list("definition__key", "number"))


def test_a_camunda_7_file_becomes_a_draft_with_its_drawing_and_what_must_change(
    org: Any, sign_in: Any
) -> None:
    data = CAMUNDA_7.read_bytes()
    assert "≥".encode() in data  # not plain ASCII: the bytes kept must be the bytes sent
    deployed = versions()
    assert ("repair", 1) in deployed
    # given the admin on the repair flow's page, in Chinese, with nothing imported yet
    admin = sign_in("admin")
    admin.goto("/flows/repair/")
    assert admin.locator("html").get_attribute("lang") == "zh-hans"
    imports = admin.locator("[data-testid=imports]")
    assert imports.locator(".card-title").inner_text() == "导入 BPMN 文件"
    assert admin.locator("[data-testid=draft-row]").count() == 0
    # when they choose the file Camunda Modeler saved and import it
    admin.set_input_files(UPLOAD, str(CAMUNDA_7))
    admin.click(SUBMIT)
    admin.wait_for_url(lambda url: urlparse(url).path.startswith("/flows/repair/imports/"))

    # then exactly one draft holds the uploaded bytes unchanged, and nothing was deployed
    [draft] = FlowDraft.objects.all()
    assert path_of(admin) == f"/flows/repair/imports/{draft.pk}/"
    assert draft.original_xml.encode("utf-8") == data
    assert draft.bpmn_xml.encode("utf-8") == data
    assert (draft.key, draft.filename, draft.tool) == ("repair", CAMUNDA_7.name, "Camunda 7")
    assert (draft.created_by, draft.deployed_version) == (org.admin, None)
    assert versions() == deployed

    # and the draft page names the file, says it is a draft and lists what must change, in order
    assert admin.locator("h1.page-title").inner_text().split() == [CAMUNDA_7.name, "草稿"]
    findings = admin.locator("[data-testid=draft-findings]")
    assert findings.locator(".card-title").inner_text() == "运行前需要修改 5 处"
    problems = findings.locator("[data-testid=draft-problem]")
    assert [problems.nth(i).get_attribute("data-element") for i in range(problems.count())] == [
        element for element, _ in PROBLEMS
    ]
    assert [problems.nth(i).inner_text() for i in range(problems.count())] == [
        message for _, message in PROBLEMS
    ]
    assert findings.locator("[data-testid=draft-suggestion]").all_inner_texts() == ["cost >= 500"]
    expect(findings.locator("[data-testid=draft-note]")).to_have_count(2)  # kept, not run
    expect(admin.locator("[data-testid=draft-deploy]")).to_be_disabled()
    assert admin.locator("[data-testid=draft-no-diagram]").count() == 0

    # and the drawing is shown read-only, every task of the file in it
    canvas = admin.locator("[data-testid=designer-canvas]")
    expect(canvas).to_be_visible()
    admin.wait_for_selector("body[data-designer-ready]")
    for element in ("StartEvent_1", "Task_quote", "Task_approve", "Task_log", "Task_order", "Flow_costly"):
        expect(canvas.locator(f".djs-element[data-element-id={element}]")).to_have_count(1)
    expect(admin.locator("[data-testid=designer-status]")).to_be_hidden()  # no "could not draw it"

    # and the flow page lists the draft once; still nothing deployed
    admin.goto("/flows/repair/")
    rows = admin.locator("[data-testid=draft-row]")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("href") == f"/flows/repair/imports/{draft.pk}/"
    assert FlowDraft.objects.count() == 1
    assert versions() == deployed
    assert admin.js_errors == []


def test_a_file_that_is_not_xml_is_refused_on_the_page_and_nothing_is_stored(org: Any, sign_in: Any) -> None:
    deployed = versions()
    admin = sign_in("admin")
    admin.goto("/flows/repair/")
    # when the admin imports a text file that only claims to be BPMN
    admin.set_input_files(
        UPLOAD,
        {"name": "流程.bpmn", "mimeType": "application/xml", "buffer": "这不是 XML，只是一段文字\n".encode()},
    )
    admin.click(SUBMIT)
    # then the flow page comes back with the reason, and no draft is kept, nothing deployed
    error = admin.locator("[data-testid=import-error]")
    expect(error).to_have_text(
        "无法读取文件：文件不是格式正确的 XML：Start tag expected, '<' not found, "
        "line 1, column 1 (<string>, line 1)"
    )
    assert path_of(admin) == "/flows/repair/import/"
    assert admin.locator("h1.page-title").inner_text() == flow_name("repair")
    expect(admin.locator("[data-testid=import-form]")).to_be_visible()  # they can try another file
    assert admin.locator("[data-testid=draft-row]").count() == 0
    assert FlowDraft.objects.count() == 0
    assert versions() == deployed
    assert admin.js_errors == []
