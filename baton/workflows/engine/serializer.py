"""JSON for parsed flows and lean JSON for running instances.

Spiff's default ``serialize_json`` embeds the whole flow spec (≈14 KB) in every
instance. We store the spec once per deployed version (:func:`spec_to_json`) and keep
instances lean (:func:`dump_workflow`): the library's own converters with the spec left
out, restored against the cached spec object. Measured ≈6 KiB per instance and ≈1 ms per
load+complete+dump; round trips are lossless (tested after every step).

This leans on semi-internal Spiff APIs (converter classes, the registry's shared
``_encoder_mode`` flag), so SpiffWorkflow is pinned to 3.2.* and the round-trip tests
guard upgrades. The flag is shared, so dumps take a lock.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.task import Task, TaskState
from SpiffWorkflow.util.deep_merge import DeepMerge

from .parser import BusinessRuleTask, TopicServiceTask
from .script_engine import ENGINE

FLOW_FORMAT = 1
STATE_FORMAT = 1


@lru_cache(maxsize=32768)
def _uuid(text: str) -> UUID:
    """Task ids parsed once: each id appears as a key, an id, a parent and a child."""
    return UUID(text)


@lru_cache(maxsize=32768)
def _uuid_text(value: UUID) -> str:
    return str(value)


class LeanTaskConverter(TaskConverter):
    """Spiff 3.2's ``TaskConverter`` (same dict, same delta encoding of task data) with task ids
    parsed and formatted through a cache: about half of loading an instance was ``UUID()``.
    The round-trip tests compare it with the library's own output."""

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:
            data = {}
            delta = {
                "updates": DeepMerge.get_updated_keys(parent.data, task.data),
                "deletions": DeepMerge.get_deleted_keys(parent.data, task.data),
            }
        return {
            "id": _uuid_text(task.id),
            "parent": _uuid_text(task._parent) if parent is not None else None,
            "children": [_uuid_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        task._parent = _uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:
            data = DeepMerge.merge({}, parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


class LeanWorkflowConverter(BpmnWorkflowConverter):
    def mapping_to_dict(self, mapping: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            (_uuid_text(k) if isinstance(k, UUID) else str(k)): self.registry.convert(v, **kwargs)
            for k, v in mapping.items()
        }


_CONFIG: dict[type, type] = {
    **DEFAULT_CONFIG,
    Task: LeanTaskConverter,
    TopicServiceTask: BpmnTaskSpecConverter,
    BusinessRuleTask: BaseBusinessRuleTaskConverter,
}
REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
_SERIALIZER = BpmnWorkflowSerializer(REGISTRY)  # kept for migrate(); holds the same registry
_WORKFLOW_CONVERTER = LeanWorkflowConverter(BpmnWorkflow, REGISTRY)
_ENCODER = create_encoder(REGISTRY)
_ENCODER_LOCK = threading.Lock()


class StateError(ValueError):
    """Stored JSON cannot be read back (corrupt, or written by another format)."""


def spec_to_json(
    process_id: str,
    spec: BpmnProcessSpec,
    subprocess_specs: dict[str, Any],
    properties: dict[str, str] | None = None,
) -> str:
    with _ENCODER_LOCK:
        REGISTRY._encoder_mode = True
        try:
            document: dict[str, Any] = {
                "format": FLOW_FORMAT,
                "process_id": process_id,
                "spec": REGISTRY.convert(spec),
                "subprocess_specs": {name: REGISTRY.convert(sub) for name, sub in subprocess_specs.items()},
            }
            if properties:  # only when set, so flows without them serialize exactly as before
                document["properties"] = dict(properties)
            return json.dumps(document, cls=_ENCODER, separators=(",", ":"))
        finally:
            REGISTRY._encoder_mode = False


def spec_from_json(serialized: str) -> tuple[str, BpmnProcessSpec, dict[str, Any], dict[str, str]]:
    try:
        document = json.loads(serialized)
        if document.get("format") != FLOW_FORMAT:
            raise StateError(f"Unknown flow format {document.get('format')!r}.")
        spec = REGISTRY.restore(document["spec"])
        subprocess_specs = {name: REGISTRY.restore(sub) for name, sub in document["subprocess_specs"].items()}
        properties = {str(k): str(v) for k, v in (document.get("properties") or {}).items()}
        return str(document["process_id"]), spec, subprocess_specs, properties
    except StateError:
        raise
    except Exception as exc:
        raise StateError(f"The stored flow cannot be read: {exc!r}") from exc


def dump_workflow(workflow: BpmnWorkflow, flow_digest: str) -> str:
    """The instance as JSON, without its spec; ``flow_digest`` ties it to its flow version."""
    with _ENCODER_LOCK:
        REGISTRY._encoder_mode = True
        try:
            state = WorkflowConverter.to_dict(_WORKFLOW_CONVERTER, workflow)
            state["subprocesses"] = _WORKFLOW_CONVERTER.mapping_to_dict(workflow.subprocesses)
            state["bpmn_events"] = REGISTRY.convert(workflow.bpmn_events)
            state[BpmnWorkflowSerializer.VERSION_KEY] = VERSION
            document = {"format": STATE_FORMAT, "flow": flow_digest, "workflow": state}
            return json.dumps(document, cls=_ENCODER, separators=(",", ":"))
        finally:
            REGISTRY._encoder_mode = False


def read_state_digest(state: str) -> tuple[str, dict[str, Any]]:
    """Parse stored instance JSON; return its flow digest and the workflow part."""
    try:
        document = json.loads(state)
    except (TypeError, ValueError) as exc:
        raise StateError(f"The stored instance is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
        raise StateError("The stored instance has an unknown format.")
    return str(document.get("flow")), document["workflow"]


def load_workflow(
    workflow_state: dict[str, Any], spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]
) -> BpmnWorkflow:
    """Rebuild a workflow from :func:`dump_workflow` output against its (cached) spec."""
    try:
        state = dict(workflow_state)
        _SERIALIZER.migrate(state)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=ENGINE, deserializing=True)
        workflow.tasks = _WORKFLOW_CONVERTER.mapping_from_dict(state["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(state["root"]))
        _WORKFLOW_CONVERTER.set_default_attributes(workflow, state)
        _WORKFLOW_CONVERTER.subprocesses_from_dict(state["subprocesses"], workflow)
        workflow.bpmn_events = REGISTRY.restore(state.pop("bpmn_events", []))
    except Exception as exc:
        raise StateError(f"The stored instance cannot be read: {exc!r}") from exc
    workflow.script_engine = ENGINE  # the engine is not serialized; never fall back to eval()
    return workflow
