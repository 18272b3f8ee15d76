"""The flow pages: admins see flows per ticket type, versions and the designer; others get 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from baton.workflows import services as flows
from baton.workflows.engine.lint import UNSUPPORTED
from baton.workflows.forms import flow_template, localize
from baton.workflows.models import FlowVersion

from .test_templates import open_ticket

pytestmark = pytest.mark.django_db

PAGES = [
    "/flows/",
    "/flows/repair/",
    "/flows/repair/design/",
    "/flows/repair/versions/1/",
    "/flows/repair/versions/1/xml/",
    "/flows/templates/store_repair/xml/",
]


def signed_in(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    client.force_login(user)
    return client


def config_of(response: Any) -> dict[str, Any]:
    html = response.content.decode()
    start = html.index('<script id="designer-config" type="application/json">') + len(
        '<script id="designer-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_404_for_everyone_but_admins(org: Any, path: str) -> None:
    for user in (org.dispatcher, org.manager, org.agent, org.store_manager, org.portal):
        assert signed_in(user).get(path).status_code == 404, user.username
    anonymous = Client().get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")
    assert signed_in(org.admin).get(path).status_code == 200


def test_the_list_shows_each_ticket_type_and_which_flow_it_runs(org: Any) -> None:
    open_ticket(org, "store_repair")
    response = signed_in(org.admin).get("/flows/")
    html = response.content.decode()
    assert [row.key for row in response.context["targets"]] == ["repair", "after_sales", "maintenance", "it"]
    assert "尚未单独设计，目前使用默认流程「门店设备报修 Store repair」" in html
    assert "售后维修六步流程" in html
    assert "紧急快速通道" in html
    english = signed_in(org.admin, "en").get("/flows/").content.decode()
    assert "Classic after-sales (6 steps)" in english


def test_the_flow_page_lists_versions_with_their_ticket_counts(org: Any) -> None:
    open_ticket(org, "store_repair")
    flows.deploy_flow(key="repair", name="x", bpmn_xml=flow_template("store_repair").xml(), actor=org.admin)  # type: ignore[union-attr]
    response = signed_in(org.admin).get("/flows/repair/")
    versions = response.context["versions"]
    assert [(v.number, v.tickets, v.running, v.deployed_by) for v in versions] == [
        (2, 0, 0, org.admin),
        (1, 1, 1, None),
    ]
    html = response.content.decode()
    assert 'href="/flows/repair/versions/1/xml/"' in html
    assert 'href="/flows/repair/design/?template=cost_approval"' in html


def test_a_ticket_type_without_a_flow_has_a_page_with_no_versions(org: Any) -> None:
    response = signed_in(org.admin).get("/flows/after_sales/")
    assert response.status_code == 200
    assert 'data-testid="no-versions"' in response.content.decode()
    assert signed_in(org.admin).get("/flows/store_repair/")["Location"] == "/flows/repair/"
    assert signed_in(org.admin).get("/flows/nope/").status_code == 404


def test_the_designer_opens_the_newest_version_an_older_one_or_a_template(org: Any) -> None:
    client = signed_in(org.admin)
    latest = config_of(client.get("/flows/repair/design/"))
    assert (latest["key"], latest["source"], latest["readOnly"]) == ("repair", "version:1", False)
    assert latest["xml"] == FlowVersion.objects.get().bpmn_xml
    assert latest["deployUrl"] == "/api/v1/flows/repair/deploy"
    assert latest["validateUrl"] == "/api/v1/flows/repair/validate"
    assert latest["camundaUrl"].endswith("vendor/camunda-moddle/camunda.json")
    assert {f["id"] for f in latest["catalog"]["fields"]} == {
        "technician", "cost", "fault_cause", "parts_used", "photos", "signature", "resolution", "rating",
    }  # fmt: skip
    assert [o["value"] for o in latest["catalog"]["owners"]] == [
        "dispatcher", "manager", "requester", "superior", "variable", "user", "role",
    ]  # fmt: skip
    template = config_of(client.get("/flows/repair/design/?template=cost_approval"))
    assert template["source"] == "template:cost_approval"
    assert "cost &lt; 500" in template["xml"]
    blank = config_of(client.get("/flows/it/design/"))
    assert (blank["xml"], blank["source"], blank["deployUrl"]) == ("", "blank", "/api/v1/flows/it/deploy")
    assert client.get("/flows/repair/design/?template=nope").status_code == 404
    assert client.get("/flows/repair/design/?from=7").status_code == 404


def test_the_designer_speaks_the_pages_language(org: Any) -> None:
    zh = config_of(signed_in(org.admin).get("/flows/repair/design/"))
    en = config_of(signed_in(org.admin, "en").get("/flows/repair/design/"))
    assert (zh["strings"]["owner"], en["strings"]["owner"]) == ("负责人", "Owner")
    assert (zh["catalog"]["fields"][1]["label"], en["catalog"]["fields"][1]["label"]) == (
        "维修费用",
        "Repair cost",
    )
    assert en["bpmnStrings"]["Create step"] == "Step"
    variables = {v["name"]: v for v in zh["catalog"]["variables"]}
    assert variables["customer_level"]["label"] == "客户等级"
    assert {"value": "vip", "label": "VIP"} in variables["customer_level"]["values"]
    assert {"value": "down", "label": "设备停机"} in variables["fault_category"]["values"]


def test_the_step_panel_offers_the_auto_dispatch_strategies_in_both_languages(org: Any) -> None:
    zh = config_of(signed_in(org.admin).get("/flows/repair/design/"))
    en = config_of(signed_in(org.admin, "en").get("/flows/repair/design/"))
    assert [s["value"] for s in zh["catalog"]["dispatchStrategies"]] == [
        "duty", "region", "skill", "least_loaded", "round_robin", "roster",
    ]  # fmt: skip
    assert zh["catalog"]["dispatchStrategies"][3] == {"value": "least_loaded", "label": "负载最少"}
    assert en["catalog"]["dispatchStrategies"][3] == {"value": "least_loaded", "label": "Least loaded"}
    assert (zh["strings"]["autoDispatch"], en["strings"]["autoDispatch"]) == ("自动派工", "Auto-dispatch")
    assert en["strings"]["autoDispatchDefault"] == "The department's dispatch setting"
    assert en["strings"]["autoDispatchOff"] == "Off (the owner dispatches)"


def test_an_old_version_opens_read_only_and_downloads(org: Any) -> None:
    client = signed_in(org.admin)
    page = client.get("/flows/repair/versions/1/")
    assert config_of(page)["readOnly"] is True
    html = page.content.decode()
    assert "bpmn-navigated-viewer.production.min.js" in html
    assert "bpmn-modeler" not in html
    download = client.get("/flows/repair/versions/1/xml/")
    assert download["Content-Disposition"] == 'attachment; filename="repair-v1.bpmn"'
    assert download.content.decode() == FlowVersion.objects.get().bpmn_xml
    assert client.get("/flows/repair/versions/2/").status_code == 404


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "userTask '派工' (Task_1) needs an 'owner' property (who is responsible for it).",
            "步骤「派工」还没有负责人：请选择由谁负责。",
        ),
        (
            "sequenceFlow (Flow_2) leaves exclusiveGateway (Gateway_1) and needs a condition.",
            "连线（Flow_2）从网关（Gateway_1）出发，需要设置条件，或设为默认路径。",
        ),
        (
            "The process needs exactly one start event; found 0.",
            "流程需要且只能有一个开始事件（现在有 0 个）。",
        ),
        ("Something the lint says one day.", "Something the lint says one day."),
    ],
)
def test_problems_are_said_in_chinese_where_we_know_how(english: str, chinese: str) -> None:
    assert localize(english, "zh-hans") == chinese
    assert localize(english, "en") == english


def test_every_unsupported_element_is_explained_in_chinese() -> None:
    for tag, reason in UNSUPPORTED.items():
        english = f"{tag} 'X' (Node_1) is not supported: {reason}."
        said = localize(english, "zh-hans")
        assert said.endswith("。")
        assert not any("a" <= ch <= "z" for ch in said.split("不受支持：", 1)[1]), (tag, said)
    assert localize(
        f"scriptTask 'Run it' (Task_script) is not supported: {UNSUPPORTED['scriptTask']}.", "zh"
    ) == (
        "脚本任务「Run it」不受支持：脚本会在服务器上运行代码；请改用注册了主题的服务任务，或业务规则任务。"
    )
