"""The automation pages: admins only (404 for anyone else), toggling rules, dispatch settings."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from baton.automation.models import DispatchSetting, Rule

from .helpers import SEED_CONDITION, make_rule

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_admin_sees_rules_and_the_builder(org):
    rule = make_rule(
        org,
        name="VIP 停机",
        condition=SEED_CONDITION,
        actions=[{"type": "set_priority", "priority": "urgent"}],
    )
    admin = client_for(org.admin)
    page = admin.get("/automation/")
    assert page.status_code == 200
    assert "VIP 停机" in page.content.decode()
    detail = admin.get(f"/automation/rules/{rule.pk}/")
    assert detail.status_code == 200
    config = detail.context["config"]
    assert config["rule"]["condition"] == SEED_CONDITION
    assert {v["name"] for v in config["catalog"]["variables"]} >= {
        "priority",
        "customer_level",
        "site",
        "cost",
    }
    assert json.loads(
        detail.content.decode().split('id="rule-config" type="application/json">')[1].split("</script>")[0]
    )
    assert admin.get("/automation/rules/new/").status_code == 200
    assert admin.get("/automation/rules/999999/").status_code == 404


def test_others_get_404_and_change_nothing(org):
    rule = make_rule(org, enabled=False, actions=[{"type": "set_priority", "priority": "urgent"}])
    for user in (org.dispatcher, org.manager, org.tech, org.portal):
        client = client_for(user)
        assert client.get("/automation/").status_code == 404
        assert client.get(f"/automation/rules/{rule.pk}/").status_code == 404
        assert client.post(f"/automation/rules/{rule.pk}/toggle/").status_code == 404
        assert client.post(f"/automation/dispatch/{org.north.pk}/", {"strategy": "skill"}).status_code == 404
    assert Rule.objects.get().enabled is False
    assert not DispatchSetting.objects.exists()
    assert Client().get("/automation/").status_code == 302  # to the log-in page


def test_toggle_and_dispatch_setting_forms(org):
    rule = make_rule(org, enabled=False, actions=[{"type": "set_priority", "priority": "urgent"}])
    admin = client_for(org.admin)
    assert admin.post(f"/automation/rules/{rule.pk}/toggle/").status_code == 302
    assert Rule.objects.get().enabled is True
    admin.post(f"/automation/dispatch/{org.north.pk}/", {"strategy": "round_robin"})
    assert DispatchSetting.objects.get().strategy == "round_robin"
    admin.post(f"/automation/dispatch/{org.north.pk}/", {"strategy": "coin"})
    assert DispatchSetting.objects.get().strategy == "round_robin"
    admin.post(f"/automation/dispatch/{org.north.pk}/", {"strategy": ""})
    assert not DispatchSetting.objects.exists()


def test_dispatch_data_is_kept_in_the_django_admin(org):
    admin = client_for(org.admin)
    for model in ("technicianskill", "coverage", "dutymapping", "rosterentry", "dispatchsetting", "rulerun"):
        assert admin.get(f"/admin/automation/{model}/").status_code == 200
    assert admin.get("/admin/automation/rulerun/add/").status_code == 403
