"""CEL in gateways and DMN decision tables, evaluated by the engine at run time."""

from __future__ import annotations

import pytest

from baton.workflows.engine import EngineError, FlowValidationError, compile_flow, start_instance

from . import flow, owner, process

COST_FLOW = process(
    '<bpmn:startEvent id="Start_1"/>'
    '<bpmn:exclusiveGateway id="Gateway_cost" name="Cost?" default="Flow_expensive"/>'
    f'<bpmn:userTask id="Task_auto" name="Auto-approved">{owner()}</bpmn:userTask>'
    f'<bpmn:userTask id="Task_manager" name="Manager approval">{owner("approver")}</bpmn:userTask>'
    '<bpmn:endEvent id="End_1"/>'
    + flow("F0", "Start_1", "Gateway_cost")
    + flow("Flow_cheap", "Gateway_cost", "Task_auto", "cost < 500")
    + flow("Flow_expensive", "Gateway_cost", "Task_manager")
    + flow("F3", "Task_auto", "End_1")
    + flow("F4", "Task_manager", "End_1")
)


@pytest.mark.parametrize(
    ("cost", "step"),
    [
        (300, "Task_auto"),
        (300.0, "Task_auto"),
        (499.99, "Task_auto"),
        (500, "Task_manager"),
        (500.0, "Task_manager"),
        (1200.5, "Task_manager"),
    ],
)
def test_cost_gateway_routes_int_and_float(cost, step):
    instance = start_instance(compile_flow(COST_FLOW), {"cost": cost})
    assert [t.step.key for t in instance.active_tasks()] == [step]


def test_a_failing_condition_raises_engine_error():
    with pytest.raises(EngineError, match=r"Undefined variable.*'cost'"):
        start_instance(compile_flow(COST_FLOW), {})
    with pytest.raises(EngineError, match="must be true or false"):
        start_instance(compile_flow(COST_FLOW.replace("cost &lt; 500", "cost")), {"cost": 1})


def test_a_failing_condition_after_a_step_leaves_the_instance_unchanged():
    bpmn = COST_FLOW.replace(
        flow("F0", "Start_1", "Gateway_cost"),
        flow("F0", "Start_1", "Task_quote") + flow("F0b", "Task_quote", "Gateway_cost"),
    ).replace(
        '<bpmn:endEvent id="End_1"/>',
        f'<bpmn:endEvent id="End_1"/><bpmn:userTask id="Task_quote">{owner()}</bpmn:userTask>',
    )
    instance = start_instance(compile_flow(bpmn), {})
    [quote] = instance.active_tasks()
    before = instance.dump()
    with pytest.raises(EngineError, match="'cost'"):
        instance.complete(quote.task_id, {"price": 3})
    assert instance.dump() == before
    instance.complete(quote.task_id, {"cost": 3})
    assert [t.step.key for t in instance.active_tasks()] == ["Task_auto"]


def priority_dmn(cells: list[tuple[str, str, str]], hit_policy: str = "FIRST") -> str:
    rules = "".join(
        f'<rule id="Rule_{n}">'
        f'<inputEntry id="In_{n}_a"><text>{level}</text></inputEntry>'
        f'<inputEntry id="In_{n}_b"><text>{cost}</text></inputEntry>'
        f'<outputEntry id="Out_{n}"><text>{result}</text></outputEntry></rule>'
        for n, (level, cost, result) in enumerate(cells, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_priority" '
        'name="Priority" namespace="http://camunda.org/schema/1.0/dmn">'
        '<decision id="priority_decision" name="Priority">'
        f'<decisionTable id="Table_priority" hitPolicy="{hit_policy}">'
        '<input id="Input_level" label="Customer level"><inputExpression id="Expr_level" typeRef="string">'
        "<text>customer_level</text></inputExpression></input>"
        '<input id="Input_cost" label="Cost"><inputExpression id="Expr_cost" typeRef="number">'
        "<text>cost</text></inputExpression></input>"
        '<output id="Output_priority" label="Priority" name="priority" typeRef="string"/>'
        f"{rules}</decisionTable></decision></definitions>"
    )


PRIORITY_CELLS = [
    ('"VIP"', "-", '"urgent"'),
    ('? in ["gold", "silver"]', "&lt; 500", '"high"'),
    ('? in ["gold", "silver"]', "", '"normal"'),
    ("-", "&gt;= 10000", '"high"'),
    ("-", "-", '"low"'),
]

RULE_FLOW = process(
    '<bpmn:startEvent id="Start_1"/>'
    '<bpmn:businessRuleTask id="Task_priority" name="Priority" camunda:decisionRef="priority_decision"/>'
    f'<bpmn:userTask id="Task_dispatch">{owner()}</bpmn:userTask><bpmn:endEvent id="End_1"/>'
    + flow("F1", "Start_1", "Task_priority")
    + flow("F2", "Task_priority", "Task_dispatch")
    + flow("F3", "Task_dispatch", "End_1")
)


@pytest.mark.parametrize(
    ("level", "cost", "priority"),
    [
        ("VIP", 99999, "urgent"),
        ("gold", 300, "high"),
        ("silver", 300.5, "high"),
        ("gold", 800, "normal"),
        ("bronze", 20000, "high"),
        ("bronze", 20, "low"),
    ],
)
def test_dmn_decision_with_cel_cells(level, cost, priority):
    compiled = compile_flow(RULE_FLOW, [priority_dmn(PRIORITY_CELLS)])
    instance = start_instance(compiled, {"customer_level": level, "cost": cost})
    assert instance.data["priority"] == priority
    assert [t.step.key for t in instance.active_tasks()] == ["Task_dispatch"]


def test_collect_hit_policy_returns_every_match():
    cells = [("-", "&lt; 500", '"cheap"'), ('"gold"', "-", '"gold"'), ("-", "&gt; 1000", '"costly"')]
    compiled = compile_flow(RULE_FLOW, [priority_dmn(cells, "COLLECT")])
    instance = start_instance(compiled, {"customer_level": "gold", "cost": 100})
    assert instance.data["priority"] == ["cheap", "gold"]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ('"gold","silver"', "neither an expression nor a comparison"),
        ("__import__('os').system('id')", "names starting with '_'"),
        ("len(?) &gt; 2", "unknown function len"),
    ],
)
def test_bad_dmn_cells_are_refused_at_deploy(cell, message):
    cells = [(cell, "-", '"x"'), ("-", "-", '"y"')]
    with pytest.raises(FlowValidationError) as caught:
        compile_flow(RULE_FLOW, [priority_dmn(cells)])
    [problem] = caught.value.problems
    assert problem.element_id == "In_1_a"
    assert message in problem.message


def test_dmn_output_cells_and_policies_are_checked():
    cells = [("-", "-", "__x"), ("-", "-", "priority ? 1 : 2 :")]
    with pytest.raises(FlowValidationError) as caught:
        compile_flow(RULE_FLOW, [priority_dmn(cells, "PRIORITY")])
    ids = [p.element_id for p in caught.value.problems]
    assert ids == ["Table_priority", "Out_1", "Out_2"]


def test_dmn_documents_must_be_passed_as_a_sequence():
    with pytest.raises(TypeError, match="sequence of DMN documents"):
        compile_flow(RULE_FLOW, priority_dmn(PRIORITY_CELLS))


def test_business_rule_task_needs_a_known_decision():
    with pytest.raises(FlowValidationError) as caught:
        compile_flow(RULE_FLOW)
    [problem] = caught.value.problems
    assert problem.element_id == "Task_priority"
    assert "unknown decision 'priority_decision'" in problem.message
