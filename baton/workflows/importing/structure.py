"""Structural checks every BPMN 2.0 file must pass before Baton stores it.

These are faults of the file itself, not things Baton does not support: the same ids
twice, a reference to an element that is not there, a loop nothing can leave. Such a
file is refused at import (a 422 listing every fault), so a draft is always a file the
other modelers can open again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from lxml import etree

from baton.workflows.engine import Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
#: Namespaces whose ``id`` attributes are XML Schema IDs (unique per document).
ID_NAMESPACES = frozenset({BPMN_NS, BPMNDI_NS, DC_NS, DI_NS})
#: Attributes holding the id of another element of the same file.
REFERENCE_ATTRIBUTES = (
    "sourceRef",
    "targetRef",
    "attachedToRef",
    "default",
    "processRef",
    "bpmnElement",
    "dataObjectRef",
    "categoryValueRef",
)
#: Child elements whose text is the id of another element.
REFERENCE_ELEMENTS = frozenset({"incoming", "outgoing", "flowNodeRef"})
CONTAINERS = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})
#: Elements a sequence flow may touch; everything else is not part of the token flow.
NOT_FLOW_NODES = frozenset(
    {
        "sequenceFlow",
        "laneSet",
        "textAnnotation",
        "association",
        "group",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "documentation",
        "extensionElements",
        "property",
        "ioSpecification",
    }
)


def local(node: etree._Element) -> str | None:
    """The BPMN local name of an element; None for comments, PIs and other namespaces."""
    if not isinstance(node.tag, str):
        return None
    qname = etree.QName(node)
    return qname.localname if qname.namespace == BPMN_NS else None


def _ref(value: str) -> str:
    """A reference without a namespace prefix (some tools write ``tns:Task_1``)."""
    return value.strip().rpartition(":")[2]


def describe(node: etree._Element) -> str:
    tag, name, node_id = etree.QName(node).localname, node.get("name"), node.get("id")
    return f"{tag} '{name}' ({node_id})" if name else f"{tag} ({node_id})"


def structure_problems(root: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    ids: set[str] = set()
    reported: set[str] = set()
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node).namespace not in ID_NAMESPACES:
            continue
        node_id = node.get("id")
        if node_id is None:
            continue
        if node_id in ids and node_id not in reported:
            reported.add(node_id)
            problems.append(
                Problem(node_id, _("The id '%(id)s' is used by more than one element.") % {"id": node_id})
            )
        ids.add(node_id)
    problems.extend(_dangling(root, ids))
    for container in root.iter(f"{{{BPMN_NS}}}*"):
        if local(container) in CONTAINERS:
            problems.extend(_endless_loops(container))
    return problems


def _dangling(root: etree._Element, ids: set[str]) -> Iterable[Problem]:
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node).namespace not in ID_NAMESPACES:
            continue
        references = [(name, node.get(name)) for name in REFERENCE_ATTRIBUTES]
        if etree.QName(node).localname in REFERENCE_ELEMENTS and local(node):
            parent = node.getparent()
            references = [(etree.QName(node).localname, node.text)]
            node = parent if parent is not None else node
        for name, value in references:
            if value is not None and value.strip() and _ref(value) not in ids:
                yield Problem(
                    node.get("id"),
                    _("%(element)s refers with %(attribute)s to '%(target)s', which is not in the file.")
                    % {"element": describe(node), "attribute": name, "target": value.strip()},
                )


def _endless_loops(container: etree._Element) -> Iterable[Problem]:
    """Nodes on a loop from which no path leads out (to an end, a dead end or a boundary event)."""
    nodes = {
        str(child.get("id")): child
        for child in container
        if local(child) and local(child) not in NOT_FLOW_NODES and child.get("id")
    }
    successors: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for flow in container.findall(f"{{{BPMN_NS}}}sequenceFlow"):
        source, target = _ref(flow.get("sourceRef", "")), _ref(flow.get("targetRef", ""))
        if source in nodes and target in nodes:
            successors[source].add(target)
    for node_id, node in nodes.items():
        host = _ref(node.get("attachedToRef", ""))
        if local(node) == "boundaryEvent" and host in successors:
            successors[host].add(node_id)  # the task can be left through its boundary event
    predecessors: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for source, targets in successors.items():
        for target in targets:
            predecessors[target].add(source)
    # Every node that reaches an end event or a node without outgoing flows can finish.
    finishing = [n for n in nodes if not successors[n] or local(nodes[n]) == "endEvent"]
    can_finish = set(finishing)
    while finishing:
        for before in predecessors[finishing.pop()]:
            if before not in can_finish:
                can_finish.add(before)
                finishing.append(before)
    stuck = {n for n in nodes if n not in can_finish}
    trapped = [n for n in nodes if n in stuck and _on_loop(n, successors, stuck)]
    if trapped:
        names = ", ".join(describe(nodes[n]) for n in trapped)
        yield Problem(
            trapped[0],
            _("These elements form a loop that never reaches an end: %(elements)s.") % {"elements": names},
        )


def _on_loop(start: str, successors: dict[str, set[str]], within: set[str]) -> bool:
    """Whether ``start`` can reach itself through nodes of ``within``."""
    seen: set[str] = set()
    todo = [n for n in successors[start] if n in within]
    while todo:
        node = todo.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(n for n in successors[node] if n in within)
    return False
