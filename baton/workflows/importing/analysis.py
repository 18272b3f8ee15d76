"""What must change before an imported flow can run, in the page's language.

Deploy validation (:func:`baton.workflows.engine.compile_flow`) is the judge: a draft is
ready exactly when it passes. We run it on the whole file, and on the process Baton
would run when the file holds several, then say the problems in terms of the tool that
made the file: a JUEL/FEEL condition gets its CEL equivalent, a Camunda/Flowable
assignee is named next to "needs an owner", a Java delegate next to "needs a topic".
Things Baton keeps but does not run (listeners, data mappings, pools) are notes, not
problems.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree

from baton.workflows import engine
from baton.workflows.engine.safexml import parse_xml
from baton.workflows.forms import localize

from . import vendors
from .expressions import recognise
from .structure import BPMN_NS, describe, local

STEP_TAGS = frozenset({"userTask", "task", "manualTask"})
FLOW_NODE_HINTS = ("Task", "Event", "Gateway", "subProcess", "callActivity", "transaction")


@dataclass(frozen=True)
class Finding:
    element_id: str | None
    message: str
    blocking: bool = True  # False: a note (kept in the file, not run by Baton)
    suggestion: str | None = None  # the CEL to use instead, when mechanical


@dataclass
class Analysis:
    tool: str
    process_id: str | None
    processes: list[tuple[str, str]]
    has_diagram: bool
    findings: list[Finding] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not any(f.blocking for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]


def _size(process: etree._Element) -> int:
    return sum(1 for n in process.iter() if (local(n) or "").endswith(FLOW_NODE_HINTS))


def choose_process(root: etree._Element) -> etree._Element | None:
    """The process Baton runs: the only one, else the largest executable one, else the largest."""
    processes = root.findall(f"{{{BPMN_NS}}}process")
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    candidates = executable or processes
    return max(candidates, key=_size) if candidates else None


def _deploy_problems(xml: bytes | str) -> list[engine.Problem]:
    try:
        engine.compile_flow(xml)
    except engine.FlowValidationError as exc:
        return exc.problems
    return []


def _alone(root: etree._Element, process: etree._Element) -> bytes:
    """The file reduced to one process (no pools, no other processes, no drawing)."""
    single = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)  # type: ignore[arg-type,misc]
    for child in root:
        tag = local(child)
        if child is process or (tag is not None and tag not in ("process", "collaboration")):
            single.append(copy.deepcopy(child))
    return etree.tostring(single)


class _Analyser:
    def __init__(self, root: etree._Element, process: etree._Element):
        self.root, self.process = root, process
        self.replacements: dict[str, Finding] = {}  # element id -> what we say instead of lint
        self.notes: list[Finding] = []

    def study(self) -> None:
        for node in self.process.iter():
            tag = local(node)
            if tag is None or not (node_id := node.get("id")):
                continue
            if tag == "sequenceFlow":
                self.condition(node, node_id)
            elif tag in ("boundaryEvent", "intermediateCatchEvent"):
                self.timer(node, node_id)
            elif tag in STEP_TAGS and (who := vendors.assignment(node)):
                self.replacements[node_id] = Finding(
                    node_id,
                    _(
                        "%(element)s is assigned in the file to %(assignment)s; Baton needs an owner rule: "
                        "choose a role, the dispatcher, a named user or the requester."
                    )
                    % {"element": describe(node), "assignment": who},
                )
            elif tag == "serviceTask" and (what := vendors.implementation(node)):
                self.replacements[node_id] = Finding(
                    node_id,
                    _(
                        "%(element)s calls %(implementation)s; Baton calls registered services by "
                        "topic: choose one for it, or make it a step."
                    )
                    % {"element": describe(node), "implementation": what},
                )
            listeners, mappings = vendors.ignored_extensions(node)
            if listeners:
                self.notes.append(
                    Finding(
                        node_id,
                        _(
                            "%(element)s has listeners (%(kinds)s); they are kept in the file, "
                            "Baton does not run them."
                        )
                        % {"element": describe(node), "kinds": ", ".join(sorted(set(listeners)))},
                        blocking=False,
                    )
                )
            if mappings:
                self.notes.append(
                    Finding(
                        node_id,
                        _(
                            "%(element)s has input/output mappings; they are kept in the file, Baton's step "
                            "forms decide the data instead."
                        )
                        % {"element": describe(node)},
                        blocking=False,
                    )
                )

    def timer(self, node: etree._Element, node_id: str) -> None:
        for time in node.iterfind(f"{{{BPMN_NS}}}timerEventDefinition/*"):
            foreign = recognise(time.text or "")
            if foreign is None:
                continue
            self.replacements[node_id] = Finding(
                node_id,
                _(
                    "%(element)s waits for the %(language)s expression %(expression)s; give it a duration "
                    "such as PT30M (30 minutes) or P1D (1 day)."
                )
                % {"element": describe(node), "language": foreign.language, "expression": foreign.source},
            )

    def condition(self, flow: etree._Element, flow_id: str) -> None:
        expression = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        if expression is None:
            return
        text = (expression.text or "").strip()
        language = expression.get("language") or ""
        foreign = recognise(text)
        if foreign is not None:
            values = {"element": describe(flow), "expression": foreign.source, "language": foreign.language}
            if foreign.suggestion:
                message = _(
                    "%(element)s has the %(language)s condition %(expression)s; Baton conditions are CEL: "
                    "use %(suggestion)s."
                ) % {**values, "suggestion": foreign.suggestion}
            else:
                message = (
                    _(
                        "%(element)s has the %(language)s condition %(expression)s; rewrite it in CEL "
                        '(for example cost < 500 or level == "vip").'
                    )
                    % values
                )
            self.replacements[flow_id] = Finding(flow_id, message, suggestion=foreign.suggestion)
        elif language and "cel" not in language.lower():
            self.replacements[flow_id] = Finding(
                flow_id,
                _("%(element)s has a %(language)s script as its condition; rewrite it in CEL.")
                % {"element": describe(flow), "language": language},
            )


def _replaced(problem: engine.Problem) -> bool:
    message = problem.message
    return (
        "has an invalid condition" in message
        or "needs an 'owner' property" in message
        or "has an invalid timer" in message
        or "needs a topic" in message
        or "unknown service topic" in message
    )


def analyse(text: str) -> Analysis:
    """Everything that must change (and what is kept but not run) in a stored, readable file."""
    xml = text.lstrip("\ufeff")
    root = parse_xml(xml, "BPMN")
    processes = root.findall(f"{{{BPMN_NS}}}process")
    chosen = choose_process(root)
    analysis = Analysis(
        tool=vendors.tool_of(root),
        process_id=chosen.get("id") if chosen is not None else None,
        processes=[(str(p.get("id")), p.get("name") or "") for p in processes],
        has_diagram=vendors.has_diagram(root),
    )
    findings = analysis.findings
    if chosen is None:
        findings.append(Finding(None, _("The file has no process to run.")))
        return analysis
    if len(processes) > 1:
        findings.append(
            Finding(
                chosen.get("id"),
                _(
                    "The file has %(count)s processes (pools); Baton runs one process per flow. It will run "
                    "%(process)s: remove the other pools before deploying."
                )
                % {"count": len(processes), "process": describe(chosen)},
            )
        )
    if not analysis.has_diagram:
        findings.append(
            Finding(
                None,
                _(
                    "The file has no diagram layout (BPMNDI), so Baton lists its elements instead of drawing "
                    "them. Add the layout in the tool that made it to edit it in the designer."
                ),
                blocking=False,
            )
        )
    problems = _deploy_problems(xml)
    if len(processes) > 1:
        seen = {(p.element_id, p.message) for p in problems}
        problems = [
            p for p in problems if not p.message.startswith("A flow file must contain exactly one process")
        ] + [p for p in _deploy_problems(_alone(root, chosen)) if (p.element_id, p.message) not in seen]
    studied = _Analyser(root, chosen)
    studied.study()
    said: set[str] = set()
    for problem in problems:
        replacement = studied.replacements.get(problem.element_id or "")
        if replacement is not None and _replaced(problem):
            if replacement.element_id not in said:
                said.add(str(replacement.element_id))
                findings.append(replacement)
            continue
        finding = Finding(problem.element_id, localize(problem.message))
        if finding not in findings:
            findings.append(finding)
    findings.extend(studied.notes)
    return analysis
