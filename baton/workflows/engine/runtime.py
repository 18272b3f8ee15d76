"""Running instances: start, complete steps, fire timers, dump and load.

Every state-changing call is all-or-nothing: we snapshot the lean JSON first and, if
Spiff raises half-way (a condition fails on missing data, a service handler errors), we
restore the snapshot and raise :class:`EngineError`. The Django side can therefore show
the error and keep using (or simply not save) the instance.

Routing data is one flat namespace per branch, so a variable set in an earlier loop is
still visible later. To keep ``outcome`` from a previous pass from misrouting a gateway,
every completion sets ``outcome`` explicitly: for a step that declares ``outcomes``, the
given outcome must be one of them (a step with a single outcome gets it by default); for
other steps it is whatever was given, or ``null``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway, ParallelGateway
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .data import clean_data
from .errors import EngineError
from .flow import CompiledFlow, StepSpec
from .script_engine import ENGINE
from .serializer import StateError, dump_workflow, load_workflow, read_state_digest
from .timers import parse_due

#: Spiff's task iterators stop at depth 1000 and every executed element adds a level, so a
#: step deeper than this could vanish from view after a few more loops (≈300 returns in the
#: repair flow). We refuse to go on well before that; callers should cap loops earlier.
MAX_TASK_DEPTH = 900

_TIMER_EVENT_TYPES = frozenset(
    {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}
)


@dataclass(frozen=True)
class ActiveTask:
    """A step waiting for a person: the Spiff task id and what the step is."""

    task_id: str
    step: StepSpec


class FlowInstance:
    """One running (or finished) flow; wraps a Spiff workflow behind our own API."""

    def __init__(self, flow: CompiledFlow, workflow: BpmnWorkflow, state: str | None = None):
        self.flow = flow
        self._workflow = workflow
        # The lean JSON of the workflow as it is now, when known (it was loaded from it or has
        # just been dumped): the snapshot a change restores on failure, so a change does not
        # serialize the whole instance first (that was a third of a step completion).
        self._snapshot = state

    def active_tasks(self) -> list[ActiveTask]:
        """Steps that are READY for a person to complete, in task-tree order."""
        return [
            ActiveTask(str(task.id), self.flow.steps[task.task_spec.bpmn_id])
            for task in self._workflow.get_tasks(state=TaskState.READY, manual=True)
            if task.task_spec.bpmn_id in self.flow.steps
        ]

    def complete(self, task_id: str, data: Mapping[str, Any]) -> None:
        """Complete a READY step with ``data`` and run the engine until it waits again."""
        values = clean_data(data)
        task = self._ready_step(task_id)
        if task.depth >= MAX_TASK_DEPTH:
            raise EngineError(
                "This flow has gone round its loops too many times to continue; close the ticket "
                "or start a new flow for it."
            )
        step = self.flow.steps[task.task_spec.bpmn_id]
        values["outcome"] = _outcome(step, values.get("outcome"))

        def run() -> None:
            task.data.update(values)
            task.run()
            self._workflow.do_engine_steps()

        self._atomically(run)

    def back_targets(self, task_id: str) -> list[str]:
        """Steps a READY step may send the flow back to (驳回至): the completed steps it came
        through, nearest first, each once. Steps inside a parallel branch that has been joined
        are left out (going back into one branch would leave the other half-done)."""
        task = self._ready_step(task_id)
        return [target.task_spec.bpmn_id for target in self._back_target_tasks(task)]

    def send_back(self, task_id: str, step_key: str) -> None:
        """Reset the flow to the last time it passed ``step_key`` (one of :meth:`back_targets`).

        Everything the flow did after that step is dropped from the engine state (so the
        lean JSON shrinks again); the step becomes ready for a person once more.
        """
        task = self._ready_step(task_id)
        target = next((t for t in self._back_target_tasks(task) if t.task_spec.bpmn_id == step_key), None)
        if target is None:
            raise EngineError(f"The flow cannot go back from here to the step {step_key!r}.")

        def run() -> None:
            self._workflow.reset_from_task_id(target.id)
            self._workflow.do_engine_steps()

        self._atomically(run)

    def _back_target_tasks(self, task: Task) -> list[Task]:
        found: list[Task] = []
        keys = {task.task_spec.bpmn_id}
        joined = 0
        node = _parent(self._workflow, task)
        while node is not None:
            spec = node.task_spec
            if isinstance(spec, ParallelGateway | InclusiveGateway):
                # Walking up: a gateway with several incoming flows is a join we pass into a
                # branch; one with several outgoing flows is the split that leaves it.
                if len(spec.inputs) > 1:
                    joined += 1
                if len(spec.outputs) > 1 and joined:
                    joined -= 1
            elif (
                not joined
                and node.state == TaskState.COMPLETED
                and spec.bpmn_id in self.flow.steps
                and spec.manual
                and spec.bpmn_id not in keys
            ):
                keys.add(spec.bpmn_id)
                found.append(node)
            node = _parent(self._workflow, node)
        return found

    def fire_due_timers(self) -> None:
        """Fire every timer due at :func:`baton.core.clock.now` and run what follows."""

        def run() -> None:
            self._workflow.refresh_timers()
            self._workflow.do_engine_steps()

        self._atomically(run)

    def next_timer_due(self) -> datetime | None:
        """The earliest due time of a waiting timer (aware UTC), or None."""
        due = [
            parse_due(event.value)
            for event in self._workflow.waiting_events()
            if event.event_type in _TIMER_EVENT_TYPES and isinstance(event.value, str)
        ]
        return min(due) if due else None

    def is_completed(self) -> bool:
        return bool(self._workflow.is_completed())

    @property
    def data(self) -> dict[str, Any]:
        """The current routing variables (a copy).

        For a finished flow, the data the flow ended with; otherwise the data of the
        active (ready or waiting) tasks merged in task-tree order.
        """
        workflow = self._workflow
        if workflow.is_completed():
            return copy.deepcopy(dict(workflow.data))
        merged: dict[str, Any] = {}
        active = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        for task in workflow.get_tasks(state=active):
            merged.update(task.data)
        if not merged and workflow.last_task is not None:
            merged.update(workflow.last_task.data)
        return copy.deepcopy(merged)

    def dump(self) -> str:
        """Lean JSON state (the spec is not embedded); restore with :func:`load_instance`."""
        self._snapshot = dump_workflow(self._workflow, self.flow.digest)
        return self._snapshot

    def path(self) -> list[str]:
        """BPMN ids of the completed elements, in the order they completed."""
        workflows = [self._workflow, *self._workflow.subprocesses.values()]
        done = [
            task
            for workflow in workflows
            for task in workflow.tasks.values()
            if task.state == TaskState.COMPLETED and task.task_spec.bpmn_id is not None
        ]
        done.sort(key=lambda task: task.last_state_change)  # stable: ties keep creation order
        return [task.task_spec.bpmn_id for task in done]

    def _ready_step(self, task_id: str) -> Task:
        try:
            task = self._workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, TaskNotFoundException):
            raise EngineError(f"There is no task {task_id!r} in this flow.") from None
        if task.task_spec.bpmn_id not in self.flow.steps or not task.task_spec.manual:
            raise EngineError(f"Task {task_id!r} is not a step a person can complete.")
        if task.state != TaskState.READY:
            raise EngineError(
                f"Step '{task.task_spec.bpmn_name or task.task_spec.bpmn_id}' is not waiting to be completed "
                f"(it is {TaskState.get_name(task.state)})."
            )
        return task

    def _atomically(self, change: Callable[[], None]) -> None:
        snapshot = self._snapshot if self._snapshot is not None else self.dump()
        self._snapshot = None  # the workflow changes from here on
        try:
            change()
        except Exception as exc:
            self._workflow = _restore(self.flow, snapshot)
            self._snapshot = snapshot
            if isinstance(exc, EngineError):
                raise
            raise EngineError(_describe(exc)) from exc


def _parent(workflow: BpmnWorkflow, task: Task) -> Task | None:
    """The task before ``task``, stepping out of a sub-process into the task that started it."""
    if task.parent is not None:
        return task.parent
    parent_id = task.workflow.parent_task_id
    return workflow.get_task_from_id(parent_id) if parent_id is not None else None


def _outcome(step: StepSpec, given: Any) -> Any:
    outcomes = step.outcomes
    if not outcomes:
        return given
    if given is None and len(outcomes) == 1:
        return outcomes[0]
    if given not in outcomes:
        choices = ", ".join(outcomes)
        raise EngineError(f"Step '{step.name}' must be completed with an outcome: one of {choices}.")
    return given


def _describe(exc: Exception) -> str:
    message = str(exc).strip().rstrip(".") or type(exc).__name__
    return f"The flow could not continue: {message}."


def _restore(flow: CompiledFlow, state: str) -> BpmnWorkflow:
    digest, workflow_state = read_state_digest(state)
    if digest != flow.digest:
        raise EngineError(
            "This instance belongs to another version of the flow; load it with that version "
            "(or migrate it first)."
        )
    return load_workflow(workflow_state, flow.spec, flow.subprocess_specs)


def start_instance(flow: CompiledFlow, data: Mapping[str, Any]) -> FlowInstance:
    """Start a new instance with ``data`` as its first routing variables."""
    values = clean_data(data)
    workflow = BpmnWorkflow(flow.spec, flow.subprocess_specs, script_engine=ENGINE)
    start = workflow.get_next_task(state=TaskState.READY)
    if start is None:  # pragma: no cover - Spiff always creates a ready Start task
        raise EngineError("The flow has nothing to start.")
    start.data.update(values)
    try:
        workflow.do_engine_steps()
    except Exception as exc:
        raise EngineError(_describe(exc)) from exc
    return FlowInstance(flow, workflow)


def load_instance(flow: CompiledFlow, state: str) -> FlowInstance:
    """Restore an instance from :meth:`FlowInstance.dump` against the flow it ran on."""
    try:
        return FlowInstance(flow, _restore(flow, state), state)
    except StateError as exc:
        raise EngineError(str(exc)) from None
