"""The adapter's speed-ups keep the stored state exactly what Spiff's own converters make.

* ``LeanTaskConverter`` caches task-id parsing; its dicts must equal the library's.
* A change restores the state it was loaded from (or last dumped) instead of dumping first;
  a failed change must still leave the instance as it was, and a later change must start
  from the new state, not the old snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter

from baton.workflows.engine import EngineError, compile_flow, load_instance, start_instance
from baton.workflows.engine.parser import BusinessRuleTask, TopicServiceTask
from baton.workflows.engine.serializer import REGISTRY, dump_workflow

from . import flow, owner
from .test_decisions import COST_FLOW

REPAIR_BPMN = Path(__file__).resolve().parents[2] / "flows" / "repair.bpmn"
STOCK = BpmnWorkflowSerializer.configure(
    {
        **DEFAULT_CONFIG,
        TopicServiceTask: BpmnTaskSpecConverter,
        BusinessRuleTask: BaseBusinessRuleTaskConverter,
    }
)


def stock_tasks(workflow: BpmnWorkflow) -> dict:
    converter = BpmnWorkflowConverter(BpmnWorkflow, STOCK)
    STOCK._encoder_mode = REGISTRY._encoder_mode = True
    try:
        return WorkflowConverter.to_dict(converter, workflow)["tasks"]
    finally:
        STOCK._encoder_mode = REGISTRY._encoder_mode = False


def test_lean_task_dicts_equal_the_library_ones_after_every_step():
    flow = compile_flow(REPAIR_BPMN.read_bytes())
    instance = start_instance(flow, {"priority": "urgent"})
    for outcome in ("assign", "done", "reject", "done", "accept"):
        state = json.loads(instance.dump())
        assert state["workflow"]["tasks"] == json.loads(json.dumps(stock_tasks(instance._workflow)))
        instance = load_instance(flow, instance.dump())
        [task] = instance.active_tasks()
        values = {"technician": 7} if outcome == "assign" else {}
        instance.complete(task.task_id, {"outcome": outcome, **values})
    assert instance.is_completed()
    assert json.loads(instance.dump())["workflow"]["tasks"] == json.loads(
        json.dumps(stock_tasks(instance._workflow))
    )


QUOTED_COST_FLOW = COST_FLOW.replace(
    flow("F0", "Start_1", "Gateway_cost"),
    flow("F0", "Start_1", "Task_quote") + flow("F0b", "Task_quote", "Gateway_cost"),
).replace(
    '<bpmn:endEvent id="End_1"/>',
    f'<bpmn:endEvent id="End_1"/><bpmn:userTask id="Task_quote">{owner()}</bpmn:userTask>',
)


def test_a_failed_change_after_load_restores_the_loaded_state():
    compiled = compile_flow(QUOTED_COST_FLOW)
    state = start_instance(compiled, {}).dump()
    loaded = load_instance(compiled, state)
    [quote] = loaded.active_tasks()
    # the gateway after the step fails: no cost yet
    with pytest.raises(EngineError, match="'cost'"):
        loaded.complete(quote.task_id, {"price": 3})
    assert dump_workflow(loaded._workflow, compiled.digest) == state
    assert loaded.dump() == state
    # a successful change starts from the loaded state; a failure after it keeps the new state
    loaded.complete(quote.task_id, {"cost": 3})
    after = loaded.dump()
    assert after != state
    [auto] = loaded.active_tasks()
    assert auto.step.key == "Task_auto"
    with pytest.raises(EngineError, match="no task"):
        loaded.complete("00000000-0000-0000-0000-000000000000", {})
    assert dump_workflow(loaded._workflow, compiled.digest) == after
    assert load_instance(compiled, after).dump() == after
