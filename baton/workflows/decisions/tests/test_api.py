"""The decision API: admins list, get, validate, deploy and evaluate; everyone else gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from baton.accounts.services import create_api_token
from baton.workflows.decisions.models import DecisionDefinition, DecisionVersion

from . import triage_table

pytestmark = pytest.mark.django_db
JSON = "application/json"


def client_for(user: Any, language: str = "en") -> Client:
    _, secret = create_api_token(user=user, name="decisions")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)


def body(table: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": "工单分级", "table": table or triage_table(), "triage": True, **extra}


def deploy(client: Client, key: str = "triage", **extra: Any) -> Any:
    return client.post(f"/api/v1/decisions/{key}/deploy", body(**extra), content_type=JSON)


def test_only_admins_see_the_decision_api(org: Any) -> None:
    deploy(client_for(org.admin))
    for user in (org.dispatcher, org.manager, org.store_manager, org.portal, org.agent):
        client = client_for(user)
        assert client.get("/api/v1/decisions").status_code == 404
        assert client.get("/api/v1/decisions/triage").status_code == 404
        assert client.get("/api/v1/decisions/triage/versions/1").status_code == 404
        assert client.get("/api/v1/decisions/triage/versions/1/dmn").status_code == 404
        assert client.post("/api/v1/decisions/triage/validate", body(), content_type=JSON).status_code == 404
        response = deploy(client)
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}
        evaluate = {"inputs": {"customer_level": "vip", "fault_category": "down"}}
        assert (
            client.post("/api/v1/decisions/triage/evaluate", evaluate, content_type=JSON).status_code == 404
        )
    assert Client().get("/api/v1/decisions").status_code == 401
    assert DecisionVersion.objects.count() == 1


def test_deploy_list_get_and_versions(org: Any) -> None:
    client = client_for(org.admin)
    first = deploy(client)
    assert first.status_code == 201
    assert first.json()["number"] == 1
    second = deploy(client, table=triage_table([('"vip"', "-", '"high"', "")]))
    assert second.json()["number"] == 2
    [row] = client.get("/api/v1/decisions").json()
    assert row == {
        "key": "triage",
        "name": "工单分级",
        "triage": True,
        "ticket_type": "",
        "latest_version": 2,
        "versions": 2,
        "tickets": 0,
    }
    detail = client.get("/api/v1/decisions/triage").json()
    assert [v["number"] for v in detail["version_list"]] == [2, 1]
    assert detail["version_list"][0]["deployed_by"] == {"id": org.admin.pk, "name": org.admin.display_name}
    assert detail["table"]["rules"] == [{"inputs": ['"vip"', "-"], "outputs": ['"high"', ""], "note": ""}]
    old = client.get("/api/v1/decisions/triage/versions/1").json()
    assert old["table"] == triage_table()
    dmn = client.get("/api/v1/decisions/triage/versions/1/dmn")
    assert dmn["Content-Disposition"] == 'attachment; filename="triage-v1.dmn"'
    assert b'<decision id="triage" name="' in dmn.content
    assert client.get("/api/v1/decisions/triage/versions/3").status_code == 404
    assert client.get("/api/v1/decisions/nope").status_code == 404


def test_problems_are_keyed_by_cell_and_nothing_is_stored(org: Any) -> None:
    client = client_for(org.admin)
    table = triage_table(
        [
            ('"vip","strategic"', "-", '"urgent"', ""),  # a FEEL list: not CEL
            ("-", "len(?) > 2", '"high"', ""),  # len is not a CEL function
            ("-", "-", '"asap"', '"NOWHERE"'),  # unknown priority and department
        ]
    )
    response = deploy(client, table=table)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert sorted(fields) == ["In_1_1", "In_2_2", "Out_3_1", "Out_3_2"]
    assert "neither an expression nor a comparison" in fields["In_1_1"][0]
    assert "unknown function len" in fields["In_2_2"][0]
    assert fields["Out_3_1"] == ['Rule 3: priority \'asap\' is not one of "low", "normal", "high", "urgent".']
    assert fields["Out_3_2"] == ["Rule 3: there is no department with code 'NOWHERE'."]
    assert not DecisionDefinition.objects.exists()
    # validate says the same without storing, in Chinese for a Chinese page
    zh = client_for(org.admin, "zh-hans")
    checked = zh.post("/api/v1/decisions/triage/validate", body(table), content_type=JSON).json()
    assert checked["valid"] is False
    assert [p["element_id"] for p in checked["problems"]] == ["In_1_1", "In_2_2", "Out_3_1", "Out_3_2"]
    assert checked["problems"][3]["message"] == "规则 3：没有编码为「NOWHERE」的部门。"
    assert checked["problems"][0]["message"].startswith(
        '规则 1 的条件「"vip","strategic"」既不是表达式也不是比较'
    )
    assert not DecisionDefinition.objects.exists()


def test_bad_shapes_and_headers_are_422(org: Any) -> None:
    client = client_for(org.admin)
    broken = triage_table()
    broken["rules"][0]["inputs"] = ["-"]
    assert deploy(client, table=broken).json()["fields"] == {"Rule_1": ["needs one cell per column"]}
    assert deploy(client, key="Bad-Key").json()["fields"] == {
        "key": ["lowercase letters, digits and _, starting with a letter (at most 64)"]
    }
    assert deploy(client, ticket_type="nope").json()["fields"] == {"ticket_type": ["invalid choice"]}
    policy = {**triage_table(), "hit_policy": "PRIORITY"}
    assert deploy(client, table=policy).json()["fields"] == {
        "hit_policy": ["must be one of UNIQUE, FIRST, ANY, COLLECT"]
    }
    empty = {**triage_table(), "rules": []}
    assert deploy(client, table=empty).json()["fields"] == {
        "Table": ["The decision table has no rules; add at least one row."]
    }
    response = client.post("/api/v1/decisions/triage/deploy", "{", content_type=JSON)
    assert response.status_code in (400, 422)
    assert not DecisionDefinition.objects.exists()


def test_one_triage_decision_per_ticket_type(org: Any) -> None:
    client = client_for(org.admin)
    deploy(client)
    response = deploy(client, key="other")
    assert response.status_code == 422
    assert response.json()["fields"] == {"triage": ["already decided by triage"]}
    assert deploy(client, key="other", ticket_type="it").status_code == 201


def test_evaluate_is_a_dry_run(org: Any) -> None:
    client = client_for(org.admin)
    deploy(client)
    deploy(client, table=triage_table([('"vip"', "-", '"high"', "")]))
    url = "/api/v1/decisions/triage/evaluate"
    inputs = {"customer_level": "vip", "fault_category": "down"}
    newest = client.post(url, {"inputs": inputs}, content_type=JSON).json()
    assert newest == {
        "key": "triage",
        "version": 2,
        "outputs": {"priority": "high", "department": ""},
        "matched": [1],
    }
    older = client.post(url, {"inputs": inputs, "version": 1}, content_type=JSON).json()
    assert older["outputs"] == {"priority": "urgent", "department": "S"}
    nothing = client.post(
        url, {"inputs": {"customer_level": "normal", "fault_category": "down"}}, content_type=JSON
    )
    assert nothing.json()["outputs"] == {}
    assert nothing.json()["matched"] == []
    missing = client.post(url, {"inputs": {"fault_category": "down"}}, content_type=JSON)
    assert missing.status_code == 422
    assert "customer_level" in missing.json()["message"]
    bad = client.post(url, {"inputs": {"typename": "x"}}, content_type=JSON)
    assert bad.status_code == 422
    assert client.post(url, {"inputs": inputs, "version": 9}, content_type=JSON).status_code == 404
    assert DecisionVersion.objects.count() == 2
