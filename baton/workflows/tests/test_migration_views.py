"""The version diff and ticket migration pages (admins only)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from baton.tickets import services as tickets
from baton.tickets.models import Step, StepState, TicketEvent
from baton.tickets.tests.helpers import active_step, open_ticket
from baton.tickets.tests.test_migration import V1, V2, V_NO_REPAIR
from baton.workflows.models import FlowInstance, FlowVersion
from baton.workflows.services import deploy_flow

from .test_designer_views import signed_in

pytestmark = pytest.mark.django_db


def _deploy(xml: str) -> FlowVersion:
    return deploy_flow(key="migrating", name="Migrating", bpmn_xml=xml, ticket_type="maintenance")


def _at_repair(org: Any) -> Any:
    ticket = open_ticket(org, ticket_type="maintenance")
    step = active_step(ticket)
    tickets.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner)
    return ticket


def _found(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-(?:element|ticket)="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/flows/migrating/diff/", "/flows/migrating/migrate/"])
def test_pages_are_404_for_everyone_but_admins(org: Any, path: str) -> None:
    _deploy(V1)
    _deploy(V2)
    assert signed_in(org.agent).get(path).status_code == 404
    assert signed_in(org.admin).get(path).status_code == 200


def test_the_flow_page_links_to_diff_and_migrate_once_there_are_two_versions(org: Any) -> None:
    _deploy(V1)
    client = signed_in(org.admin)
    assert 'data-testid="version-diff"' not in client.get("/flows/migrating/").content.decode()
    _deploy(V2)
    html = client.get("/flows/migrating/").content.decode()
    assert 'href="/flows/migrating/diff/"' in html
    assert 'href="/flows/migrating/migrate/"' in html


def test_diff_shows_added_removed_and_changed_steps(org: Any) -> None:
    _deploy(V1)
    _deploy(V2)
    _deploy(V_NO_REPAIR)
    client = signed_in(org.admin)

    html = client.get("/flows/migrating/diff/?from=1&to=2").content.decode()
    assert 'data-from="1" data-to="2"' in html
    assert _found(html, "diff-added") == ["Task_check"]
    assert _found(html, "diff-removed") == []
    assert _found(html, "diff-changed") == ["End_m", "Task_repair"]
    assert "出口连线" in html

    default = client.get("/flows/migrating/diff/").content.decode()  # newest against the one before
    assert 'data-from="2" data-to="3"' in default
    assert _found(default, "diff-removed") == [
        "Task_check",
        "Task_escalated",
        "Task_repair",
        "Timer_repair",
    ]

    same = client.get("/flows/migrating/diff/?from=1&to=1").content.decode()
    assert 'data-testid="diff-empty"' in same


def test_migrate_page_lists_in_flight_tickets_and_migrates_the_chosen_ones(org: Any) -> None:
    _deploy(V1)
    first, second = _at_repair(org), _at_repair(org)
    v2 = _deploy(V2)
    on_latest = _at_repair(org)
    client = signed_in(org.admin)

    html = client.get("/flows/migrating/migrate/").content.decode()
    assert _found(html, "in-flight") == [str(first.pk), str(second.pk)]
    assert f'data-ticket="{on_latest.pk}"' not in html
    assert "迁移到 v2" in html

    response = client.post("/flows/migrating/migrate/", {"ticket": [str(first.pk)]})
    assert response.status_code == 200
    html = response.content.decode()
    assert _found(html, "migrated") == [str(first.pk)]
    assert _found(html, "refused") == []
    assert _found(html, "in-flight") == [str(second.pk)]
    assert FlowInstance.objects.get(pk=first.flow_instance_id).version_id == v2.pk
    assert FlowInstance.objects.get(pk=second.flow_instance_id).version.number == 1
    assert TicketEvent.objects.filter(ticket=first, kind="flow_migrated").count() == 1
    assert TicketEvent.objects.filter(ticket=second, kind="flow_migrated").count() == 0


def test_migrate_page_shows_why_a_ticket_was_refused(org: Any) -> None:
    _deploy(V1)
    ticket = _at_repair(org)
    _deploy(V_NO_REPAIR)
    before = list(Step.objects.filter(ticket=ticket).values_list("pk", "task_id", "state"))

    html = (
        signed_in(org.admin).post("/flows/migrating/migrate/", {"ticket": [str(ticket.pk)]}).content.decode()
    )

    assert _found(html, "migrated") == []
    assert _found(html, "refused") == [str(ticket.pk)]
    assert "The current step &#x27;维修&#x27; (Task_repair) does not exist in the new version." in html
    assert _found(html, "in-flight") == [str(ticket.pk)]
    assert FlowInstance.objects.get(pk=ticket.flow_instance_id).version.number == 1
    assert list(Step.objects.filter(ticket=ticket).values_list("pk", "task_id", "state")) == before
    assert Step.objects.filter(ticket=ticket, state=StepState.ACTIVE).count() == 1
