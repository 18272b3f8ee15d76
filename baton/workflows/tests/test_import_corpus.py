"""Importing the corpus of files from other modelers, and exporting them again unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from baton.workflows.importing.preserve import differences
from baton.workflows.importing.structure import BPMN_NS
from baton.workflows.models import FlowDraft, FlowVersion

from .import_helpers import CORPUS, api_client, corpus_files, huge_flow, upload

pytestmark = pytest.mark.django_db


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_imports_and_exports_byte_for_byte(org: Any, path: Path) -> None:
    # given a file made with another modeler
    original = path.read_bytes()
    client = api_client(org.admin)
    # when it is imported and downloaded again
    response = upload(client, original, name=path.name)
    assert response.status_code == 201, response.content
    draft_id = response.json()["id"]
    exported = client.get(f"/api/v1/flows/repair/imports/{draft_id}/bpmn")
    # then the download is the uploaded file, byte for byte, and nothing is lost or deployed
    assert exported.status_code == 200
    assert exported["Content-Type"] == "application/xml; charset=utf-8"
    assert exported["Content-Disposition"] == f'attachment; filename="{path.stem}.bpmn"'
    assert exported.content == original
    assert differences(parse(original), parse(exported.content)) == []
    assert FlowDraft.objects.get().filename == path.name
    assert FlowVersion.objects.filter(definition__key="repair").count() == 1  # only the shipped one


def test_a_huge_but_legitimate_file_imports(org: Any) -> None:
    data = huge_flow(1000)
    client = api_client(org.admin)
    response = upload(client, data, name="huge.bpmn")
    assert response.status_code == 201
    body = response.json()
    assert (body["tool"], body["process_id"], body["has_diagram"], body["ready"]) == (
        "Camunda 7",
        "Process_huge",
        True,
        False,
    )
    assert len(body["problems"]) == 1000  # each task names a candidate group but no Baton owner
    assert body["problems"][999]["element_id"] == "Task_999"
    exported = client.get(f"/api/v1/flows/repair/imports/{body['id']}/bpmn")
    assert exported.content == data


def strip_vendor_data(data: bytes) -> bytes:
    """What a modeler that knows only BPMN and camunda: would write back: no other vendor data."""
    root = parse(data.removeprefix(b"\xef\xbb\xbf"))
    keep = {
        BPMN_NS,
        "http://www.omg.org/spec/BPMN/20100524/DI",
        "http://www.omg.org/spec/DD/20100524/DC",
        "http://www.omg.org/spec/DD/20100524/DI",
        "http://camunda.org/schema/1.0/bpmn",
        "http://www.w3.org/2001/XMLSchema-instance",
    }
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        for name in list(node.attrib):
            namespace = etree.QName(name).namespace
            if namespace is not None and namespace not in keep:
                del node.attrib[name]
        parent = node.getparent()
        if etree.QName(node).namespace not in keep and parent is not None:
            parent.remove(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_an_edit_that_drops_vendor_data_keeps_it_in_the_export(org: Any, path: Path) -> None:
    # given an imported file
    original = path.read_bytes()
    client = api_client(org.admin)
    draft_id = upload(client, original, name=path.name).json()["id"]
    # when an editor that does not know zeebe:, flowable:, signavio:, bioc:, color:… saves it back
    edited = strip_vendor_data(original)
    response = client.put(
        f"/api/v1/flows/repair/imports/{draft_id}/bpmn", edited, content_type="application/xml"
    )
    assert response.status_code == 200, response.content
    # then the export still has every element, attribute and namespace the original had
    exported = client.get(f"/api/v1/flows/repair/imports/{draft_id}/bpmn").content
    assert differences(parse(original.removeprefix(b"\xef\xbb\xbf")), parse(exported)) == []
    draft = FlowDraft.objects.get()
    assert draft.original_xml.encode("utf-8") == original  # the upload itself is never rewritten


def test_an_edit_wins_over_the_original_for_what_it_changed(org: Any) -> None:
    original = (CORPUS / "bpmnio_colored_annotations.bpmn").read_bytes()
    client = api_client(org.admin)
    draft_id = upload(client, original).json()["id"]
    edited = strip_vendor_data(original).replace(b'name="Check temperature"', b'name="Check the freezer"')
    client.put(f"/api/v1/flows/repair/imports/{draft_id}/bpmn", edited, content_type="application/xml")
    exported = client.get(f"/api/v1/flows/repair/imports/{draft_id}/bpmn").content
    assert differences(parse(original), parse(exported)) == [
        "/bpmn:definitions/bpmn:process/bpmn:task[1] @name: 'Check temperature' became 'Check the freezer'"
    ]
