"""Tests for the engine adapter. No database: everything runs in memory.

``process(...)`` wraps a hand-written ``<bpmn:process>`` body in the definitions
element bpmn-js writes, so each test can show the exact flow it runs.
"""

from __future__ import annotations

BPMN_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_test" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def owner(value: str = "dispatcher", **extra: str) -> str:
    """The extensionElements of a step with an owner (and any other properties)."""
    props = {"owner": value, **extra}
    items = "".join(f'<camunda:property name="{k}" value="{v}"/>' for k, v in props.items())
    return (
        f"<bpmn:extensionElements><camunda:properties>{items}</camunda:properties></bpmn:extensionElements>"
    )


def process(body: str, process_id: str = "test") -> str:
    opening = f'<bpmn:process id="{process_id}" isExecutable="true">'
    return f"{BPMN_HEADER}{opening}{body}</bpmn:process></bpmn:definitions>"


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    escaped = condition.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escaped}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )
