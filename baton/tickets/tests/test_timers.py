"""Flow timers on tickets: swept by the worker, never before their due time, exactly once."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from baton.tickets import services
from baton.tickets.models import Status, Step, StepState, TicketEvent
from baton.workflows.engine.tests import flow, owner, process
from baton.workflows.models import FlowInstance
from baton.workflows.services import deploy_flow

from .helpers import open_ticket

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

# Dispatch must happen within 15 minutes; otherwise the step is taken away and the
# department manager gets an escalation step.
ESCALATING = process(
    '<bpmn:startEvent id="Start_r"/>'
    '<bpmn:userTask id="Task_dispatch" name="派工">'
    f"{owner('dispatcher', sla='PT15M', status='waiting_dispatch')}</bpmn:userTask>"
    '<bpmn:boundaryEvent id="Timer_dispatch" attachedToRef="Task_dispatch">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT15M</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:boundaryEvent>"
    f'<bpmn:userTask id="Task_escalated" name="升级处理">{owner("manager", sla="PT1H")}</bpmn:userTask>'
    '<bpmn:endEvent id="End_ok"/><bpmn:endEvent id="End_esc"/>'
    + flow("f1", "Start_r", "Task_dispatch")
    + flow("f2", "Task_dispatch", "End_ok")
    + flow("f3", "Timer_dispatch", "Task_escalated")
    + flow("f4", "Task_escalated", "End_esc"),
    process_id="escalating",
)


@pytest.fixture
def escalating_ticket(org):
    deploy_flow(key="escalating", name="Escalating", bpmn_xml=ESCALATING, ticket_type="maintenance")
    with time_machine.travel(T0, tick=False):
        return open_ticket(org, ticket_type="maintenance")


def test_timer_is_indexed_and_does_not_fire_early(org, escalating_ticket):
    instance = FlowInstance.objects.get(pk=escalating_ticket.flow_instance_id)
    assert instance.next_timer_due == T0 + timedelta(minutes=15)
    with time_machine.travel(T0 + timedelta(minutes=14, seconds=59), tick=False):
        assert services.fire_due_timers() == 0
    step = Step.objects.get(ticket=escalating_ticket, state=StepState.ACTIVE)
    assert (step.key, step.owner) == ("Task_dispatch", org.dispatcher)


def test_due_timer_escalates_once_to_the_manager(org, escalating_ticket):
    events_before = TicketEvent.objects.filter(ticket=escalating_ticket).count()
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        assert services.fire_due_timers() == 1
        assert services.fire_due_timers() == 0
    rows = Step.objects.filter(ticket=escalating_ticket).order_by("pk")
    steps = list(rows.values_list("key", "state", "owner"))
    assert steps == [
        ("Task_dispatch", StepState.CANCELLED, org.dispatcher.pk),
        ("Task_escalated", StepState.ACTIVE, org.manager.pk),
    ]
    new_kinds = list(
        TicketEvent.objects.filter(ticket=escalating_ticket).order_by("seq").values_list("kind", flat=True)
    )[events_before:]
    assert new_kinds == ["step_cancelled", "step_entered", "status_changed"]
    instance = FlowInstance.objects.get(pk=escalating_ticket.flow_instance_id)
    assert instance.next_timer_due is None
    assert escalating_ticket.__class__.objects.get(pk=escalating_ticket.pk).status == Status.IN_PROGRESS


def test_handled_step_disarms_the_timer(org, escalating_ticket):
    step = Step.objects.get(ticket=escalating_ticket, state=StepState.ACTIVE)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        services.complete_step(ticket=escalating_ticket, step_id=step.pk, actor=org.dispatcher)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert services.fire_due_timers() == 0
    assert escalating_ticket.__class__.objects.get(pk=escalating_ticket.pk).status == Status.CLOSED
    assert not Step.objects.filter(ticket=escalating_ticket, key="Task_escalated").exists()


def test_worker_once_sweeps_due_timers(org, escalating_ticket):
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        call_command("worker", "--once", stdout=io.StringIO())
    assert Step.objects.get(ticket=escalating_ticket, state=StepState.ACTIVE).key == "Task_escalated"
