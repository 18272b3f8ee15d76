"""Diffing flow versions and migrating running instances (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from baton.workflows.engine import (
    CompiledFlow,
    ElementChange,
    EngineError,
    compile_flow,
    diff_flows,
    load_instance,
    migrate_instance,
    start_instance,
)

from . import flow, owner, process

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

_HEAD = (
    '<bpmn:startEvent id="Start_1"/>'
    f'<bpmn:userTask id="Task_dispatch" name="Dispatch">{owner()}</bpmn:userTask>'
    '<bpmn:endEvent id="End_1"/>' + flow("F1", "Start_1", "Task_dispatch")
)
_REPAIR = (
    f'<bpmn:userTask id="Task_repair" name="Repair">{owner()}</bpmn:userTask>'
    '<bpmn:boundaryEvent id="Timer_repair_sla" name="4 h" attachedToRef="Task_repair">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:boundaryEvent>"
    f'<bpmn:userTask id="Task_escalate" name="Escalate">{owner("supervisor")}</bpmn:userTask>'
    + flow("F2", "Task_dispatch", "Task_repair")
    + flow("F5", "Timer_repair_sla", "Task_escalate")
    + flow("F7", "Task_escalate", "End_1")
)
V1 = process(_HEAD + _REPAIR + flow("F3", "Task_repair", "End_1"))
V2 = process(
    _HEAD
    + _REPAIR
    + f'<bpmn:userTask id="Task_check" name="Check">{owner()}</bpmn:userTask>'
    + flow("F3", "Task_repair", "Task_check")
    + flow("F4", "Task_check", "End_1")
)
V_NO_REPAIR = process(_HEAD + flow("F2", "Task_dispatch", "End_1"))


@pytest.fixture
def v1() -> CompiledFlow:
    return compile_flow(V1)


@pytest.fixture
def v2() -> CompiledFlow:
    return compile_flow(V2)


def test_diff_lists_added_removed_and_changed_elements(v1: CompiledFlow, v2: CompiledFlow) -> None:
    diff = diff_flows(v1, v2)
    assert diff.added == [ElementChange("Task_check", "Check", "UserTask")]
    assert diff.removed == []
    assert diff.changed == [
        ElementChange("End_1", "End_1", "EndEvent", ("inputs",)),
        ElementChange("Task_repair", "Repair", "UserTask", ("outputs",)),
    ]
    assert not diff.is_empty

    back = diff_flows(v2, v1)
    assert back.added == []
    assert back.removed == [ElementChange("Task_check", "Check", "UserTask")]

    assert diff_flows(v1, compile_flow(V1)).is_empty


def test_migrate_keeps_a_waiting_timer_due_time_and_follows_the_new_flow(
    v1: CompiledFlow, v2: CompiledFlow
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        instance = start_instance(v1, {"cost": 700})
        instance.complete(instance.active_tasks()[0].task_id, {})
        [repair] = instance.active_tasks()
        assert repair.step.key == "Task_repair"
        assert instance.next_timer_due() == T0 + timedelta(hours=4)
        before = instance.dump()

        traveller.move_to(T0 + timedelta(hours=1))
        migrated = migrate_instance(instance, v2)

        assert migrated.flow is v2
        assert instance.dump() == before  # the original is untouched
        assert [t.task_id for t in migrated.active_tasks()] == [repair.task_id]
        assert migrated.next_timer_due() == T0 + timedelta(hours=4)  # not 14:00
        assert migrated.data["cost"] == 700
        restored = load_instance(v2, migrated.dump())
        assert restored.next_timer_due() == T0 + timedelta(hours=4)

        restored.complete(repair.task_id, {})
        assert [t.step.key for t in restored.active_tasks()] == ["Task_check"]
        assert restored.next_timer_due() is None

    with pytest.raises(EngineError, match="another version"):
        load_instance(v1, migrated.dump())


def test_migrate_refuses_when_the_current_step_was_removed(v1: CompiledFlow) -> None:
    instance = start_instance(v1, {})
    instance.complete(instance.active_tasks()[0].task_id, {})
    before = instance.dump()
    with pytest.raises(EngineError) as raised:
        migrate_instance(instance, compile_flow(V_NO_REPAIR))
    assert str(raised.value) == "The current step 'Repair' (Task_repair) does not exist in the new version."
    assert instance.dump() == before
    assert [t.step.key for t in instance.active_tasks()] == ["Task_repair"]


def test_migrate_refuses_the_same_version(v1: CompiledFlow) -> None:
    instance = start_instance(v1, {})
    with pytest.raises(EngineError, match="already runs this version"):
        migrate_instance(instance, compile_flow(V1))
