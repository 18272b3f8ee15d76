"""Our BPMN/DMN parser: Spiff's maintained core parser plus camunda-moddle attributes.

Admins draw with bpmn-js and camunda-bpmn-moddle. Spiff's base parser drops the
``camunda:*`` attributes and its ``camunda`` package is unmaintained, so we extend the
core ``BpmnDmnParser`` and read what we need ourselves:

* steps (userTask, task, manualTask) get ``extensions = {"properties", "form_fields",
  "camunda"}`` from ``camunda:properties``, ``camunda:formData`` and ``camunda:*``
  attributes;
* ``serviceTask camunda:topic`` becomes a :class:`TopicServiceTask` that calls a
  registered handler synchronously;
* ``businessRuleTask camunda:decisionRef`` runs the DMN decision with that id;
* script tasks and other refused elements fail here too, as a second line behind
  :mod:`.lint`.

DMN cells are CEL, not Python, so our DMN parser skips Spiff's Python syntax check of
output cells (lint compiles them with CEL instead) and treats empty cells like ``-``.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.node_parser import DEFAULT_NSMAP
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    CallActivity,
    EventBasedGateway,
    IntermediateThrowEvent,
    ManualTask,
    NoneTask,
    ReceiveTask,
    ScriptTask,
    SendTask,
    ServiceTask,
    UserTask,
)
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.dmn.specs.model import InputEntry
from SpiffWorkflow.task import Task

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NSMAP = {**DEFAULT_NSMAP, "camunda": CAMUNDA_NS}
CAMUNDA_ATTRIBUTES = (
    "assignee",
    "candidateGroups",
    "candidateUsers",
    "formKey",
    "dueDate",
    "priority",
    "topic",
    "decisionRef",
)
STEP_TYPES = (UserTask, ManualTask, NoneTask)


def camunda_attr(node: etree._Element, name: str) -> str | None:
    return node.get(f"{{{CAMUNDA_NS}}}{name}")


def read_process_properties(process: etree._Element) -> dict[str, str]:
    """``camunda:properties`` of the process element (flow-wide settings such as ``max_loops``)."""
    properties: dict[str, str] = {}
    for prop in process.findall("./bpmn:extensionElements/camunda:properties/camunda:property", NSMAP):
        if name := prop.get("name"):
            properties[name] = prop.get("value") or ""
    return properties


def read_extensions(node: etree._Element) -> dict[str, Any]:
    """The camunda-moddle data of a task node, in the shape stored on its spec."""
    properties: dict[str, str] = {}
    for prop in node.findall("./bpmn:extensionElements/camunda:properties/camunda:property", NSMAP):
        if name := prop.get("name"):
            properties[name] = prop.get("value") or ""
    fields = [
        field_id
        for field in node.findall("./bpmn:extensionElements/camunda:formData/camunda:formField", NSMAP)
        if (field_id := field.get("id"))
    ]
    attributes = {
        name: value for name in CAMUNDA_ATTRIBUTES if (value := camunda_attr(node, name)) is not None
    }
    return {"properties": properties, "form_fields": fields, "camunda": attributes}


class TopicServiceTask(ServiceTask):
    """A service task that calls the handler registered for its ``camunda:topic``."""

    @property
    def topic(self) -> str:
        return str(self.extensions.get("camunda", {}).get("topic", ""))

    def _run_hook(self, my_task: Task) -> bool:
        result = my_task.workflow.script_engine.call_service(my_task, topic=self.topic)
        my_task.data.update(result)
        return True


class BusinessRuleTask(BusinessRuleTaskMixin, BpmnSpecMixin):
    """A businessRuleTask running one DMN decision table (outputs merged into the data)."""


class StepTaskParser(TaskParser):
    def parse_extensions(self, node: etree._Element | None = None) -> dict[str, Any]:
        return read_extensions(self.node if node is None else node)

    def _add_multiinstance_task(self, loop_characteristics: etree._Element) -> None:
        """A multi-instance step is one engine task; Baton runs its approvers (see ``approval``).

        The marker (parallel multi-instance, drawn by the designer for 或签/会签 steps) stays
        in the XML so other modelers show it; lint allows it only on steps with an
        ``approval`` mode. The approvers are Step rows on the Baton side, which is what lets
        people add approvers (加签) and delegate while the step is open.
        """


class BusinessRuleTaskParser(StepTaskParser):
    def create_task(self) -> BusinessRuleTask:
        decision_ref = self.get_decision_ref(self.node)
        engine = self.process_parser.parser.get_engine(decision_ref, self.node)
        return BusinessRuleTask(self.spec, self.bpmn_id, dmnEngine=engine, **self.bpmn_attributes)

    @staticmethod
    def get_decision_ref(node: etree._Element) -> str | None:
        return camunda_attr(node, "decisionRef")


class RefusedTaskParser(TaskParser):
    def create_task(self) -> None:
        raise ValidationException(
            "This element is not supported (scripts and messages are disabled).",
            node=self.node,
            file_name=self.filename,
        )


class CelDMNParser(DMNParser):
    def _parse_input_output_element(self, decision_table: Any, element: Any, cls: Any, idx: int) -> Any:
        columns = decision_table.inputs if cls == InputEntry else decision_table.outputs
        entry = cls(element.attrib["id"], columns[idx])
        for child in element:
            if child.tag.endswith("description"):
                entry.description = child.text
            elif child.tag.endswith("text"):
                entry.text = (child.text or "").strip()
        if cls == InputEntry:
            entry.lhs.append(entry.text if entry.text not in ("", "-") else None)
        return entry


class TicketParser(BpmnDmnParser):
    OVERRIDE_PARSER_CLASSES = {
        full_tag("userTask"): (StepTaskParser, UserTask),
        full_tag("task"): (StepTaskParser, NoneTask),
        full_tag("manualTask"): (StepTaskParser, ManualTask),
        full_tag("serviceTask"): (StepTaskParser, TopicServiceTask),
        full_tag("businessRuleTask"): (BusinessRuleTaskParser, BusinessRuleTask),
        full_tag("scriptTask"): (RefusedTaskParser, ScriptTask),
        full_tag("callActivity"): (RefusedTaskParser, CallActivity),
        full_tag("sendTask"): (RefusedTaskParser, SendTask),
        full_tag("receiveTask"): (RefusedTaskParser, ReceiveTask),
        full_tag("intermediateThrowEvent"): (RefusedTaskParser, IntermediateThrowEvent),
        full_tag("eventBasedGateway"): (RefusedTaskParser, EventBasedGateway),
    }

    def __init__(self) -> None:
        super().__init__(namespaces=dict(NSMAP))

    def add_dmn_xml(self, node: etree._Element, filename: str | None = None) -> None:
        namespaces = {**self.namespaces, **{k: v for k, v in node.nsmap.items() if k is not None}}
        namespaces["dmn"] = etree.QName(node).namespace or ""
        dmn_parser = CelDMNParser(self, node, namespaces, filename=filename)
        self.dmn_parsers[dmn_parser.bpmn_id] = dmn_parser
        self.dmn_parsers_by_name[dmn_parser.get_name()] = dmn_parser
