"""Decision tables on their own: deploy-time compile and run-time evaluation of one DMN file.

A flow runs a decision inside a ``businessRuleTask``; Baton also evaluates decisions
outside any flow (ticket triage when a ticket is opened, the dry run in the editor). To
run exactly the code a flow runs, :func:`compile_decision` wraps the DMN in a one-task
flow (start → businessRuleTask → end) through :func:`compile_flow` — same lint, same
parser, same CEL script engine — and :meth:`CompiledDecision.evaluate` asks that task's
DMN engine which rules match and what they output, without starting the flow.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task

from .data import KEY_PATTERN, clean_data
from .errors import EngineError, FlowValidationError, Problem
from .flow import CompiledFlow, compile_flow
from .lint_dmn import lint_dmn
from .safexml import parse_xml
from .script_engine import ENGINE

_TASK_ID = "Decide"
_CACHE_SIZE = 64
_WRAPPER = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_decision" '
    'targetNamespace="http://bpmn.io/schema/bpmn">'
    '<bpmn:process id="decision_{ref}" isExecutable="true">'
    '<bpmn:startEvent id="StartDecision"/>'
    '<bpmn:businessRuleTask id="Decide" camunda:decisionRef="{ref}"/>'
    '<bpmn:endEvent id="EndDecision"/>'
    '<bpmn:sequenceFlow id="FlowDecide" sourceRef="StartDecision" targetRef="Decide"/>'
    '<bpmn:sequenceFlow id="FlowDecided" sourceRef="Decide" targetRef="EndDecision"/>'
    "</bpmn:process></bpmn:definitions>"
)


@dataclass(frozen=True)
class DecisionResult:
    """What a decision table gave for one set of inputs.

    ``outputs`` maps each output column name to its value (a list per column under
    COLLECT; empty when no rule matched); ``matched`` lists the matching rule numbers
    (1-based, top to bottom) that produced it.
    """

    outputs: dict[str, Any]
    matched: list[int]


class CompiledDecision:
    """One validated DMN decision table, ready to evaluate; immutable and shared."""

    def __init__(self, decision_id: str, flow: CompiledFlow):
        self.decision_id = decision_id
        self._flow = flow
        self._spec = flow.spec.task_specs[_TASK_ID]
        table = self._spec.dmnEngine.decision_table
        self.hit_policy: str = table.hit_policy
        self.inputs: list[str] = [column.expression or "" for column in table.inputs]
        self.outputs: list[str] = [column.name or column.label for column in table.outputs]

    def __repr__(self) -> str:
        return f"<CompiledDecision {self.decision_id}>"

    def evaluate(self, inputs: Mapping[str, Any]) -> DecisionResult:
        """Run the table against ``inputs`` (routing-data rules apply); raise :class:`EngineError`."""
        values = clean_data(inputs, what="decision inputs")
        workflow = BpmnWorkflow(self._flow.spec, script_engine=ENGINE)
        task = Task(workflow, self._spec)
        task.data = values
        dmn = self._spec.dmnEngine
        try:
            rules = dmn.decide(task)
            outputs: dict[str, Any] = {}
            if self.hit_policy == "COLLECT":
                for rule in rules:
                    for name, value in rule.output_as_dict(task).items():
                        outputs.setdefault(name, []).append(value)
            elif rules:
                rules = rules[:1]  # UNIQUE, FIRST and ANY give the first match (UNIQUE is not enforced)
                outputs = dict(rules[0].output_as_dict(task))
        except Exception as exc:
            parts = [str(exc).strip().rstrip("."), *getattr(exc, "__notes__", [])]
            message = ". ".join(part.strip().rstrip(".") for part in parts if part.strip()).replace("..", ".")
            raise EngineError(
                f"The decision could not be evaluated: {message or type(exc).__name__}."
            ) from None
        matched = [rule.row_number for rule in rules]
        return DecisionResult(outputs=clean_data(outputs, what="decision outputs"), matched=matched)


def decision_id_of(dmn_xml: bytes | str) -> str | None:
    """The id of the decision a DMN file defines (None when it is not one readable decision)."""
    try:
        decision_id, _problems = lint_dmn(parse_xml(dmn_xml, "DMN"))
    except FlowValidationError:
        return None
    return decision_id


_cache: OrderedDict[str, CompiledDecision] = OrderedDict()
_cache_lock = threading.Lock()


def compile_decision(dmn_xml: bytes | str) -> CompiledDecision:
    """Validate and parse one DMN decision table; cached by content.

    Raises :class:`FlowValidationError` listing every problem (keyed by DMN element id).
    """
    text = dmn_xml.decode("utf-8") if isinstance(dmn_xml, bytes) else dmn_xml
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _cache_lock:
        if (found := _cache.get(digest)) is not None:
            _cache.move_to_end(digest)
            return found
    decision_id, problems = lint_dmn(parse_xml(text, "DMN"))
    if problems:
        raise FlowValidationError(problems)
    if not decision_id or not KEY_PATTERN.match(decision_id):
        raise FlowValidationError(
            [Problem(decision_id, "The decision id must be lowercase letters, digits and _.")]
        )
    flow = compile_flow(_WRAPPER.format(ref=decision_id), [text])
    compiled = CompiledDecision(decision_id, flow)
    with _cache_lock:
        _cache[digest] = compiled
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled
