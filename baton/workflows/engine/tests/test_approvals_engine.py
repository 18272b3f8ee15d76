"""Approval steps in the engine: what deploy accepts, and going back to a chosen step (reset)."""

from __future__ import annotations

import json

import pytest

from baton.workflows.engine import (
    EngineError,
    FlowValidationError,
    compile_flow,
    load_flow,
    load_instance,
    start_instance,
)

from . import flow, owner, process

MARKER = '<bpmn:multiInstanceLoopCharacteristics isSequential="false"/>'


def approval(props: dict[str, str], marker: str = MARKER, process_props: str = "") -> str:
    return process(
        process_props + '<bpmn:startEvent id="Start_1"/>'
        f'<bpmn:userTask id="Task_a" name="A">{owner()}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_ok" name="OK">{owner(**props)}{marker}</bpmn:userTask>'
        '<bpmn:endEvent id="End_1"/>'
        + flow("F1", "Start_1", "Task_a")
        + flow("F2", "Task_a", "Task_ok")
        + flow("F3", "Task_ok", "End_1")
    )


def messages(xml: str) -> list[tuple[str | None, str]]:
    with pytest.raises(FlowValidationError) as caught:
        compile_flow(xml)
    return [(p.element_id, p.message) for p in caught.value.problems]


GOOD = {"approval": "all", "approvers": "role:approver", "outcomes": "approve,reject", "back_to": "Task_a"}


def test_designer_output_for_an_all_of_approval_compiles():
    compiled = compile_flow(approval(GOOD))
    step = compiled.steps["Task_ok"]
    assert (step.approval, step.back_to, step.outcomes) == ("all", ("Task_a",), ("approve", "reject"))
    assert compiled.steps["Task_a"].approval == "single"
    # one engine task, not one per approver: Baton runs the approvers
    running = start_instance(compiled, {})
    running.complete(running.active_tasks()[0].task_id, {})
    assert [t.step.key for t in running.active_tasks()] == ["Task_ok"]


@pytest.mark.parametrize(
    ("props", "marker", "expected"),
    [
        ({**GOOD, "approval": "some"}, MARKER, "unknown 'approval' mode 'some'"),
        ({**GOOD, "approvers": "group:x"}, MARKER, "invalid 'approvers' rule 'group:x'"),
        ({**GOOD, "approvers": ""}, MARKER, "required for any-one-of and all-of"),
        ({**GOOD, "approvers": "variable:Bad-Name"}, MARKER, "is not a variable name"),
        ({**GOOD, "outcomes": "done"}, MARKER, "outcomes must include 'approve'"),
        ({**GOOD, "back_to": "Task_nope"}, MARKER, "send tickets back to Task_nope"),
        ({**GOOD, "back_to": "Task_ok"}, MARKER, "send tickets back to Task_ok"),
        (GOOD, "", "must be drawn as a parallel multi-instance step"),
        ({"outcomes": "approve"}, MARKER, "set its 'approval' mode to 'any'"),
        (GOOD, MARKER.replace("false", "true"), "sequential"),
        (
            GOOD,
            "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality>"
            "</bpmn:multiInstanceLoopCharacteristics>",
            "sets loopCardinality on its multi-instance marker",
        ),
    ],
)
def test_deploy_explains_what_is_wrong_with_an_approval(props, marker, expected):
    problems = messages(approval(props, marker))
    assert len(problems) == 1, problems
    element, message = problems[0]
    assert element == "Task_ok"
    assert expected in message


def test_multi_instance_is_refused_outside_steps():
    xml = process(
        '<bpmn:startEvent id="Start_1"/>'
        f'<bpmn:serviceTask id="Svc" camunda:topic="x">{MARKER}</bpmn:serviceTask>'
        '<bpmn:endEvent id="End_1"/>' + flow("F1", "Start_1", "Svc") + flow("F2", "Svc", "End_1")
    )
    assert any("supported only on steps" in m for _, m in messages(xml))


def test_process_max_loops_is_checked_and_kept():
    props = (
        "<bpmn:extensionElements><camunda:properties>"
        '<camunda:property name="max_loops" value="{}"/></camunda:properties></bpmn:extensionElements>'
    )
    assert compile_flow(approval(GOOD, process_props=props.format(3))).properties == {"max_loops": "3"}
    assert [m for _, m in messages(approval(GOOD, process_props=props.format("zero")))] == [
        "The flow's 'max_loops' must be a whole number from 1 to 100; got 'zero'."
    ]
    compiled = compile_flow(approval(GOOD, process_props=props.format(3)))
    assert load_flow(compiled.serialize()).properties == {"max_loops": "3"}
    plain = compile_flow(approval(GOOD))
    # flows without it serialize exactly as before
    assert sorted(json.loads(plain.serialize())) == ["format", "process_id", "spec", "subprocess_specs"]


LOOP = process(
    '<bpmn:startEvent id="S"/>'
    f'<bpmn:userTask id="A" name="A">{owner()}</bpmn:userTask>'
    '<bpmn:parallelGateway id="Split"/>'
    f'<bpmn:userTask id="R" name="Repair">{owner()}</bpmn:userTask>'
    f'<bpmn:userTask id="P" name="Parts">{owner()}</bpmn:userTask>'
    '<bpmn:parallelGateway id="Join"/>'
    f'<bpmn:userTask id="C" name="Check">{owner(outcomes="ok", back_to="*")}</bpmn:userTask>'
    '<bpmn:endEvent id="E"/>'
    + flow("f1", "S", "A")
    + flow("f2", "A", "Split")
    + flow("f3", "Split", "R")
    + flow("f4", "Split", "P")
    + flow("f5", "R", "Join")
    + flow("f6", "P", "Join")
    + flow("f7", "Join", "C")
    + flow("f8", "C", "E")
)


def _do(running, key):
    task = next(t for t in running.active_tasks() if t.step.key == key)
    running.complete(task.task_id, {})


def test_going_back_past_a_parallel_split_resets_both_branches_and_survives_a_round_trip():
    compiled = compile_flow(LOOP)
    running = start_instance(compiled, {})
    _do(running, "A")
    repair = next(t for t in running.active_tasks() if t.step.key == "R")
    assert running.back_targets(repair.task_id) == ["A"]  # inside a branch: before the split only
    _do(running, "P")
    _do(running, "R")
    check = running.active_tasks()[0]
    assert running.back_targets(check.task_id) == ["A"]  # joined branches are not targets
    with pytest.raises(EngineError):
        running.send_back(check.task_id, "R")
    assert [t.step.key for t in running.active_tasks()] == ["C"]  # refused: nothing changed
    running.send_back(check.task_id, "A")
    running = load_instance(compiled, running.dump())
    assert [t.step.key for t in running.active_tasks()] == ["A"]
    assert running.path()[-1] == "S"
    _do(running, "A")
    assert sorted(t.step.key for t in running.active_tasks()) == ["P", "R"]
    _do(running, "R")
    _do(running, "P")
    _do(running, "C")
    assert running.is_completed()


def test_the_designer_says_approval_problems_in_chinese():
    from baton.workflows.forms.problems import localize

    [(_, message)] = messages(approval({**GOOD, "approval": "some"}))
    assert localize(message, "zh-hans") == "步骤「OK」的审批方式无效：请选择单人、或签或会签。"
    [(_, message)] = messages(approval(GOOD, marker=""))
    assert localize(message, "zh-hans") == "步骤「OK」是多人审批，须画成并行多实例步骤。"
