"""The default repair flow, driven through every path, reloaded after every step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baton.workflows.engine import (
    CompiledFlow,
    EngineError,
    FlowInstance,
    compile_flow,
    load_flow,
    load_instance,
    runtime,
    start_instance,
)

REPAIR_BPMN = Path(__file__).resolve().parents[2] / "flows" / "repair.bpmn"


@pytest.fixture(scope="module")
def repair() -> CompiledFlow:
    return compile_flow(REPAIR_BPMN.read_bytes())


def reload(flow: CompiledFlow, instance: FlowInstance) -> FlowInstance:
    """Dump, restore against a freshly loaded flow, and check the round trip is lossless."""
    state = instance.dump()
    restored = load_instance(load_flow(flow.serialize()), state)
    assert restored.dump() == state
    assert restored.data == instance.data
    assert [t.task_id for t in restored.active_tasks()] == [t.task_id for t in instance.active_tasks()]
    return restored


def complete(flow: CompiledFlow, instance: FlowInstance, step: str, data: dict) -> FlowInstance:
    [active] = instance.active_tasks()
    assert active.step.key == step
    instance.complete(active.task_id, data)
    return reload(flow, instance)


def active_keys(instance: FlowInstance) -> list[str]:
    return [t.step.key for t in instance.active_tasks()]


def test_repair_flow_parses_with_its_steps(repair):
    assert repair.process_id == "repair"
    assert list(repair.steps) == ["Task_dispatch", "Task_repair", "Task_acceptance"]
    dispatch, fix, acceptance = repair.steps.values()
    assert dispatch.name == "派工 Dispatch"
    expected = {"owner": "dispatcher", "sla": "PT30M", "status": "waiting_dispatch", "outcomes": "assign"}
    assert expected.items() <= dispatch.properties.items()
    assert dispatch.form_fields == ["technician"]
    assert fix.properties["owner"] == "variable:technician"
    assert fix.outcomes == ("done", "return")
    assert (fix.properties["sla"], fix.properties["status"]) == ("PT4H", "in_repair")
    expected = {
        "owner": "requester",
        "sla": "P2D",
        "status": "waiting_acceptance",
        "outcomes": "accept,reject",
    }
    assert expected.items() <= acceptance.properties.items()


def test_repair_flow_has_a_diagram_for_bpmn_js():
    text = REPAIR_BPMN.read_text(encoding="utf-8")
    assert "<bpmndi:BPMNDiagram" in text
    for element in ("Task_dispatch", "Task_repair", "Task_acceptance", "Gateway_repair_result", "End_closed"):
        assert f'bpmnElement="{element}"' in text


def test_serialized_flow_round_trips(repair):
    restored = load_flow(repair.serialize())
    assert restored.serialize() == repair.serialize()
    assert restored.digest == repair.digest
    assert restored.steps == repair.steps
    assert load_flow(repair.serialize()) is restored  # cached by content hash
    assert json.loads(repair.serialize())["process_id"] == "repair"


def test_happy_path_done_then_accept(repair):
    instance = reload(repair, start_instance(repair, {"ticket_id": 42}))
    assert active_keys(instance) == ["Task_dispatch"]
    instance = complete(repair, instance, "Task_dispatch", {"technician": 7})
    assert instance.data == {"ticket_id": 42, "technician": 7, "outcome": "assign"}
    instance = complete(repair, instance, "Task_repair", {"outcome": "done"})
    instance = complete(repair, instance, "Task_acceptance", {"outcome": "accept"})
    assert instance.is_completed()
    assert instance.active_tasks() == []
    assert instance.next_timer_due() is None
    assert instance.data == {"ticket_id": 42, "technician": 7, "outcome": "accept"}
    assert instance.path() == [
        "Start_reported",
        "Task_dispatch",
        "Task_repair",
        "Gateway_repair_result",
        "Task_acceptance",
        "Gateway_acceptance_result",
        "End_closed",
    ]


def test_return_loops_twice_then_reject_and_accept(repair):
    instance = start_instance(repair, {"ticket_id": 1})
    instance = complete(repair, instance, "Task_dispatch", {"technician": 7})
    instance = complete(repair, instance, "Task_repair", {"outcome": "return"})
    assert active_keys(instance) == ["Task_dispatch"]
    # The stale outcome "return" must not send the next dispatch anywhere odd.
    instance = complete(repair, instance, "Task_dispatch", {"technician": 8})
    assert instance.data["outcome"] == "assign"
    instance = complete(repair, instance, "Task_repair", {"outcome": "return"})
    assert active_keys(instance) == ["Task_dispatch"]
    instance = complete(repair, instance, "Task_dispatch", {"technician": 9})
    instance = complete(repair, instance, "Task_repair", {"outcome": "done"})
    assert active_keys(instance) == ["Task_acceptance"]
    instance = complete(repair, instance, "Task_acceptance", {"outcome": "reject"})
    assert active_keys(instance) == ["Task_repair"]
    assert instance.data["technician"] == 9
    instance = complete(repair, instance, "Task_repair", {"outcome": "done"})
    instance = complete(repair, instance, "Task_acceptance", {"outcome": "accept"})
    assert instance.is_completed()
    steps = [key for key in instance.path() if key.startswith("Task_")]
    assert steps == [
        "Task_dispatch", "Task_repair", "Task_dispatch", "Task_repair", "Task_dispatch",
        "Task_repair", "Task_acceptance", "Task_repair", "Task_acceptance",
    ]  # fmt: skip


def test_a_step_with_several_outcomes_needs_one_of_them(repair):
    instance = start_instance(repair, {})
    instance = complete(repair, instance, "Task_dispatch", {"technician": 7})
    [task] = instance.active_tasks()
    before = instance.dump()
    with pytest.raises(EngineError, match="one of done, return"):
        instance.complete(task.task_id, {})
    with pytest.raises(EngineError, match="one of done, return"):
        instance.complete(task.task_id, {"outcome": "accept"})
    assert instance.dump() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"Technician": 7}, "invalid name 'Technician'"),
        ({"typename": "BpmnWorkflow"}, "reserved name 'typename'"),
        ({"extra": {"typename": "BpmnWorkflow"}}, "reserved name 'typename'"),
        ({"photos": {1, 2}}, "type set"),
        ({"cost": float("nan")}, "not finite"),
        ({"when": object()}, "type object"),
        ({"x" * 65: 1}, "invalid name"),
        ({"big": "x" * 70_000}, "larger than 64 KiB"),
    ],
)
def test_bad_data_is_refused_and_changes_nothing(repair, data, message):
    instance = start_instance(repair, {})
    [task] = instance.active_tasks()
    before = instance.dump()
    with pytest.raises(EngineError, match=message):
        instance.complete(task.task_id, data)
    assert instance.dump() == before
    with pytest.raises(EngineError, match=message):
        start_instance(repair, data)


def test_unknown_or_finished_tasks_are_refused(repair):
    instance = start_instance(repair, {})
    [dispatch] = instance.active_tasks()
    with pytest.raises(EngineError, match="no task"):
        instance.complete("not-a-uuid", {})
    with pytest.raises(EngineError, match="no task"):
        instance.complete("00000000-0000-0000-0000-000000000000", {})
    instance.complete(dispatch.task_id, {"technician": 1})
    with pytest.raises(EngineError, match="not waiting to be completed"):
        instance.complete(dispatch.task_id, {"technician": 2})
    gateway = next(
        t for t in instance._workflow.get_tasks() if t.task_spec.bpmn_id == "Gateway_repair_result"
    )
    with pytest.raises(EngineError, match="not a step a person can complete"):
        instance.complete(str(gateway.id), {})


def test_load_refuses_state_of_another_flow_version_or_garbage(repair):
    other = compile_flow(REPAIR_BPMN.read_text(encoding="utf-8").replace("PT30M", "PT45M"))
    state = start_instance(repair, {}).dump()
    with pytest.raises(EngineError, match="another version of the flow"):
        load_instance(other, state)
    with pytest.raises(EngineError, match="not JSON"):
        load_instance(repair, "{nope")
    with pytest.raises(EngineError, match="unknown format"):
        load_instance(repair, '{"format": 99}')
    with pytest.raises(EngineError):
        load_flow('{"format": 1}')


def test_data_is_a_copy(repair):
    instance = start_instance(repair, {"tags": ["a"]})
    instance.data["tags"].append("b")
    assert instance.data == {"tags": ["a"]}


def test_endless_loops_are_stopped_before_spiff_loses_track(repair, monkeypatch):
    monkeypatch.setattr(runtime, "MAX_TASK_DEPTH", 6)
    instance = start_instance(repair, {})
    instance = complete(repair, instance, "Task_dispatch", {"technician": 1})
    instance = complete(repair, instance, "Task_repair", {"outcome": "return"})
    instance = complete(repair, instance, "Task_dispatch", {"technician": 1})
    [task] = instance.active_tasks()
    before = instance.dump()
    with pytest.raises(EngineError, match="too many times"):
        instance.complete(task.task_id, {"outcome": "done"})
    assert instance.dump() == before
