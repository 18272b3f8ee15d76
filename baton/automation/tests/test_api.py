"""The automation API: admins only, validation (nothing saved), dry runs (nothing changed), runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from baton.automation.models import DispatchSetting, Rule, RuleRun
from baton.notifications.models import Notification, OutboxMessage
from baton.tickets.models import Step, Ticket, TicketEvent
from baton.tickets.tests.helpers import open_ticket

from .helpers import SEED_CONDITION, kinds

pytestmark = pytest.mark.django_db
API = "/api/v1/automation"
SEED = {
    "name": "VIP 设备停机 ⇒ 紧急",
    "trigger": "created",
    "condition": SEED_CONDITION,
    "actions": [
        {"type": "set_priority", "priority": "urgent"},
        {"type": "dispatch", "strategy": "least_loaded"},
    ],
}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data, content_type="application/json")


def test_seed_rule_end_to_end_through_the_api(org):
    admin = client_for(org.admin)
    # given the seed rule, created and switched on through the API
    created = post(admin, f"{API}/rules", SEED)
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["enabled"], rule["condition"]) == (False, SEED_CONDITION)
    assert post(admin, f"{API}/rules/{rule['id']}/enable", {}).json()["enabled"] is True
    # when the store manager reports a stopped machine at a VIP store
    store = client_for(org.store_manager)
    response = post(
        store, "/api/v1/tickets", {"title": "炸炉停机", "fault_category": "down", "asset_id": org.asset.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # then the answer already shows it urgent and dispatched to a technician
    assert body["priority"] == "urgent"
    assert body["status"] == "in_repair"
    ticket = Ticket.objects.get(pk=body["id"])
    step = Step.objects.get(ticket=ticket, state="active")
    assert (step.key, step.owner) == ("Task_repair", org.tech)
    assert kinds(ticket)[-1] == "rule_fired"
    history = admin.get(f"/api/v1/tickets/{ticket.pk}/events").json()
    assert [e["kind"] for e in history][-5:] == [
        "fields_changed",
        "step_completed",
        "step_entered",
        "status_changed",
        "rule_fired",
    ]
    runs = admin.get(f"{API}/rules/{rule['id']}/runs").json()
    assert [(r["ticket_number"], r["status"], r["event"]) for r in runs] == [
        (ticket.number, "fired", "created")
    ]
    assert runs[0]["results"] == [
        {"type": "set_priority", "result": "priority: normal → urgent"},
        {"type": "dispatch", "result": "least loaded: 张师傅 has 0 open steps"},
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"condition": "customer_level == "}, "condition"),
        ({"condition": "len(title) > 3"}, "condition"),
        ({"condition": 'weather == "rain"'}, "condition"),
        ({"actions": [{"type": "launch_rocket"}]}, "actions.0.type"),
        ({"actions": [{"type": "set_priority", "priority": "asap"}]}, "actions.0.priority"),
        ({"actions": [{"type": "dispatch", "strategy": "coin_toss"}]}, "actions.0.strategy"),
        ({"actions": [{"type": "notify", "users": [], "roles": []}]}, "actions.0.users"),
        ({"actions": [{"type": "notify", "roles": ["owner"], "channels": ["fax"]}]}, "actions.0.channels"),
        ({"actions": [{"type": "webhook", "endpoint": 999}]}, "actions.0.endpoint"),
        ({"actions": [{"type": "set_priority", "priority": "high", "extra": 1}]}, "actions.0.extra"),
        ({"actions": []}, "actions"),
        ({"trigger": "sunrise"}, "trigger"),
        ({"trigger": "schedule"}, "every_minutes"),
        ({"trigger": "field_changed", "trigger_field": "colour"}, "trigger_field"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_saved(org, change, field):
    response = post(client_for(org.admin), f"{API}/rules", {**SEED, **change})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"]
    assert Rule.objects.count() == 0


def test_update_is_validated_and_partial(org):
    admin = client_for(org.admin)
    rule = post(admin, f"{API}/rules", SEED).json()
    bad = admin.patch(
        f"{API}/rules/{rule['id']}", {"condition": "priority =="}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert Rule.objects.get(pk=rule["id"]).condition == SEED_CONDITION
    good = admin.patch(
        f"{API}/rules/{rule['id']}",
        {"order": 5, "condition": 'priority == "high"'},
        content_type="application/json",
    )
    assert good.status_code == 200
    assert (good.json()["order"], good.json()["condition"], good.json()["name"]) == (
        5,
        'priority == "high"',
        SEED["name"],
    )


def test_non_admins_get_403_and_change_nothing(org):
    rule = post(client_for(org.admin), f"{API}/rules", SEED).json()
    ticket = open_ticket(org)
    for user in (org.dispatcher, org.manager, org.store_manager, org.portal):
        client = client_for(user)
        assert client.get(f"{API}/rules").status_code == 403
        assert post(client, f"{API}/rules", SEED).status_code == 403
        assert post(client, f"{API}/rules/{rule['id']}/enable", {}).status_code == 403
        assert post(client, f"{API}/rules/{rule['id']}/dry-run", {"ticket": ticket.number}).status_code == 403
        assert (
            client.put(
                f"{API}/dispatch-settings/{org.north.pk}",
                {"strategy": "skill"},
                content_type="application/json",
            ).status_code
            == 403
        )
    assert Rule.objects.count() == 1
    assert Rule.objects.get().enabled is False
    assert not DispatchSetting.objects.exists()
    assert Client().get(f"{API}/rules").status_code == 401


def test_dry_run_shows_the_outcome_and_changes_nothing(org):
    admin = client_for(org.admin)
    rule = post(admin, f"{API}/rules", {**SEED, "enabled": False}).json()
    ticket = open_ticket(org, fault_category="down")
    other = open_ticket(org, fault_category="leak")
    counts = (
        TicketEvent.objects.count(),
        Step.objects.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
        RuleRun.objects.count(),
    )
    result = post(admin, f"{API}/rules/{rule['id']}/dry-run", {"ticket": ticket.number}).json()
    assert result == {
        "ticket": ticket.number,
        "matches": True,
        "error": "",
        "actions": [
            {"type": "set_priority", "result": "would set priority: normal → urgent"},
            {"type": "dispatch", "result": "would dispatch: least loaded: 张师傅 has 0 open steps"},
        ],
    }
    assert (
        post(admin, f"{API}/rules/{rule['id']}/dry-run", {"ticket": str(other.pk)}).json()["matches"] is False
    )
    draft = post(
        admin,
        f"{API}/dry-run",
        {"ticket": other.number, "rule": {**SEED, "condition": 'fault_category == "leak"'}},
    ).json()
    assert draft["matches"] is True
    assert (
        TicketEvent.objects.count(),
        Step.objects.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
        RuleRun.objects.count(),
    ) == counts
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"
    assert post(admin, f"{API}/rules/{rule['id']}/dry-run", {"ticket": "WO-nope"}).status_code == 404


def test_dispatch_settings(org):
    admin = client_for(org.admin)
    url = f"{API}/dispatch-settings/{org.north.pk}"
    assert admin.put(url, {"strategy": "coin"}, content_type="application/json").status_code == 422
    saved = admin.put(url, {"strategy": "round_robin"}, content_type="application/json")
    assert saved.json() == {
        "department_id": org.north.pk,
        "department": "华北区",
        "strategy": "round_robin",
        "enabled": True,
    }
    assert admin.get(f"{API}/dispatch-settings").json() == [saved.json()]
    assert admin.delete(url).status_code == 204
    assert admin.delete(url).status_code == 404
    assert not DispatchSetting.objects.exists()
