"""The ticket page asks for the form fields a step was drawn with (the repair cost a gateway routes on)."""

from __future__ import annotations

from typing import Any

import pytest

from baton.tickets import services
from baton.tickets.forms import OUTCOMES, ReasonForm, form_class_for
from baton.tickets.models import Status, Step, StepState, Ticket
from baton.web.tests.pages import client_for, detail, state, step_url
from baton.workflows import services as flows
from baton.workflows.forms import flow_template

pytestmark = pytest.mark.django_db


def only_active(ticket: Ticket) -> Step:
    [step] = Step.objects.filter(ticket=ticket, state=StepState.ACTIVE).select_related("owner")
    return step


def version_of(ticket: Ticket) -> int:
    return Ticket.objects.get(pk=ticket.pk).version


def quoted(org: Any) -> tuple[Ticket, Step]:
    """A maintenance ticket on the cost-threshold template, dispatched through the page, at its quote."""
    template = flow_template("cost_approval")
    assert template is not None
    flows.deploy_flow(key="maintenance", name="费用阈值", bpmn_xml=template.xml(), ticket_type="maintenance")
    ticket = services.create_ticket(
        requester=org.store_manager, title="冷柜不制冷", asset=org.asset, ticket_type="maintenance"
    )
    dispatched = client_for(org.dispatcher).post(
        step_url(ticket, only_active(ticket), "complete"),
        {"outcome": "assign", "technician": org.tech.pk, "version": version_of(ticket)},
    )
    assert dispatched.status_code == 302
    quote = only_active(ticket)
    assert (quote.key, quote.owner) == ("Task_quote", org.tech)
    return ticket, quote


@pytest.mark.parametrize(
    ("cost", "next_key", "owner"),
    [("300", "Task_repair", "tech"), ("500", "Task_manager_approval", "manager")],
)
def test_the_quote_form_asks_for_the_cost_and_the_gateway_routes_on_it(
    org: Any, cost: str, next_key: str, owner: str
) -> None:
    ticket, quote = quoted(org)
    tech = client_for(org.tech)
    page = tech.get(detail(ticket)).content.decode()
    assert f'id="id_cost_{quote.pk}_quote"' in page
    response = tech.post(
        step_url(ticket, quote, "complete"), {"outcome": "quote", "cost": cost, "version": version_of(ticket)}
    )
    assert response.status_code == 302
    step = only_active(ticket)
    assert (step.key, step.owner) == (next_key, getattr(org, owner))
    [event] = ticket.events.filter(kind="step_completed", step=quote)
    assert event.data["changes"] == {"cost": [None, int(cost)]}


def test_a_quote_without_a_cost_is_refused_on_the_form_and_changes_nothing(org: Any) -> None:
    ticket, quote = quoted(org)
    before = state(ticket)
    response = client_for(org.tech).post(
        step_url(ticket, quote, "complete"), {"outcome": "quote", "cost": "", "version": version_of(ticket)}
    )
    assert response.status_code == 422
    assert state(ticket) == before
    assert only_active(ticket).pk == quote.pk


def test_a_dispatch_step_drawn_with_the_cost_field_asks_for_it_next_to_the_technician(org: Any) -> None:
    xml = flow_template("cost_approval").xml()  # type: ignore[union-attr]
    # Draw the cost on the dispatch step instead of a separate quote: the outcome is still 派工.
    xml = xml.replace(
        '<camunda:formField id="technician" label="维修工程师 Technician" type="long" />',
        '<camunda:formField id="technician" label="维修工程师 Technician" type="long" />'
        '<camunda:formField id="cost" label="维修费用 Cost" type="long" />',
        1,
    )
    assert xml.count('formField id="cost"') == 2
    flows.deploy_flow(key="maintenance", name="x", bpmn_xml=xml, ticket_type="maintenance")
    ticket = services.create_ticket(
        requester=org.store_manager, title="冷柜不制冷", asset=org.asset, ticket_type="maintenance"
    )
    dispatch = only_active(ticket)
    page = client_for(org.dispatcher).get(detail(ticket)).content.decode()
    assert f'id="id_cost_{dispatch.pk}_assign"' in page
    response = client_for(org.dispatcher).post(
        step_url(ticket, dispatch, "complete"),
        {"outcome": "assign", "technician": org.tech.pk, "cost": "120", "version": version_of(ticket)},
    )
    assert response.status_code == 302
    [event] = ticket.events.filter(kind="step_completed", step=dispatch)
    assert event.data["changes"] == {"technician": [None, org.tech.pk], "cost": [None, 120]}
    assert Ticket.objects.get(pk=ticket.pk).status != Status.CLOSED


def test_a_send_back_asks_only_for_the_fields_required_for_it() -> None:
    fields = ["technician", "cost", "resolution", "photos"]
    done = form_class_for(OUTCOMES["done"], fields, required=["resolution"])
    assert set(done.base_fields) == {"version", "resolution", "technician", "cost"}
    back = form_class_for(OUTCOMES["return"], fields, required=[""])
    assert back is ReasonForm
    back_with_cost = form_class_for(OUTCOMES["return"], fields, required=["cost"])
    assert set(back_with_cost.base_fields) == {"version", "reason", "cost"}
    form = back_with_cost({"version": "3", "reason": "太贵", "cost": "99.5"})
    assert form.is_valid()
    assert form.values() == {"cost": "99.5"}  # type: ignore[attr-defined]
