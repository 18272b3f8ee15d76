"""Decision pages: admins see the list, the editor and old versions; everyone else gets 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from baton.workflows.decisions import services
from baton.workflows.decisions.models import DecisionDefinition
from conftest import PASSWORD

from . import triage_table

pytestmark = pytest.mark.django_db


def signed_in(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    assert client.login(username=user.username, password=PASSWORD)
    return client


def config_of(html: str) -> dict[str, Any]:
    start = html.index('<script id="decision-config" type="application/json">') + len(
        '<script id="decision-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def deploy(org: Any, rules: Any = None) -> Any:
    return services.deploy_decision(
        key="triage", name="工单分级", table=triage_table(rules), triage=True, actor=org.admin
    )


def test_pages_are_404_for_everyone_but_admins(org: Any) -> None:
    deploy(org)
    urls = [
        "/decisions/",
        "/decisions/new/",
        "/decisions/triage/",
        "/decisions/triage/edit/",
        "/decisions/triage/versions/1/",
    ]
    for user in (org.dispatcher, org.manager, org.store_manager, org.portal):
        client = signed_in(user)
        assert [client.get(url).status_code for url in urls] == [404] * len(urls)
        assert 'data-testid="nav-decisions"' not in client.get("/").content.decode()
    assert Client().get("/decisions/").status_code == 302
    admin = signed_in(org.admin)
    assert [admin.get(url).status_code for url in urls] == [200] * len(urls)
    assert admin.get("/decisions/nope/").status_code == 404
    assert admin.get("/decisions/triage/versions/2/").status_code == 404


def test_list_shows_each_decision_with_its_version(org: Any) -> None:
    deploy(org)
    deploy(org, rules=[('"vip"', "-", '"high"', "")])
    html = signed_in(org.admin).get("/decisions/").content.decode()
    assert 'data-testid="nav-decisions"' in html
    assert 'data-key="triage"' in html
    assert "v2" in html
    assert "新工单分级" in html
    english = signed_in(org.admin, "en").get("/decisions/").content.decode()
    assert "Decision tables" in english
    assert "Triage of new tickets" in english


def test_the_editor_gets_the_newest_table_or_an_older_one(org: Any) -> None:
    deploy(org)
    deploy(org, rules=[('"vip"', "-", '"high"', "")])
    admin = signed_in(org.admin)
    config = config_of(admin.get("/decisions/triage/edit/").content.decode())
    assert config["key"] == "triage"
    assert config["isNew"] is False
    assert config["version"] == 2
    assert config["table"]["rules"] == [{"inputs": ['"vip"', "-"], "outputs": ['"high"', ""], "note": ""}]
    assert config["apiBase"] == "/api/v1/decisions"
    assert {"cell": '"down"', "label": "设备停机"} in next(
        v["values"] for v in config["variables"] if v["name"] == "fault_category"
    )
    departments = next(o["values"] for o in config["outputs"] if o["name"] == "department")
    assert {"cell": '"S"', "label": "华南区"} in departments
    older = config_of(admin.get("/decisions/triage/edit/?from=1").content.decode())
    assert older["table"] == triage_table()
    assert older["version"] == 1
    blank = config_of(admin.get("/decisions/new/").content.decode())
    assert blank["isNew"] is True
    assert blank["key"] == ""
    assert blank["version"] is None
    assert len(blank["table"]["rules"]) == 1


def test_a_version_page_is_read_only_and_lists_the_tickets_it_decided(org: Any) -> None:
    from baton.tickets.tests.helpers import open_ticket

    deploy(org)
    ticket = open_ticket(org, fault_category="down")
    html = signed_in(org.admin).get("/decisions/triage/versions/1/").content.decode()
    assert config_of(html)["readOnly"] is True
    assert ticket.number in html
    assert f"/tickets/{ticket.pk}/" in html
    detail = signed_in(org.admin).get("/decisions/triage/").content.decode()
    assert 'data-testid="version-tickets">1<' in detail
    assert DecisionDefinition.objects.count() == 1


def test_the_timeline_says_what_the_decision_decided(org: Any) -> None:
    from baton.tickets.tests.helpers import open_ticket

    deploy(org)
    ticket = open_ticket(org, fault_category="down")
    html = signed_in(org.admin).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "工单分级 v1 决定：" in html
    assert "紧急" in html
    english = signed_in(org.admin, "en").get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Decided by 工单分级 v1:" in english


def test_the_flow_designer_offers_deployed_decisions(org: Any) -> None:
    deploy(org)
    deploy(org, rules=[('"vip"', "-", '"high"', "")])
    html = signed_in(org.admin).get("/flows/it/design/").content.decode()
    start = html.index('<script id="designer-config" type="application/json">')
    start = html.index(">", start) + 1
    config = json.loads(html[start : html.index("</script>", start)])
    decisions = config["catalog"]["decisions"]
    assert decisions["choices"] == [
        {
            "key": "triage",
            "name": "工单分级",
            "version": 2,
            "outputs": ["priority", "department"],
            "url": "/decisions/triage/",
        }
    ]
    assert decisions["strings"]["title"] == "决策任务"
    assert config["bpmnStrings"]["Create decision task (runs a decision table)"] == "决策任务（运行决策表）"
