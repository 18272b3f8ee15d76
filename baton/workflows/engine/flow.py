"""Deploying a flow: safe XML → lint → Spiff parse → :class:`CompiledFlow`.

A flow is compiled once per deployed version. :meth:`CompiledFlow.serialize` is what
the database keeps next to the XML; :func:`load_flow` restores it (cached by content
hash, so hot flows are parsed once per process). The digest of the serialized spec is
stamped on every instance dump, so an instance can never silently run on another
version of its flow.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from .errors import EngineError, FlowValidationError, Problem
from .lint import lint_bpmn
from .lint_dmn import lint_dmn
from .parser import NSMAP, STEP_TYPES, TicketParser, read_process_properties
from .safexml import parse_xml
from .script_engine import registered_topics
from .serializer import StateError, spec_from_json, spec_to_json

_FLOW_CACHE_SIZE = 64
APPROVAL_MODES = ("single", "any", "all")


@dataclass(frozen=True)
class StepSpec:
    """One step (user task) as drawn: its id, name, camunda properties and form fields."""

    key: str
    name: str
    properties: dict[str, str] = field(default_factory=dict)
    form_fields: list[str] = field(default_factory=list)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The ``outcomes`` property as a tuple (``"done,return"`` → ``("done", "return")``)."""
        raw = self.properties.get("outcomes", "")
        return tuple(part.strip() for part in raw.split(",") if part.strip())

    @property
    def approval(self) -> str:
        """``single`` (one owner), ``any`` (或签: the first decision counts) or ``all`` (会签)."""
        mode = self.properties.get("approval", "").strip()
        return mode if mode in APPROVAL_MODES else "single"

    @property
    def back_to(self) -> tuple[str, ...]:
        """Steps a rejection may send the ticket back to (``*``: any step it passed)."""
        raw = self.properties.get("back_to", "")
        return tuple(part.strip() for part in raw.split(",") if part.strip())


class CompiledFlow:
    """A parsed, validated flow version; immutable and shared between instances."""

    def __init__(
        self,
        process_id: str,
        spec: BpmnProcessSpec,
        subprocess_specs: dict[str, BpmnProcessSpec],
        serialized: str | None = None,
        properties: dict[str, str] | None = None,
    ):
        self.process_id = process_id
        self.spec = spec
        self.subprocess_specs = subprocess_specs
        #: Flow-wide settings from the process element's camunda properties (``max_loops``).
        self.properties: dict[str, str] = dict(properties or {})
        self._serialized = serialized or spec_to_json(process_id, spec, subprocess_specs, self.properties)
        self.digest = hashlib.sha256(self._serialized.encode("utf-8")).hexdigest()
        self.steps: dict[str, StepSpec] = {}
        for process_spec in (spec, *subprocess_specs.values()):
            for task_spec in process_spec.task_specs.values():
                if isinstance(task_spec, STEP_TYPES) and task_spec.bpmn_id:
                    self.steps[task_spec.bpmn_id] = _step_from_spec(task_spec)

    def __repr__(self) -> str:
        return f"<CompiledFlow {self.process_id} {self.digest[:12]}>"

    def serialize(self) -> str:
        """The parsed spec as JSON; store it once per deployed version."""
        return self._serialized


def _step_from_spec(task_spec: Any) -> StepSpec:
    extensions = getattr(task_spec, "extensions", None) or {}
    return StepSpec(
        key=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        properties=dict(extensions.get("properties", {})),
        form_fields=list(extensions.get("form_fields", [])),
    )


def compile_flow(bpmn_xml: bytes | str, dmn_xmls: Sequence[bytes | str] = ()) -> CompiledFlow:
    """Validate and parse a BPMN flow (plus the DMN files it uses) for deployment.

    Raises :class:`FlowValidationError` listing every problem found.
    """
    if isinstance(dmn_xmls, str | bytes):
        raise TypeError("dmn_xmls is a sequence of DMN documents, not one document.")
    bpmn_root = parse_xml(bpmn_xml, "BPMN")
    dmn_roots = [parse_xml(dmn, "DMN") for dmn in dmn_xmls]
    problems: list[Problem] = []
    decisions: set[str] = set()
    for root in dmn_roots:
        decision_id, dmn_problems = lint_dmn(root)
        problems.extend(dmn_problems)
        if decision_id in decisions:
            problems.append(Problem(decision_id, f"Two DMN files define the decision '{decision_id}'."))
        elif decision_id:
            decisions.add(decision_id)
    process_id, bpmn_problems = lint_bpmn(bpmn_root, decisions, registered_topics())
    problems.extend(bpmn_problems)
    if problems or process_id is None:
        raise FlowValidationError(problems or [Problem(None, "The flow has no process.")])

    parser = TicketParser()
    try:
        for root in dmn_roots:
            parser.add_dmn_xml(root)
        parser.add_bpmn_xml(bpmn_root)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        raise FlowValidationError([Problem(getattr(exc, "id", None) or None, str(exc))]) from None
    except Exception as exc:  # Spiff's parser raises assorted errors on odd input
        raise FlowValidationError([Problem(None, f"The flow could not be read: {exc}")]) from None
    process = bpmn_root.find("./bpmn:process", NSMAP)
    properties = read_process_properties(process) if process is not None else {}
    return CompiledFlow(process_id, spec, subprocess_specs, properties=properties)


_cache: OrderedDict[str, CompiledFlow] = OrderedDict()
_cache_lock = threading.Lock()


def load_flow(serialized: str) -> CompiledFlow:
    """Restore a flow from :meth:`CompiledFlow.serialize`; cached by content hash.

    Raises :class:`EngineError` if the text is not a serialized flow.
    """
    digest = hashlib.sha256(serialized.encode("utf-8")).hexdigest()
    with _cache_lock:
        if (flow := _cache.get(digest)) is not None:
            _cache.move_to_end(digest)
            return flow
    try:
        process_id, spec, subprocess_specs, properties = spec_from_json(serialized)
    except StateError as exc:
        raise EngineError(str(exc)) from None
    flow = CompiledFlow(process_id, spec, subprocess_specs, serialized=serialized, properties=properties)
    with _cache_lock:
        _cache[digest] = flow
        while len(_cache) > _FLOW_CACHE_SIZE:
            _cache.popitem(last=False)
    return flow
