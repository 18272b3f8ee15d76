"""Service tasks, sub-processes, parallel and inclusive gateways, plain/manual tasks."""

from __future__ import annotations

from typing import Any

import pytest

from baton.workflows.engine import EngineError, compile_flow, load_instance, register_service, start_instance

from . import flow, owner, process

calls: list[dict[str, Any]] = []


def _quote(data: dict[str, Any]) -> dict[str, Any] | None:
    calls.append(data)
    data["mutated"] = True  # the handler gets a copy; this must not leak into the instance
    mode = data.get("mode")
    if mode == "boom":
        raise RuntimeError("ERP is down")
    if mode == "evil":
        return {"typename": "BpmnWorkflow"}
    if mode == "nothing":
        return None
    return {"quote": 420.5, "supplier": "ACME"}


register_service("test_quote", _quote)

SERVICE_FLOW = process(
    '<bpmn:startEvent id="Start_1"/>'
    f'<bpmn:userTask id="Task_order">{owner()}</bpmn:userTask>'
    '<bpmn:serviceTask id="Task_quote" name="Get quote" camunda:type="external" camunda:topic="test_quote"/>'
    f'<bpmn:userTask id="Task_approve">{owner("approver")}</bpmn:userTask><bpmn:endEvent id="End_1"/>'
    + flow("F1", "Start_1", "Task_order")
    + flow("F2", "Task_order", "Task_quote")
    + flow("F3", "Task_quote", "Task_approve")
    + flow("F4", "Task_approve", "End_1")
)


@pytest.fixture
def service_instance():
    calls.clear()
    compiled = compile_flow(SERVICE_FLOW)
    return compiled, start_instance(compiled, {"part": "valve"})


def test_service_task_calls_the_handler_and_merges_its_result(service_instance):
    compiled, instance = service_instance
    [order] = instance.active_tasks()
    instance.complete(order.task_id, {"mode": "ok"})
    assert calls == [{"part": "valve", "mode": "ok", "outcome": None, "mutated": True}]
    assert instance.data == {
        "part": "valve",
        "mode": "ok",
        "outcome": None,
        "quote": 420.5,
        "supplier": "ACME",
    }
    assert [t.step.key for t in instance.active_tasks()] == ["Task_approve"]
    assert "Task_quote" in load_instance(compiled, instance.dump()).path()


def test_service_returning_nothing_is_fine(service_instance):
    _, instance = service_instance
    [order] = instance.active_tasks()
    instance.complete(order.task_id, {"mode": "nothing"})
    assert "quote" not in instance.data


@pytest.mark.parametrize(("mode", "message"), [("boom", "ERP is down"), ("evil", "reserved name 'typename'")])
def test_service_failures_leave_the_instance_unchanged(service_instance, mode, message):
    _, instance = service_instance
    [order] = instance.active_tasks()
    before = instance.dump()
    with pytest.raises(EngineError, match=message):
        instance.complete(order.task_id, {"mode": mode})
    assert instance.dump() == before
    assert [t.task_id for t in instance.active_tasks()] == [order.task_id]


def test_sub_process_steps_are_steps():
    bpmn = process(
        '<bpmn:startEvent id="Start_1"/>'
        '<bpmn:subProcess id="Sub_repair" name="Repair work">'
        '<bpmn:startEvent id="Sub_start"/>'
        f'<bpmn:userTask id="Task_diagnose" name="Diagnose">{owner("variable:technician")}</bpmn:userTask>'
        f'<bpmn:manualTask id="Task_fix" name="Fix">{owner("variable:technician")}</bpmn:manualTask>'
        '<bpmn:endEvent id="Sub_end"/>'
        + flow("S1", "Sub_start", "Task_diagnose")
        + flow("S2", "Task_diagnose", "Task_fix")
        + flow("S3", "Task_fix", "Sub_end")
        + "</bpmn:subProcess>"
        f'<bpmn:task id="Task_close" name="Close">{owner("requester")}</bpmn:task><bpmn:endEvent id="End_1"/>'
        + flow("F1", "Start_1", "Sub_repair")
        + flow("F2", "Sub_repair", "Task_close")
        + flow("F3", "Task_close", "End_1")
    )
    compiled = compile_flow(bpmn)
    assert set(compiled.steps) == {"Task_diagnose", "Task_fix", "Task_close"}
    instance = start_instance(compiled, {"technician": 3})
    for key, data in [("Task_diagnose", {"fault": "fan"}), ("Task_fix", {}), ("Task_close", {})]:
        instance = load_instance(compiled, instance.dump())
        [task] = instance.active_tasks()
        assert task.step.key == key
        instance.complete(task.task_id, data)
    assert instance.is_completed()
    assert instance.data["fault"] == "fan"
    path = instance.path()
    assert path.index("Task_diagnose") < path.index("Task_fix") < path.index("Task_close")


def test_parallel_gateway_waits_for_both_branches():
    bpmn = process(
        '<bpmn:startEvent id="Start_1"/><bpmn:parallelGateway id="Split"/><bpmn:parallelGateway id="Join"/>'
        f'<bpmn:userTask id="Task_parts">{owner("storekeeper")}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_visit">{owner("dispatcher")}</bpmn:userTask><bpmn:endEvent id="End_1"/>'
        + flow("F1", "Start_1", "Split")
        + flow("F2", "Split", "Task_parts")
        + flow("F3", "Split", "Task_visit")
        + flow("F4", "Task_parts", "Join")
        + flow("F5", "Task_visit", "Join")
        + flow("F6", "Join", "End_1")
    )
    compiled = compile_flow(bpmn)
    instance = start_instance(compiled, {})
    assert sorted(t.step.key for t in instance.active_tasks()) == ["Task_parts", "Task_visit"]
    parts = next(t for t in instance.active_tasks() if t.step.key == "Task_parts")
    instance.complete(parts.task_id, {"parts_ready": True})
    instance = load_instance(compiled, instance.dump())
    assert [t.step.key for t in instance.active_tasks()] == ["Task_visit"]
    assert not instance.is_completed()
    [visit] = instance.active_tasks()
    instance.complete(visit.task_id, {})
    assert instance.is_completed()


def test_inclusive_gateway_takes_every_true_branch():
    bpmn = process(
        '<bpmn:startEvent id="Start_1"/><bpmn:inclusiveGateway id="Which" default="F_none"/>'
        f'<bpmn:userTask id="Task_electric">{owner()}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_gas">{owner()}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_check">{owner()}</bpmn:userTask><bpmn:endEvent id="End_1"/>'
        + flow("F1", "Start_1", "Which")
        + flow("F_el", "Which", "Task_electric", '"electric" in trades')
        + flow("F_gas", "Which", "Task_gas", '"gas" in trades')
        + flow("F_none", "Which", "Task_check")
        + flow("F4", "Task_electric", "End_1")
        + flow("F5", "Task_gas", "End_1")
        + flow("F6", "Task_check", "End_1")
    )
    compiled = compile_flow(bpmn)
    both = start_instance(compiled, {"trades": ["gas", "electric"]})
    assert sorted(t.step.key for t in both.active_tasks()) == ["Task_electric", "Task_gas"]
    neither = start_instance(compiled, {"trades": []})
    assert [t.step.key for t in neither.active_tasks()] == ["Task_check"]


def test_register_service_checks_its_arguments():
    with pytest.raises(ValueError, match="Invalid service topic"):
        register_service("bad topic!", _quote)
    with pytest.raises(TypeError, match="callable"):
        register_service("test_not_callable", "nope")  # type: ignore[arg-type]
