"""Deploy refuses gateways whose conditions overlap and loops that never reach an end."""

from __future__ import annotations

import pytest

from baton.workflows.engine import FlowValidationError, Problem, compile_flow, start_instance
from baton.workflows.engine.exclusive import overlap
from baton.workflows.forms import localize

from . import flow, owner, process


def problems_of(bpmn: str) -> list[Problem]:
    with pytest.raises(FlowValidationError) as caught:
        compile_flow(bpmn)
    return caught.value.problems


def three_way(first: str, second: str) -> str:
    """start → <gateway> → A (first) | B (second) | C (default) → end."""
    return process(
        '<bpmn:startEvent id="Start_1"/>'
        '<bpmn:exclusiveGateway id="Gateway_route" name="路由" default="Flow_c"/>'
        f'<bpmn:userTask id="Task_a">{owner()}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_b">{owner()}</bpmn:userTask>'
        f'<bpmn:userTask id="Task_c">{owner()}</bpmn:userTask>'
        '<bpmn:endEvent id="End_1"/>'
        + flow("F0", "Start_1", "Gateway_route")
        + flow("Flow_a", "Gateway_route", "Task_a", first)
        + flow("Flow_b", "Gateway_route", "Task_b", second)
        + flow("Flow_c", "Gateway_route", "Task_c")
        + "".join(flow(f"F_{t}", f"Task_{t}", "End_1") for t in "abc")
    )


@pytest.mark.parametrize(
    ("first", "second", "example"),
    [
        ("cost < 500", "cost > 400", "cost = 401"),
        ("cost <= 500", "cost >= 500", "cost = 500"),
        ('outcome == "reject"', "cost < 500", 'cost = 499, outcome = "reject"'),
        ('customer_level == "vip" || fault_category == "down"', 'fault_category == "down"', ""),
        ("under_warranty", "cost < 5", "cost = 4, under_warranty = true"),
    ],
)
def test_overlapping_conditions_are_refused_with_an_example(first: str, second: str, example: str) -> None:
    [problem] = problems_of(three_way(first, second))
    assert problem.element_id == "Gateway_route"
    assert problem.message.startswith(
        "exclusiveGateway '路由' (Gateway_route) has conditions that can both hold on "
        "sequenceFlow (Flow_a) and sequenceFlow (Flow_b) (e.g. when "
    )
    if example:
        assert f"(e.g. when {example})" in problem.message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("cost < 500", "cost >= 500"),
        ("cost < 500", "cost >= 500 && cost < 2000"),
        ('outcome == "reject"', 'outcome == "return"'),
        ('customer_level == "vip" && fault_category == "down"', 'customer_level != "vip"'),
        ("under_warranty", "!under_warranty"),
        ("cost <= 499.5", "cost > 499.5"),
        ("size(tags) > 2", "cost > 3"),  # not judged: tags cannot be sampled
    ],
)
def test_exclusive_conditions_deploy(first: str, second: str) -> None:
    assert set(compile_flow(three_way(first, second)).steps) == {"Task_a", "Task_b", "Task_c"}


def test_the_overlap_found_really_takes_both_paths_in_the_engine() -> None:
    example = overlap("cost < 500", "cost > 400")
    assert example == {"cost": 401}
    # Without the lint the engine would silently take whichever path is drawn first.
    assert overlap("cost < 500", "cost > 600") is None


def test_inclusive_gateways_may_take_several_paths() -> None:
    xml = three_way("cost < 500", "cost > 400").replace("exclusiveGateway", "inclusiveGateway")
    assert set(compile_flow(xml).steps) == {"Task_a", "Task_b", "Task_c"}


def test_overlap_is_said_in_chinese_on_a_chinese_page() -> None:
    [problem] = problems_of(three_way("cost < 500", "cost > 400"))
    assert localize(problem.message, "zh-hans") == (
        "网关「路由」的多个条件可能同时满足（例如 cost = 401）：请让条件互斥。"
    )


LOOP = process(
    '<bpmn:startEvent id="Start_1"/>'
    f'<bpmn:userTask id="Task_a" name="报价">{owner()}</bpmn:userTask>'
    '<bpmn:exclusiveGateway id="Gateway_ok" default="Flow_back"/>'
    f'<bpmn:userTask id="Task_b" name="审批">{owner()}</bpmn:userTask>'
    f'<bpmn:userTask id="Task_c" name="复核">{owner()}</bpmn:userTask>'
    '<bpmn:endEvent id="End_1"/>'
    + flow("F0", "Start_1", "Gateway_ok")
    + flow("Flow_end", "Gateway_ok", "End_1", "cost < 100")
    + flow("Flow_back", "Gateway_ok", "Task_a")
    + flow("F1", "Task_a", "Task_b")
    + flow("F2", "Task_b", "Task_c")
    + flow("F3", "Task_c", "Task_b")
)


def test_a_loop_without_a_way_out_is_refused_at_each_of_its_elements() -> None:
    problems = problems_of(LOOP)
    assert [p.element_id for p in problems] == ["Task_a", "Task_b", "Task_c"]
    assert problems[0].message == (
        "userTask '报价' (Task_a) never reaches an end: every path from it loops without end."
    )
    assert localize(problems[1].message, "zh-hans") == "步骤「审批」走不到结束：从它出发的路径都在循环。"


def test_a_loop_with_a_way_out_deploys_and_runs() -> None:
    xml = LOOP.replace(flow("F3", "Task_c", "Task_b"), flow("F3", "Task_c", "Gateway_ok"))
    running = start_instance(compile_flow(xml), {"cost": 50})
    assert running.is_completed()
