"""What other modelers write into BPMN files: their namespaces, assignments and implementations."""

from __future__ import annotations

from lxml import etree

from .structure import BPMN_NS, BPMNDI_NS

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
FLOWABLE = "http://flowable.org/bpmn"
ACTIVITI = "http://activiti.org/bpmn"
SIGNAVIO = "http://www.signavio.com"
MODELER = "http://camunda.org/schema/modeler/1.0"
#: Namespaces whose attributes name who does a task (Camunda 7, Flowable, Activiti).
ASSIGNING = {CAMUNDA: "Camunda", FLOWABLE: "Flowable", ACTIVITI: "Activiti"}
ASSIGNMENT_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers")
IMPLEMENTATION_ATTRIBUTES = ("class", "delegateExpression", "expression", "type")
LISTENERS = frozenset({"executionListener", "taskListener"})
MAPPINGS = frozenset({"inputOutput", "ioMapping"})


def namespaces(root: etree._Element) -> set[str]:
    found: set[str] = set()
    for node in root.iter():
        if isinstance(node.tag, str):
            found.update(v for v in node.nsmap.values() if v)
        if len(found) > 64:
            break
    return found


def tool_of(root: etree._Element) -> str:
    """The modeler that most likely wrote the file, for people to read."""
    exporter = root.get("exporter") or ""
    declared = namespaces(root)
    platform = root.get(f"{{{MODELER}}}executionPlatform") or ""
    if ZEEBE in declared or platform == "Camunda Cloud":
        return "Camunda 8 (Zeebe)"
    if FLOWABLE in declared or "flowable" in exporter.lower():
        return "Flowable"
    if ACTIVITI in declared or "activiti" in exporter.lower():
        return "Activiti"
    if SIGNAVIO in declared or "signavio" in exporter.lower():
        return "Signavio"
    if CAMUNDA in declared or "camunda" in exporter.lower():
        return "Camunda 7"
    if exporter.startswith("bpmn-js") or root.get("targetNamespace") == "http://bpmn.io/schema/bpmn":
        return "bpmn.io"
    return exporter or "BPMN 2.0"


def has_diagram(root: etree._Element) -> bool:
    return root.find(f"{{{BPMNDI_NS}}}BPMNDiagram/{{{BPMNDI_NS}}}BPMNPlane") is not None


def _extensions(node: etree._Element) -> list[etree._Element]:
    holder = node.find(f"{{{BPMN_NS}}}extensionElements")
    return [] if holder is None else [c for c in holder if isinstance(c.tag, str)]


def assignment(node: etree._Element) -> str | None:
    """Who the file says does a task, e.g. ``assignee ${initiator}, candidate groups managers``."""
    parts: list[str] = []
    for namespace in ASSIGNING:
        for name in ASSIGNMENT_ATTRIBUTES:
            if value := node.get(f"{{{namespace}}}{name}"):
                parts.append(f"{name} {value}")
    for child in _extensions(node):
        if etree.QName(child).namespace == ZEEBE and etree.QName(child).localname == "assignmentDefinition":
            parts.extend(f"{name!s} {value!s}" for name, value in child.attrib.items())
    for kind in ("potentialOwner", "humanPerformer", "performer"):
        for role in node.findall(f"{{{BPMN_NS}}}{kind}"):
            text = " ".join("".join(str(t) for t in role.itertext()).split())
            parts.append(f"{kind} {text}" if text else kind)
    return ", ".join(parts) or None


def implementation(node: etree._Element) -> str | None:
    """What a service task calls in its own engine (a Java class, a job type, …)."""
    for namespace, tool in ASSIGNING.items():
        for name in IMPLEMENTATION_ATTRIBUTES:
            if (value := node.get(f"{{{namespace}}}{name}")) is not None:
                return f"{tool} {name} {value}"
    for child in _extensions(node):
        if etree.QName(child).namespace == ZEEBE and etree.QName(child).localname == "taskDefinition":
            return f"Zeebe job type {child.get('type', '')}".strip()
    if (value := node.get("implementation")) and value != "##WebService":
        return f"implementation {value}"
    return None


def ignored_extensions(node: etree._Element) -> tuple[list[str], list[str]]:
    """The listeners and data mappings of a node: kept in the file, not run by Baton."""
    listeners, mappings = [], []
    for child in _extensions(node):
        name = etree.QName(child).localname
        if name in LISTENERS:
            listeners.append(name)
        elif name in MAPPINGS:
            mappings.append(name)
    return listeners, mappings
