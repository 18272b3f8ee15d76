"""A new ticket is triaged by the deployed triage decision: priority, department, timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton.tickets.events import verify_ticket
from baton.tickets.models import Priority, Step, StepState, TicketEvent
from baton.tickets.tests.helpers import open_ticket
from baton.workflows.decisions import services
from baton.workflows.decisions.models import TicketDecision
from baton.workflows.decisions.triage import final_priority
from baton.workflows.models import FlowInstance

from . import triage_table

pytestmark = pytest.mark.django_db


def deploy_triage(org, rules=None, **extra):
    params = {
        "key": "triage",
        "name": "工单分级",
        "table": triage_table(rules),
        "triage": True,
        "actor": org.admin,
    }
    params.update(extra)
    return services.deploy_decision(**params)


def test_without_a_triage_decision_nothing_is_decided(org):
    ticket = open_ticket(org, fault_category="down")
    assert (ticket.priority, ticket.department) == (Priority.NORMAL, org.north)
    assert not TicketEvent.objects.filter(ticket=ticket, kind="decided").exists()
    assert not TicketDecision.objects.exists()


def test_a_hit_sets_priority_department_due_time_and_the_owner(org):
    # given a VIP customer (org.site) and a triage decision routing VIP equipment-down to the south
    version = deploy_triage(org)
    # when the store reports the equipment down
    ticket = open_ticket(org, fault_category="down")
    # then the ticket is urgent, in the south department, due in 4 hours
    assert ticket.priority == Priority.URGENT
    assert ticket.department == org.south
    assert ticket.due_at == ticket.created_at + timedelta(hours=4)
    [step] = Step.objects.filter(ticket=ticket, state=StepState.ACTIVE)
    assert (step.owner, step.department) == (org.south_dispatcher, org.south)
    # and the timeline says who decided what, after the creation
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("seq").values_list("kind", flat=True))
    assert kinds[:2] == ["created", "decided"]
    decided = TicketEvent.objects.get(ticket=ticket, kind="decided")
    assert decided.actor is None
    assert decided.data == {
        "decision": "triage",
        "name": "工单分级",
        "version": 1,
        "matched": [1],
        "outputs": {"priority": "urgent", "department": "S"},
        "changes": {
            "priority": ["normal", "urgent"],
            "due_at": [
                (ticket.created_at + timedelta(hours=24)).isoformat(),
                (ticket.created_at + timedelta(hours=4)).isoformat(),
            ],
            "department": ["华北区", "华南区"],
        },
    }
    record = TicketDecision.objects.get(ticket=ticket)
    assert record.version == version
    assert record.applied == {"priority": "urgent", "due_at": ticket.due_at.isoformat(), "department": "S"}
    assert record.inputs["customer_level"] == "vip"
    assert record.inputs["region"] == "RN"
    # and the audit chain is intact
    assert verify_ticket(ticket) == []


def test_the_flow_is_restarted_with_the_decided_priority(org):
    deploy_triage(org)
    ticket = open_ticket(org, fault_category="down")
    assert FlowInstance.objects.count() == 1
    assert ticket.flow_instance is not None
    from baton.workflows.services import load_instance

    assert load_instance(ticket.flow_instance).data["priority"] == "urgent"


def test_no_hit_keeps_the_region_department_and_records_the_decision(org):
    deploy_triage(org)
    # the south store's customer is a normal customer: no rule matches
    ticket = open_ticket(org, asset=org.south_asset, fault_category="down")
    assert (ticket.priority, ticket.department) == (Priority.NORMAL, org.south)
    decided = TicketEvent.objects.get(ticket=ticket, kind="decided")
    assert decided.data["matched"] == []
    assert decided.data["changes"] == {}
    assert TicketDecision.objects.get(ticket=ticket).applied == {}


def test_a_decision_without_department_keeps_the_region(org):
    deploy_triage(org)
    ticket = open_ticket(org, fault_category="leak")  # VIP, not down → rule 2: high, no department
    assert (ticket.priority, ticket.department) == (Priority.HIGH, org.north)
    assert TicketEvent.objects.get(ticket=ticket, kind="decided").data["changes"]["priority"] == [
        "normal",
        "high",
    ]


def test_an_explicit_higher_priority_is_kept(org):
    deploy_triage(org)
    ticket = open_ticket(org, fault_category="leak", priority=Priority.URGENT)
    assert ticket.priority == Priority.URGENT
    assert "priority" not in TicketEvent.objects.get(ticket=ticket, kind="decided").data["changes"]


@pytest.mark.parametrize(
    ("requested", "decided", "final"),
    [
        ("normal", "low", "low"),
        ("normal", "urgent", "urgent"),
        ("low", "high", "high"),
        ("urgent", "high", "urgent"),
        ("high", "low", "high"),
        ("high", "urgent", "urgent"),
        ("high", None, "high"),
        ("high", "bogus", "high"),
    ],
)
def test_final_priority(requested, decided, final):
    assert final_priority(requested, decided) == final


def test_a_decision_for_the_ticket_type_wins_over_the_one_for_every_type(org):
    deploy_triage(org)
    deploy_triage(
        org,
        rules=[("-", "-", '"low"', "")],
        key="it_triage",
        name="IT 分级",
        ticket_type="store_repair",
    )
    ticket = open_ticket(org, fault_category="down")
    assert ticket.priority == Priority.LOW
    assert TicketDecision.objects.get(ticket=ticket).version.definition.key == "it_triage"


def test_a_new_version_decides_new_tickets_and_old_tickets_keep_theirs(org):
    deploy_triage(org)
    first = open_ticket(org, fault_category="down")
    deploy_triage(org, rules=[('"vip"', '"down"', '"high"', "")])
    second = open_ticket(org, fault_category="down")
    assert (first.priority, second.priority) == (Priority.URGENT, Priority.HIGH)
    versions = dict(TicketDecision.objects.values_list("ticket_id", "version__number"))
    assert versions == {first.pk: 1, second.pk: 2}


def test_a_failing_decision_does_not_stop_the_ticket(org):
    # a cell that fails at run time: an int compared with a string
    deploy_triage(org, rules=[("? > 3", "-", '"urgent"', "")])
    ticket = open_ticket(org, fault_category="down")
    assert (ticket.priority, ticket.department) == (Priority.NORMAL, org.north)
    decided = TicketEvent.objects.get(ticket=ticket, kind="decided")
    assert decided.data["changes"] == {}
    assert "could not be evaluated" in decided.data["error"]
    assert Step.objects.filter(ticket=ticket, state=StepState.ACTIVE, owner=org.dispatcher).count() == 1


def test_under_collect_the_most_urgent_priority_and_the_first_department_count(org):
    rules = [('"vip"', "-", '"high"', '"S"'), ("-", '"down"', '"urgent"', '"HQ"'), ("-", "-", '"low"', "")]
    services.deploy_decision(
        key="triage", name="工单分级", table=triage_table(rules, "COLLECT"), triage=True, actor=org.admin
    )
    ticket = open_ticket(org, fault_category="down")
    assert (ticket.priority, ticket.department) == (Priority.URGENT, org.south)
    decided = TicketEvent.objects.get(ticket=ticket, kind="decided")
    assert decided.data["matched"] == [1, 2, 3]
    assert decided.data["outputs"] == {"priority": ["high", "urgent", "low"], "department": ["S", "HQ", ""]}


def test_an_unknown_department_code_is_noted_and_the_region_kept(org):
    from baton.accounts.models import Department

    deploy_triage(org, rules=[('"vip"', "-", '"high"', '"S"')])
    Department.objects.filter(code="S").update(code="S2")  # renamed after the decision was deployed
    ticket = open_ticket(org, fault_category="down")
    assert (ticket.priority, ticket.department) == (Priority.HIGH, org.north)
    decided = TicketEvent.objects.get(ticket=ticket, kind="decided")
    assert decided.data["notes"] == ["no department with code 'S'; the ticket stays with 华北区"]
    assert "department" not in decided.data["changes"]
