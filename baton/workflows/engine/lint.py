"""Deploy-time checks on the BPMN XML, collecting every problem with its element id.

Spiff's parser stops at the first error and silently ignores much of what it does not
execute (a condition on a flow leaving a task, an unknown event type, ...). Admins
deserve the full list, in words, before a flow goes live. We walk the XML ourselves:

* only the elements Baton supports may appear; anything else is named with its id and
  a plain reason (scripts would run code; messages have nowhere to go; ...);
* every step has an ``owner``; ``sla`` is an ISO duration; ``outcomes`` are names;
* exclusive gateways with several outgoing flows need a default flow and a condition on
  every other flow (Spiff tests conditions in the diagram's top-to-bottom order, so
  they must also be mutually exclusive; that cannot be checked, only documented);
* every condition, timer expression and service topic is compiled/resolved now, so a
  typo fails the deployment instead of a ticket.

DMN tables are checked in :mod:`.lint_dmn`.
"""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree

from baton.core import cel

from .data import KEY_PATTERN
from .errors import Problem
from .parser import NSMAP, camunda_attr
from .timers import TimerKind, check_timer_value, is_iso_literal

BPMN_NS = NSMAP["bpmn"]
STEP_TAGS = frozenset({"userTask", "task", "manualTask"})
TASK_TAGS = STEP_TAGS | {"serviceTask", "businessRuleTask", "subProcess"}
GATEWAY_TAGS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway"})
EVENT_TAGS = frozenset({"startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent"})
FLOW_NODE_TAGS = TASK_TAGS | GATEWAY_TAGS | EVENT_TAGS
IGNORED_TAGS = frozenset(
    {"documentation", "extensionElements", "laneSet", "textAnnotation", "association", "group", "property"}
    | {"incoming", "outgoing"}  # bpmn-js and other modelers write these inside sub-processes too
)
#: Spiff names its internal task specs like this; a BPMN element with such an id would be
#: silently merged with them (a start event called "Start" vanishes from the flow).
RESERVED_IDS = frozenset({"Start", "End", "Root", "StartEventSplit", "StartEventJoin"})
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")
UNSUPPORTED: dict[str, str] = {
    "scriptTask": "scripts would run code on the server; use a service task with a registered topic "
    "or a business rule task",
    "sendTask": "messages are not supported; use a service task",
    "receiveTask": "messages are not supported; use a user task or a timer",
    "callActivity": "calling another process is not supported yet; draw the steps in a sub-process",
    "intermediateThrowEvent": "throwing events (messages, signals, escalations) is not supported",
    "eventBasedGateway": "waiting for one of several events is not supported; use a boundary timer",
    "complexGateway": "complex gateways are not supported; use exclusive, inclusive or parallel gateways",
    "transaction": "transactions are not supported; use a sub-process",
    "adHocSubProcess": "ad-hoc sub-processes are not supported; use a sub-process",
    "dataObject": "data objects are not supported; routing data comes from step form fields",
    "dataObjectReference": "data objects are not supported; routing data comes from step form fields",
    "dataStoreReference": "data stores are not supported",
    "multiInstanceLoopCharacteristics": "repeating elements (multi-instance) are supported only on steps, "
    "as 或签/会签 approvals",
    "standardLoopCharacteristics": "repeating steps (loops) are not supported; draw the loop with a gateway",
    "ioSpecification": "data inputs and outputs are not supported",
    "dataInputAssociation": "data associations are not supported",
    "dataOutputAssociation": "data associations are not supported",
    "messageFlow": "messages between pools are not supported",
}


def label(node: etree._Element) -> str:
    tag, name, node_id = etree.QName(node).localname, node.get("name"), node.get("id")
    return f"{tag} '{name}' ({node_id})" if name else f"{tag} ({node_id})"


def _local(node: etree._Element) -> str | None:
    """The BPMN local name of an element, or None for comments and foreign elements."""
    if not isinstance(node.tag, str):
        return None
    qname = etree.QName(node)
    return qname.localname if qname.namespace == BPMN_NS else None


