"""Comparing flow versions and moving running instances onto a newer one.

A deployed version never changes; an instance stays on the version it started with
until an admin migrates it. :func:`diff_flows` lists what a new version adds, removes
and changes (by BPMN element id). :func:`migrate_instance` uses Spiff's own
``diff_workflow`` / ``migrate_workflow`` and fixes the one thing they get wrong for us:
``migrate_workflow`` resets every READY/WAITING branch, which re-arms waiting timers (a
4-hour timer started at 09:00 and migrated at 10:00 would fall due at 14:00). We copy
each waiting timer's due time across by element id, so it still falls due at 13:00.

An instance whose current step (a READY or WAITING element) is missing from the new
version is refused with the reason; nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .errors import EngineError
from .flow import CompiledFlow
from .runtime import FlowInstance
from .serializer import _ENCODER_LOCK, REGISTRY, load_workflow, read_state_digest

_ACTIVE = TaskState.READY | TaskState.WAITING


@dataclass(frozen=True)
class ElementChange:
    """One BPMN element in a diff: its id, display name, kind and what changed."""

    element_id: str
    name: str
    kind: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowDiff:
    """What a new version adds, removes and changes, each sorted by element id."""

    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _element(spec: Any, fields: Iterable[str] = ()) -> ElementChange:
    return ElementChange(
        element_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        kind=type(spec).__name__,
        fields=tuple(sorted(fields)),
    )


def _spec_pairs(old: CompiledFlow, new: CompiledFlow) -> list[tuple[BpmnProcessSpec, BpmnProcessSpec]]:
    pairs = [(old.spec, new.spec)]
    for name, sub in old.subprocess_specs.items():
        if name in new.subprocess_specs:
            pairs.append((sub, new.subprocess_specs[name]))
    return pairs


def diff_flows(old: CompiledFlow, new: CompiledFlow) -> FlowDiff:
    """Elements added, removed and changed from ``old`` to ``new`` (BPMN elements only)."""
    added: dict[str, ElementChange] = {}
    removed: dict[str, ElementChange] = {}
    changed: dict[str, ElementChange] = {}
    with _ENCODER_LOCK:
        REGISTRY._encoder_mode = True
        try:
            diffs = [SpecDiff(REGISTRY, first, second) for first, second in _spec_pairs(old, new)]
        finally:
            REGISTRY._encoder_mode = False
    for diff in diffs:
        for spec in diff.added:
            if spec.bpmn_id:
                added[spec.bpmn_id] = _element(spec)
        for spec in diff.removed:
            if spec.bpmn_id:
                removed[spec.bpmn_id] = _element(spec)
        for spec, fields in diff.changed.items():
            if spec.bpmn_id and spec.bpmn_id not in removed:
                changed[spec.bpmn_id] = _element(spec, fields)
    old_subs, new_subs = set(old.subprocess_specs), set(new.subprocess_specs)
    for name in sorted(new_subs - old_subs):
        for spec in new.subprocess_specs[name].task_specs.values():
            if spec.bpmn_id:
                added[spec.bpmn_id] = _element(spec)
    for name in sorted(old_subs - new_subs):
        for spec in old.subprocess_specs[name].task_specs.values():
            if spec.bpmn_id:
                removed[spec.bpmn_id] = _element(spec)

    def ordered(items: dict[str, ElementChange]) -> list[ElementChange]:
        return [items[key] for key in sorted(items)]

    return FlowDiff(added=ordered(added), removed=ordered(removed), changed=ordered(changed))


def _all_workflows(workflow: BpmnWorkflow) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def _refuse_missing(workflow: BpmnWorkflow, new: CompiledFlow) -> None:
    for sub in _all_workflows(workflow):
        target = new.spec if sub is workflow else new.subprocess_specs.get(sub.spec.name)
        for task in sub.get_tasks(state=_ACTIVE, skip_subprocesses=True):
            spec = task.task_spec
            if spec.bpmn_id and (target is None or spec.name not in target.task_specs):
                label = spec.bpmn_name or spec.bpmn_id
                raise EngineError(
                    f"The current step '{label}' ({spec.bpmn_id}) does not exist in the new version."
                )


def _waiting_timers(workflow: BpmnWorkflow) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for sub in _all_workflows(workflow):
        for task in sub.get_tasks(state=TaskState.WAITING, skip_subprocesses=True):
            value = task.internal_data.get("event_value")
            if value is not None and task.task_spec.bpmn_id:
                values[task.task_spec.name] = value
    return values


def migrate_instance(instance: FlowInstance, new: CompiledFlow) -> FlowInstance:
    """A copy of ``instance`` moved onto ``new``; ``instance`` itself is left untouched.

    Waiting timers keep their due times. Raises :class:`EngineError` (with the reason)
    when a READY/WAITING element no longer exists in ``new``, or Spiff cannot migrate.
    """
    if instance.flow.digest == new.digest:
        raise EngineError("The instance already runs this version of the flow.")
    if instance.flow.process_id != new.process_id:
        raise EngineError(
            f"The new version runs process '{new.process_id}', not '{instance.flow.process_id}'."
        )
    _, state = read_state_digest(instance.dump())
    workflow = load_workflow(state, instance.flow.spec, instance.flow.subprocess_specs)
    _refuse_missing(workflow, new)
    timers = _waiting_timers(workflow)
    try:
        with _ENCODER_LOCK:
            REGISTRY._encoder_mode = True
            try:
                top_diff, sub_diffs = diff_workflow(REGISTRY, workflow, new.spec, new.subprocess_specs)
            finally:
                REGISTRY._encoder_mode = False
        migrate_workflow(top_diff, workflow, new.spec)
        for sub_id, sub_diff in sub_diffs.items():
            sub = workflow.subprocesses[sub_id]
            if sub_diff is not None:
                migrate_workflow(sub_diff, sub, new.subprocess_specs[sub.spec.name])
        workflow.subprocess_specs = new.subprocess_specs
        for sub in _all_workflows(workflow):
            for task in sub.get_tasks(state=TaskState.WAITING, skip_subprocesses=True):
                if task.task_spec.name in timers:
                    task.internal_data["event_value"] = timers[task.task_spec.name]
        workflow.refresh_timers()
        workflow.do_engine_steps()
    except EngineError:
        raise
    except Exception as exc:
        message = str(exc).strip().rstrip(".") or type(exc).__name__
        raise EngineError(f"The instance could not be migrated: {message}.") from exc
    return FlowInstance(new, workflow)
