"""Timers fire from baton.core.clock (moved with time-machine), only when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from baton.workflows.engine import (
    CompiledFlow,
    EngineError,
    FlowInstance,
    compile_flow,
    load_instance,
    register_service,
    start_instance,
)
from baton.workflows.engine.timers import _ClockDatetime

from . import flow, owner, process

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Dispatch has a 15-minute non-interrupting SLA alert; repair a 4-hour interrupting
# escalation that hands the work to a supervisor.
SLA_FLOW = process(
    '<bpmn:startEvent id="Start_1"/>'
    f'<bpmn:userTask id="Task_dispatch" name="Dispatch">{owner()}</bpmn:userTask>'
    '<bpmn:boundaryEvent id="Timer_dispatch_sla" name="15 min" cancelActivity="false" '
    'attachedToRef="Task_dispatch">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT15M</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:boundaryEvent>"
    '<bpmn:serviceTask id="Task_alert" camunda:topic="test_timer_alert"/>'
    '<bpmn:endEvent id="End_alerted"/>'
    f'<bpmn:userTask id="Task_repair" name="Repair">{owner("variable:technician")}</bpmn:userTask>'
    '<bpmn:boundaryEvent id="Timer_repair_sla" name="4 h" attachedToRef="Task_repair">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:boundaryEvent>"
    f'<bpmn:userTask id="Task_escalate" name="Escalate">{owner("supervisor")}</bpmn:userTask>'
    '<bpmn:endEvent id="End_1"/>'
    + flow("F1", "Start_1", "Task_dispatch")
    + flow("F2", "Timer_dispatch_sla", "Task_alert")
    + flow("F3", "Task_alert", "End_alerted")
    + flow("F4", "Task_dispatch", "Task_repair")
    + flow("F5", "Timer_repair_sla", "Task_escalate")
    + flow("F6", "Task_repair", "End_1")
    + flow("F7", "Task_escalate", "End_1")
)

alerts: list[dict] = []


def _alert(data: dict) -> dict:
    alerts.append(data)
    return {"alerted": True}


register_service("test_timer_alert", _alert)


@pytest.fixture
def sla_flow() -> CompiledFlow:
    alerts.clear()
    return compile_flow(SLA_FLOW)


def reload(flow_: CompiledFlow, instance: FlowInstance) -> FlowInstance:
    state = instance.dump()
    restored = load_instance(flow_, state)
    assert restored.dump() == state
    assert restored.next_timer_due() == instance.next_timer_due()
    return restored


def keys(instance: FlowInstance) -> list[str]:
    return [t.step.key for t in instance.active_tasks()]


def test_spiff_timer_module_reads_baton_clock():
    assert spiff_timer.datetime is _ClockDatetime
    with time_machine.travel(T0, tick=False):
        assert spiff_timer.datetime.now(UTC) == T0


def test_boundary_timers_fire_only_when_due(sla_flow):
    with time_machine.travel(T0, tick=False) as traveller:
        instance = reload(sla_flow, start_instance(sla_flow, {"technician": 7}))
        assert keys(instance) == ["Task_dispatch"]
        assert instance.next_timer_due() == T0 + timedelta(minutes=15)

        traveller.move_to(T0 + timedelta(minutes=14, seconds=59))
        instance.fire_due_timers()
        instance = reload(sla_flow, instance)
        assert alerts == []
        assert keys(instance) == ["Task_dispatch"]

        traveller.move_to(T0 + timedelta(minutes=16))
        instance.fire_due_timers()
        instance = reload(sla_flow, instance)
        assert len(alerts) == 1
        assert alerts[0]["technician"] == 7
        assert keys(instance) == ["Task_dispatch"]  # non-interrupting: dispatch is still open
        assert instance.next_timer_due() is None

        instance.fire_due_timers()  # firing again changes nothing
        assert len(alerts) == 1

        [dispatch] = instance.active_tasks()
        instance.complete(dispatch.task_id, {})
        instance = reload(sla_flow, instance)
        assert keys(instance) == ["Task_repair"]
        assert instance.next_timer_due() == T0 + timedelta(minutes=16, hours=4)

        traveller.move_to(T0 + timedelta(minutes=16, hours=4) - timedelta(seconds=1))
        instance.fire_due_timers()
        assert keys(instance) == ["Task_repair"]

        traveller.shift(timedelta(seconds=2))
        instance.fire_due_timers()
        instance = reload(sla_flow, instance)
        assert keys(instance) == ["Task_escalate"]  # interrupting: repair was cancelled
        assert "Task_repair" not in instance.path()
        assert instance.path()[-1] == "Timer_repair_sla"

        [escalate] = instance.active_tasks()
        instance.complete(escalate.task_id, {})
        assert instance.is_completed()
        assert len(alerts) == 1


def test_completing_before_the_timer_disarms_it(sla_flow):
    with time_machine.travel(T0, tick=False) as traveller:
        instance = start_instance(sla_flow, {"technician": 7})
        [dispatch] = instance.active_tasks()
        instance.complete(dispatch.task_id, {})
        [repair] = instance.active_tasks()
        instance.complete(repair.task_id, {})
        assert instance.is_completed()
        assert instance.next_timer_due() is None
        traveller.shift(timedelta(days=1))
        instance.fire_due_timers()
        assert alerts == []


def catch_flow(timer: str) -> str:
    return process(
        '<bpmn:startEvent id="Start_1"/>'
        f'<bpmn:intermediateCatchEvent id="Wait" name="Wait"><bpmn:timerEventDefinition>{timer}'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        f'<bpmn:userTask id="Task_after">{owner()}</bpmn:userTask><bpmn:endEvent id="End_1"/>'
        + flow("F1", "Start_1", "Wait")
        + flow("F2", "Wait", "Task_after")
        + flow("F3", "Task_after", "End_1")
    )


@pytest.mark.parametrize(
    ("timer", "data", "due"),
    [
        ("<bpmn:timeDuration>PT1H</bpmn:timeDuration>", {}, T0 + timedelta(hours=1)),
        (
            "<bpmn:timeDate>2026-03-02T18:30:00+08:00</bpmn:timeDate>",
            {},
            datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
        ),
        (
            '<bpmn:timeDuration>"PT" + string(hours) + "H"</bpmn:timeDuration>',
            {"hours": 3},
            T0 + timedelta(hours=3),
        ),
        ("<bpmn:timeDuration>wait</bpmn:timeDuration>", {"wait": "PT2M"}, T0 + timedelta(minutes=2)),
    ],
)
def test_intermediate_timer_waits_until_due(timer, data, due):
    compiled = compile_flow(catch_flow(timer))
    with time_machine.travel(T0, tick=False) as traveller:
        instance = start_instance(compiled, data)
        assert instance.active_tasks() == []
        assert instance.next_timer_due() == due
        traveller.move_to(due - timedelta(seconds=1))
        instance.fire_due_timers()
        assert instance.active_tasks() == []
        traveller.move_to(due + timedelta(seconds=1))
        instance = load_instance(compiled, instance.dump())
        instance.fire_due_timers()
        assert [t.step.key for t in instance.active_tasks()] == ["Task_after"]
        assert instance.next_timer_due() is None


def test_a_timer_expression_with_a_bad_result_fails_cleanly():
    compiled = compile_flow(catch_flow("<bpmn:timeDuration>wait</bpmn:timeDuration>"))
    with time_machine.travel(T0, tick=False), pytest.raises(EngineError, match="not an ISO-8601 duration"):
        start_instance(compiled, {"wait": "soon"})
