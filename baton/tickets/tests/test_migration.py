"""Moving in-flight tickets onto a newer version of their flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from baton.core.errors import Forbidden, InvalidTransition
from baton.tickets import services
from baton.tickets.models import Status, Step, StepState, TicketEvent
from baton.workflows.engine.tests import flow, owner, process
from baton.workflows.models import FlowInstance, FlowVersion
from baton.workflows.services import deploy_flow

from .helpers import active_step, fresh, open_ticket

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

_HEAD = (
    '<bpmn:startEvent id="Start_m"/>'
    f'<bpmn:userTask id="Task_dispatch" name="派工">{owner("dispatcher")}</bpmn:userTask>'
    f'<bpmn:userTask id="Task_repair" name="维修">{owner("dispatcher")}</bpmn:userTask>'
    '<bpmn:boundaryEvent id="Timer_repair" attachedToRef="Task_repair">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:boundaryEvent>"
    f'<bpmn:userTask id="Task_escalated" name="升级处理">{owner("manager")}</bpmn:userTask>'
    '<bpmn:endEvent id="End_m"/>'
    + flow("m1", "Start_m", "Task_dispatch")
    + flow("m2", "Task_dispatch", "Task_repair")
    + flow("m4", "Timer_repair", "Task_escalated")
    + flow("m5", "Task_escalated", "End_m")
)
V1 = process(_HEAD + flow("m3", "Task_repair", "End_m"), process_id="migrating")
V2 = process(
    _HEAD
    + f'<bpmn:userTask id="Task_check" name="复核">{owner("dispatcher")}</bpmn:userTask>'
    + flow("m3", "Task_repair", "Task_check")
    + flow("m6", "Task_check", "End_m"),
    process_id="migrating",
)
V_NO_REPAIR = process(
    '<bpmn:startEvent id="Start_m"/>'
    f'<bpmn:userTask id="Task_dispatch" name="派工">{owner("dispatcher")}</bpmn:userTask>'
    '<bpmn:endEvent id="End_m"/>'
    + flow("m1", "Start_m", "Task_dispatch")
    + flow("m2", "Task_dispatch", "End_m"),
    process_id="migrating",
)


def _deploy(xml: str) -> FlowVersion:
    return deploy_flow(key="migrating", name="Migrating", bpmn_xml=xml, ticket_type="maintenance")


@pytest.fixture
def waiting_at_repair(org):
    _deploy(V1)
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket(org, ticket_type="maintenance")
        step = active_step(ticket)
        services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner)
    ticket = fresh(ticket)
    assert active_step(ticket).key == "Task_repair"
    return ticket


def test_migrated_ticket_keeps_its_step_and_timer_and_follows_the_new_flow(org, waiting_at_repair):
    ticket = waiting_at_repair
    repair = active_step(ticket)
    row = FlowInstance.objects.get(pk=ticket.flow_instance_id)
    assert row.version.number == 1
    assert row.next_timer_due == T0 + timedelta(hours=4)
    v2 = _deploy(V2)
    steps_before = Step.objects.filter(ticket=ticket).count()

    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        migrated = services.migrate_ticket_flow(ticket=ticket, to_version=v2, actor=org.admin)

    row.refresh_from_db()
    assert row.version_id == v2.pk
    assert row.next_timer_due == T0 + timedelta(hours=4)  # not re-armed at 05:00 + 4 h
    assert migrated.version == ticket.version + 1
    same = active_step(migrated)
    assert (same.pk, same.task_id, same.key, same.owner_id) == (
        repair.pk,
        repair.task_id,
        "Task_repair",
        repair.owner_id,
    )
    assert Step.objects.filter(ticket=ticket).count() == steps_before
    event = TicketEvent.objects.filter(ticket=ticket).order_by("-seq").first()
    assert event is not None
    assert (event.kind, event.actor_id, event.data) == (
        "flow_migrated",
        org.admin.pk,
        {"flow": "migrating", "from": 1, "to": 2},
    )

    services.complete_step(ticket=migrated, step_id=same.pk, actor=same.owner)
    after = fresh(ticket)
    assert active_step(after).key == "Task_check"
    assert after.status == Status.IN_PROGRESS


def test_refused_when_the_current_step_was_removed_and_nothing_changes(org, waiting_at_repair):
    ticket = waiting_at_repair
    v_next = _deploy(V_NO_REPAIR)
    row = FlowInstance.objects.get(pk=ticket.flow_instance_id)
    steps = list(Step.objects.filter(ticket=ticket).values_list("pk", "task_id", "state"))
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    with pytest.raises(InvalidTransition) as raised:
        services.migrate_ticket_flow(ticket=ticket, to_version=v_next, actor=org.admin)

    assert str(raised.value) == "The current step '维修' (Task_repair) does not exist in the new version."
    after_row = FlowInstance.objects.get(pk=row.pk)
    assert (after_row.version_id, after_row.state, after_row.lock_version) == (
        row.version_id,
        row.state,
        row.lock_version,
    )
    assert list(Step.objects.filter(ticket=ticket).values_list("pk", "task_id", "state")) == steps
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before
    assert fresh(ticket).version == ticket.version


def test_only_admins_migrate_and_only_to_another_version(org, waiting_at_repair):
    ticket = waiting_at_repair
    v1 = FlowInstance.objects.get(pk=ticket.flow_instance_id).version
    v2 = _deploy(V2)
    with pytest.raises(Forbidden):
        services.migrate_ticket_flow(ticket=ticket, to_version=v2, actor=org.agent)
    with pytest.raises(InvalidTransition, match="already runs version 1"):
        services.migrate_ticket_flow(ticket=ticket, to_version=v1, actor=org.admin)
    assert FlowInstance.objects.get(pk=ticket.flow_instance_id).version_id == v1.pk
    assert active_step(fresh(ticket)).state == StepState.ACTIVE
