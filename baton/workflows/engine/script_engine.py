"""The script engine Spiff calls for every expression: CEL only, scripts refused.

Spiff's default engine runs gateway conditions, timer texts and DMN cells through
``eval()`` and script tasks through ``exec()``: whoever can deploy a flow could run code
on the server. This engine evaluates everything with :mod:`baton.core.cel`:

* gateway conditions must give ``true``/``false`` (no Python-style truthiness);
* timer texts may be bare ISO-8601 literals, passed through unevaluated, or CEL
  expressions giving one (see :mod:`.timers`);
* DMN cells arrive already rewritten by Spiff's DMN engine (``?`` becomes the input
  value, ``< 500`` becomes ``input< 500``, ``"VIP"`` becomes ``(input) == ("VIP")``);
* :meth:`CelScriptEngine.execute` (script tasks, pre/post scripts) always raises.

Service tasks call handlers registered with :func:`register_service` by topic.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.task import Task

from baton.core import cel

from .data import clean_data
from .timers import is_iso_literal, timer_kind, timer_value_from_result

ServiceHandler = Callable[[dict[str, Any]], dict[str, Any] | None]

_SERVICES: dict[str, ServiceHandler] = {}
_TOPIC = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def register_service(topic: str, handler: ServiceHandler) -> None:
    """Make ``serviceTask camunda:topic="<topic>"`` call ``handler(task_data)``.

    The handler gets a copy of the routing data; the dict it returns (if any) is merged
    into the data after the same checks as user input. Registering a topic again
    replaces the handler. Flows naming an unregistered topic are refused at deploy.
    """
    if not isinstance(topic, str) or not _TOPIC.match(topic):
        raise ValueError(f"Invalid service topic {topic!r}.")
    if not callable(handler):
        raise TypeError("A service handler must be callable.")
    _SERVICES[topic] = handler


def registered_topics() -> frozenset[str]:
    return frozenset(_SERVICES)


class CelEnvironment(BasePythonScriptEngineEnvironment):
    """Used directly by a few Spiff code paths (e.g. data-object conditions)."""

    def evaluate(
        self, expression: str, context: Mapping[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> Any:
        return cel.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: Any, external_context: Any = None) -> Any:
        raise cel.ExpressionError("Scripts are disabled in Baton; use a service task or a decision table.")

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise cel.ExpressionError("Services are called through the script engine.")


class CelScriptEngine(PythonScriptEngine):
    """Spiff's script-engine interface, implemented with CEL and registered services."""

    def __init__(self) -> None:
        super().__init__(environment=CelEnvironment())

    def validate(self, expression: str) -> None:
        """Spiff's DMN engine probes cells with this; it expects SyntaxError for bad ones."""
        try:
            cel.compile_expression(expression)
        except cel.ExpressionError as exc:
            raise SyntaxError(str(exc)) from None

    def evaluate(self, task: Task, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        try:
            if isinstance(definition, TimerEventDefinition):
                return self._timer_value(task, definition, expression)
            variables = {**(external_context or {}), **task.data}
            if isinstance(spec, ExclusiveGateway | InclusiveGateway):
                return cel.evaluate_bool(expression, variables)
            return cel.evaluate(expression, variables)
        except (cel.ExpressionError, ValueError) as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from None

    def _timer_value(self, task: Task, definition: TimerEventDefinition, expression: str) -> str:
        text = (expression or "").strip()
        if is_iso_literal(text):
            return text
        return timer_value_from_result(timer_kind(definition), cel.evaluate(text, task.data))

    def execute(self, task: Task, script: str, external_context: Mapping[str, Any] | None = None) -> bool:
        raise WorkflowTaskException(
            "Scripts are disabled in Baton; use a service task or a decision table.", task=task
        )

    def call_service(self, task: Task, **kwargs: Any) -> dict[str, Any]:
        topic = kwargs.get("topic")
        handler = _SERVICES.get(topic) if isinstance(topic, str) else None
        if handler is None:
            raise WorkflowTaskException(f"No service is registered for topic {topic!r}.", task=task)
        result = handler(copy.deepcopy(task.data))
        if result is None:
            return {}
        return clean_data(result, what=f"result of service {topic!r}")


#: One engine for every workflow: it holds no per-instance state.
ENGINE = CelScriptEngine()
