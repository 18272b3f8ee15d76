"""Shared helpers for the import/export tests: the corpus, clients, a generated 1,000-task file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from baton.accounts.services import create_api_token

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.bpmn"))


def api_client(user: Any, language: str = "en") -> Client:
    _, secret = create_api_token(user=user, name="importer")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)


def web_client(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, key: str = "repair", name: str = "flow.bpmn") -> Any:
    """Upload through the API as multipart/form-data."""
    return client.post(f"/api/v1/flows/{key}/imports", {"file": SimpleUploadedFile(name, data)})


def web_upload(client: Client, data: bytes, key: str = "repair", name: str = "flow.bpmn") -> Any:
    return client.post(f"/flows/{key}/import/", {"file": SimpleUploadedFile(name, data)})


def huge_flow(tasks: int = 1000) -> bytes:
    """A legitimate Camunda-style flow with ``tasks`` user tasks in a row, fully drawn."""
    nodes = ['    <bpmn:startEvent id="Start_huge"><bpmn:outgoing>Flow_0</bpmn:outgoing></bpmn:startEvent>']
    shapes = [
        '      <bpmndi:BPMNShape id="Start_huge_di" bpmnElement="Start_huge"><dc:Bounds x="0" y="0" '
        'width="36" height="36" /></bpmndi:BPMNShape>'
    ]
    flows, edges = [], []
    previous = "Start_huge"
    for n in range(tasks):
        nodes.append(
            f'    <bpmn:userTask id="Task_{n}" name="步骤 {n}" camunda:candidateGroups="team-{n % 7}">'
            f"<bpmn:incoming>Flow_{n}</bpmn:incoming>"
            f"<bpmn:outgoing>Flow_{n + 1}</bpmn:outgoing></bpmn:userTask>"
        )
        shapes.append(
            f'      <bpmndi:BPMNShape id="Task_{n}_di" bpmnElement="Task_{n}"><dc:Bounds x="{100 + n * 150}" '
            'y="-22" width="100" height="80" /></bpmndi:BPMNShape>'
        )
        flows.append(f'    <bpmn:sequenceFlow id="Flow_{n}" sourceRef="{previous}" targetRef="Task_{n}" />')
        edges.append(
            f'      <bpmndi:BPMNEdge id="Flow_{n}_di" bpmnElement="Flow_{n}">'
            f'<di:waypoint x="{n * 150}" y="18" />'
            f'<di:waypoint x="{100 + n * 150}" y="18" /></bpmndi:BPMNEdge>'
        )
        previous = f"Task_{n}"
    nodes.append(
        f'    <bpmn:endEvent id="End_huge"><bpmn:incoming>Flow_{tasks}</bpmn:incoming></bpmn:endEvent>'
    )
    flows.append(f'    <bpmn:sequenceFlow id="Flow_{tasks}" sourceRef="{previous}" targetRef="End_huge" />')
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
            'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
            'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_huge" '
            'targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" '
            'exporterVersion="5.21.0">',
            '  <bpmn:process id="Process_huge" name="Huge" isExecutable="true">',
            *nodes,
            *flows,
            "  </bpmn:process>",
            '  <bpmndi:BPMNDiagram id="BPMNDiagram_huge">',
            '    <bpmndi:BPMNPlane id="BPMNPlane_huge" bpmnElement="Process_huge">',
            *shapes,
            *edges,
            "    </bpmndi:BPMNPlane>",
            "  </bpmndi:BPMNDiagram>",
            "</bpmn:definitions>",
            "",
        ]
    ).encode("utf-8")