def _xpath(node: etree._Element, path: str) -> list[etree._Element]:
    return node.findall(path, NSMAP)


def lint_bpmn(
    root: etree._Element, decisions: Collection[str], topics: Collection[str]
) -> tuple[str | None, list[Problem]]:
    """Check a BPMN document; return its process id and every problem found."""
    problems: list[Problem] = []
    if _local(root) != "definitions":
        return None, [Problem(None, "This is not a BPMN file (no bpmn:definitions root element).")]
    for node in _xpath(root, ".//bpmn:messageFlow"):
        problems.append(
            Problem(node.get("id"), f"{label(node)} is not supported: {UNSUPPORTED['messageFlow']}.")
        )
    processes = _xpath(root, "./bpmn:process")
    if len(processes) != 1:
        problems.append(
            Problem(None, f"A flow file must contain exactly one process; found {len(processes)}.")
        )
        return None, problems
    process = processes[0]
    if process.get("isExecutable", "true") != "true":
        problems.append(
            Problem(process.get("id"), 'The process is marked as not executable; set isExecutable="true".')
        )
    seen: set[str] = set()
    for node in process.iter():
        if _local(node) and (node_id := node.get("id")):
            if node_id in seen:
                problems.append(Problem(node_id, f"The id '{node_id}' is used by more than one element."))
            if node_id in RESERVED_IDS or node_id.endswith(RESERVED_SUFFIXES):
                problems.append(
                    Problem(node_id, f"{label(node)} uses an id the engine reserves for itself; rename it.")
                )
            seen.add(node_id)
    _check_process_properties(process, problems)
    _Container(process, decisions, topics, problems).check()
    return process.get("id"), problems


MAX_LOOPS_LIMIT = 100
APPROVAL_MODES = ("single", "any", "all")
APPROVER_KINDS = ("role", "users", "variable")


def _properties(node: etree._Element) -> dict[str | None, str]:
    return {
        p.get("name"): (p.get("value") or "").strip()
        for p in _xpath(node, "./bpmn:extensionElements/camunda:properties/camunda:property")
    }


def _check_process_properties(process: etree._Element, problems: list[Problem]) -> None:
    raw = _properties(process).get("max_loops")
    if raw and not (raw.isdigit() and 1 <= int(raw) <= MAX_LOOPS_LIMIT):
        problems.append(
            Problem(
                process.get("id"),
                f"The flow's 'max_loops' must be a whole number from 1 to {MAX_LOOPS_LIMIT}; got {raw!r}.",
            )
        )


def check_approvers(rule: str) -> str | None:
    """Why an ``approvers`` rule is invalid, or None.

    Rules: ``role:<role>``, ``users:<username>,<username>``, ``variable:<name>``.
    """
    kind, _, argument = rule.partition(":")
    if kind not in APPROVER_KINDS or not argument.strip():
        return "use role:<role>, users:<username>,<username> or variable:<name>"
    if kind == "users":
        names = [n.strip() for n in argument.split(",")]
        if not all(names):
            return "list usernames separated by commas"
    elif kind == "variable" and not KEY_PATTERN.match(argument):
        return f"{argument!r} is not a variable name"
    return None


