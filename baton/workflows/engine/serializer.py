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
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter

from .parser import BusinessRuleTask, TopicServiceTask
from .script_engine import ENGINE

FLOW_FORMAT = 1
STATE_FORMAT = 1

_CONFIG: dict[type, type] = {
    **DEFAULT_CONFIG,
    TopicServiceTask: BpmnTaskSpecConverter,
    BusinessRuleTask: BaseBusinessRuleTaskConverter,
}
REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
_SERIALIZER = BpmnWorkflowSerializer(REGISTRY)  # kept for migrate(); holds the same registry
_WORKFLOW_CONVERTER = BpmnWorkflowConverter(BpmnWorkflow, REGISTRY)
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
        workflow.tasks = _WORKFLOW_CONVERTER.mapping_from_dict(state["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(state["root"]))
        _WORKFLOW_CONVERTER.set_default_attributes(workflow, state)
        _WORKFLOW_CONVERTER.subprocesses_from_dict(state["subprocesses"], workflow)
        workflow.bpmn_events = REGISTRY.restore(state.pop("bpmn_events", []))
    except Exception as exc:
        raise StateError(f"The stored instance cannot be read: {exc!r}") from exc
    workflow.script_engine = ENGINE  # the engine is not serialized; never fall back to eval()
    return workflow