class _Container:
    """Checks one process or sub-process: its nodes, its flows and its gateways."""

    def __init__(
        self,
        node: etree._Element,
        decisions: Collection[str],
        topics: Collection[str],
        problems: list[Problem],
    ):
        self.node, self.decisions, self.topics, self.problems = node, decisions, topics, problems
        self.nodes: dict[str, etree._Element] = {}
        self.flows: list[etree._Element] = []
        self.refused: set[str] = set()
        self.back_to: list[tuple[etree._Element, list[str]]] = []

    def add(self, element_id: str | None, message: str) -> None:
        self.problems.append(Problem(element_id, message))

    def unsupported(self, node: etree._Element, reason: str) -> None:
        self.add(node.get("id"), f"{label(node)} is not supported: {reason}.")

    def check(self) -> None:
        for child in self.node:
            tag = _local(child)
            if tag is None or tag in IGNORED_TAGS:
                continue
            if tag == "sequenceFlow":
                self.flows.append(child)
            elif tag in UNSUPPORTED or tag not in FLOW_NODE_TAGS:
                self.unsupported(child, UNSUPPORTED.get(tag, "Baton does not run this kind of BPMN element"))
                self.refused.add(child.get("id", ""))  # still a flow end point, to avoid follow-on noise
                self.nodes[child.get("id", "")] = child
            else:
                self.nodes[child.get("id", "")] = child
                self.check_node(tag, child)
        starts = [n for n in self.nodes.values() if _local(n) == "startEvent"]
        if len(starts) != 1:
            where = "The process" if _local(self.node) == "process" else label(self.node)
            self.add(self.node.get("id"), f"{where} needs exactly one start event; found {len(starts)}.")
        self.check_flows()
        self.check_back_to()

    def check_node(self, tag: str, node: etree._Element) -> None:
        for child in node:
            child_tag = _local(child)
            if child_tag == "multiInstanceLoopCharacteristics" and tag in STEP_TAGS:
                self.check_multi_instance(node, child)
            elif child_tag in UNSUPPORTED:
                self.unsupported(node, UNSUPPORTED[child_tag])
            elif child_tag and child_tag.endswith("EventDefinition") and child_tag != "timerEventDefinition":
                self.check_event_definition(tag, node, child_tag)
        timers = _xpath(node, "./bpmn:timerEventDefinition")
        definitions = [c for c in node if (_local(c) or "").endswith("EventDefinition")]
        if tag in ("boundaryEvent", "intermediateCatchEvent"):
            if not definitions:
                self.unsupported(node, f"a {tag} must be a timer (a plain one has nothing to wait for)")
            elif len(definitions) > 1:
                self.unsupported(node, "an event can wait for one timer only")
        elif tag in ("startEvent", "endEvent") and timers:
            self.unsupported(node, f"a {tag} cannot be a timer; use a boundary or intermediate timer")
        for timer in timers:
            self.check_timer(node, timer)
        if tag in STEP_TAGS:
            self.check_step(node)
        elif tag == "serviceTask":
            self.check_service(node)
        elif tag == "businessRuleTask":
            self.check_business_rule(node)
        elif tag == "subProcess":
            if node.get("triggeredByEvent") == "true":
                self.unsupported(node, "event sub-processes are not supported; use a boundary timer")
            else:
                sub = _Container(node, self.decisions, self.topics, self.problems)
                sub.check()
                if not any(_local(n) == "endEvent" for n in sub.nodes.values()):
                    self.add(node.get("id"), f"{label(node)} needs an end event.")

    def check_event_definition(self, tag: str, node: etree._Element, definition: str) -> None:
        if tag == "endEvent" and definition == "terminateEventDefinition":
            return
        kind = definition.removesuffix("EventDefinition")
        if tag == "boundaryEvent":
            reason = f"only timer boundary events are supported, not {kind} events"
        elif tag == "startEvent":
            reason = f"a flow starts when a ticket is created; {kind} start events are not supported"
        elif tag == "endEvent":
            reason = f"only plain and terminate end events are supported, not {kind} end events"
        else:
            reason = f"only timers can be waited for, not {kind} events"
        self.unsupported(node, reason)

    def check_timer(self, node: etree._Element, timer: etree._Element) -> None:
        texts = [(_local(c), (c.text or "").strip()) for c in timer if _local(c)]
        kinds: dict[str | None, TimerKind] = {
            "timeDuration": "duration",
            "timeDate": "date",
            "timeCycle": "cycle",
        }
        if len(texts) != 1 or texts[0][0] not in kinds or not texts[0][1]:
            self.add(node.get("id"), f"{label(node)} needs exactly one time: a duration, a date or a cycle.")
            return
        kind, text = kinds[texts[0][0]], texts[0][1]
        try:
            if is_iso_literal(text) or text[:1].isdigit() or text[:1] in "PR":
                check_timer_value(kind, text)
            else:
                cel.compile_expression(text)
        except (ValueError, cel.ExpressionError) as exc:
            self.add(node.get("id"), f"{label(node)} has an invalid timer: {exc}")

    def check_multi_instance(self, node: etree._Element, marker: etree._Element) -> None:
        if marker.get("isSequential") == "true":
            self.unsupported(
                node, "one-after-another (sequential) approvals are not supported; use all-of (会签)"
            )
        extra = [name for child in marker if (name := _local(child))]
        if extra:
            self.add(
                node.get("id"),
                f"{label(node)} sets {', '.join(sorted(set(extra)))} on its multi-instance marker; "
                "Baton takes the approvers from the step's 'approvers' property and its 'approval' "
                "mode: remove them.",
            )
        if (_properties(node).get("approval") or "single") == "single":
            self.add(
                node.get("id"),
                f"{label(node)} is drawn as multi-instance: set its 'approval' mode to 'any' (或签) "
                "or 'all' (会签).",
            )

    def check_approval(self, node: etree._Element, properties: dict[str | None, str]) -> None:
        mode = properties.get("approval") or "single"
        if mode not in APPROVAL_MODES:
            self.add(
                node.get("id"),
                f"{label(node)} has an unknown 'approval' mode {mode!r}: use single, any or all.",
            )
            return
        outcomes = [o.strip() for o in (properties.get("outcomes") or "").split(",") if o.strip()]
        if mode != "single":
            if not _xpath(node, "./bpmn:multiInstanceLoopCharacteristics"):
                self.add(
                    node.get("id"),
                    f"{label(node)} has approval mode {mode!r} and must be drawn as a parallel "
                    "multi-instance step.",
                )
            rule = properties.get("approvers") or ""
            problem = check_approvers(rule) if rule else "it is required for any-one-of and all-of approvals"
            if problem:
                self.add(
                    node.get("id"), f"{label(node)} has an invalid 'approvers' rule {rule!r}: {problem}."
                )
            if "approve" not in outcomes:
                self.add(
                    node.get("id"), f"{label(node)} is an approval: its outcomes must include 'approve'."
                )
        back_to = [k.strip() for k in (properties.get("back_to") or "").split(",") if k.strip()]
        if back_to and back_to != ["*"]:
            self.back_to.append((node, back_to))

    def check_back_to(self) -> None:
        steps = {node_id for node_id, n in self.nodes.items() if _local(n) in STEP_TAGS}
        for node, keys in self.back_to:
            unknown = [k for k in keys if k not in steps or k == node.get("id")]
            if unknown:
                self.add(
                    node.get("id"),
                    f"{label(node)} may send tickets back to {', '.join(unknown)}, which is not another "
                    "step of this (sub-)process.",
                )

    def check_step(self, node: etree._Element) -> None:
        properties = _properties(node)
        self.check_approval(node, properties)
        if not properties.get("owner"):
            self.add(node.get("id"), f"{label(node)} needs an 'owner' property (who is responsible for it).")
        if sla := properties.get("sla"):
            try:
                check_timer_value("duration", sla)
            except ValueError as exc:
                self.add(node.get("id"), f"{label(node)} has an invalid 'sla': {exc}")
        if "outcomes" in properties:
            outcomes = [o.strip() for o in properties["outcomes"].split(",")]
            if not all(KEY_PATTERN.match(o) for o in outcomes):
                self.add(
                    node.get("id"),
                    f"{label(node)} has invalid 'outcomes' {properties['outcomes']!r}: "
                    "use comma-separated names of lowercase letters, digits and _.",
                )

    def check_service(self, node: etree._Element) -> None:
        topic = camunda_attr(node, "topic")
        if not topic:
            self.add(
                node.get("id"), f"{label(node)} needs a topic (camunda:topic) naming a registered service."
            )
        elif topic not in self.topics:
            known = ", ".join(sorted(self.topics)) or "none"
            self.add(
                node.get("id"), f"{label(node)} calls the unknown service topic '{topic}' (known: {known})."
            )

    def check_business_rule(self, node: etree._Element) -> None:
        ref = camunda_attr(node, "decisionRef")
        if not ref:
            self.add(node.get("id"), f"{label(node)} needs a decision (camunda:decisionRef).")
        elif ref not in self.decisions:
            known = ", ".join(sorted(self.decisions)) or "none"
            self.add(node.get("id"), f"{label(node)} uses the unknown decision '{ref}' (uploaded: {known}).")

    def check_flows(self) -> None:
        outgoing: dict[str, list[etree._Element]] = {node_id: [] for node_id in self.nodes}
        incoming: dict[str, int] = dict.fromkeys(self.nodes, 0)
        for flow in self.flows:
            source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
            if source not in self.nodes or target not in self.nodes:
                self.add(
                    flow.get("id"), f"{label(flow)} must connect two elements of the same (sub-)process."
                )
                continue
            outgoing[source].append(flow)
            incoming[target] += 1
            condition = _condition(flow)
            if condition is None:
                continue
            if _local(self.nodes[source]) not in ("exclusiveGateway", "inclusiveGateway"):
                self.add(
                    flow.get("id"),
                    f"{label(flow)} has a condition, but conditions only work on flows leaving an "
                    "exclusive or inclusive gateway.",
                )
            try:
                cel.compile_expression(condition)
            except cel.ExpressionError as exc:
                self.add(flow.get("id"), f"{label(flow)} has an invalid condition: {exc}")
        for node_id, node in self.nodes.items():
            if node_id not in self.refused:
                self.check_connections(node, outgoing[node_id], incoming[node_id])

    def check_connections(self, node: etree._Element, outgoing: list[etree._Element], incoming: int) -> None:
        tag, node_id = _local(node), node.get("id")
        if incoming == 0 and tag not in ("startEvent", "boundaryEvent"):
            self.add(node_id, f"{label(node)} cannot be reached: no flow leads to it.")
        host = self.nodes.get(node.get("attachedToRef", ""))
        if tag == "boundaryEvent" and (host is None or _local(host) not in TASK_TAGS):
            self.add(node_id, f"{label(node)} must be attached to a task of the same (sub-)process.")
        if not outgoing and tag != "endEvent":
            self.add(node_id, f"{label(node)} has no outgoing flow; connect it or end with an end event.")
        if len(outgoing) > 1 and tag not in GATEWAY_TAGS and tag != "startEvent":
            self.add(node_id, f"{label(node)} has several outgoing flows; add a gateway to branch.")
        if tag in ("exclusiveGateway", "inclusiveGateway") and len(outgoing) > 1:
            self.check_gateway(node, tag, outgoing)

    def check_gateway(self, node: etree._Element, tag: str, outgoing: list[etree._Element]) -> None:
        default = node.get("default")
        ids = {flow.get("id") for flow in outgoing}
        if default is not None and default not in ids:
            self.add(
                node.get("id"), f"{label(node)} names a default flow '{default}' that does not leave it."
            )
        elif default is None and tag == "exclusiveGateway":
            self.add(
                node.get("id"),
                f"{label(node)} needs a default flow, taken when no condition holds.",
            )
        for flow in outgoing:
            has_condition = _condition(flow) is not None
            if flow.get("id") == default and has_condition:
                self.add(
                    flow.get("id"), f"{label(flow)} is the default flow, so it must not have a condition."
                )
            elif flow.get("id") != default and not has_condition:
                self.add(flow.get("id"), f"{label(flow)} leaves {label(node)} and needs a condition.")


def _condition(flow: etree._Element) -> str | None:
    nodes = _xpath(flow, "./bpmn:conditionExpression")
    if not nodes:
        return None
    return (nodes[0].text or "").strip()
