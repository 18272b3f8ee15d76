"""Import and export of BPMN files from other modelers (administrators only; others get 404).

Upload a file as ``multipart/form-data`` (field ``file``) or as the raw request body
(``Content-Type: application/xml``, file name in ``?filename=``). Refused files get a
4xx ``{code, message, fields}`` and nothing is stored: 413 above the size limit, 422 for
anything unreadable, hostile or structurally broken.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from baton.workflows import policies

from . import queries, services
from .analysis import Finding, analyse
from .http import bpmn_response, has_upload, read_upload

router = Router(tags=["flows"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class FindingOut(Schema):
    element_id: str | None
    message: str
    suggestion: str | None


class ProcessOut(Schema):
    id: str
    name: str


class DraftOut(Schema):
    id: int
    key: str
    filename: str
    tool: str
    created_at: datetime
    updated_at: datetime
    deployed_version: int | None
    process_id: str | None
    processes: list[ProcessOut]
    has_diagram: bool
    ready: bool
    problems: list[FindingOut]
    notes: list[FindingOut]


class DraftRowOut(Schema):
    id: int
    filename: str
    tool: str
    created_at: datetime
    deployed_version: int | None


class DeployedOut(Schema):
    key: str
    number: int
    deployed_at: datetime


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}
UPLOAD = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
            "application/xml": {"schema": {"type": "string", "description": "BPMN 2.0 XML"}},
        },
        "required": True,
    }
}


def _finding(finding: Finding) -> dict[str, Any]:
    return {"element_id": finding.element_id, "message": finding.message, "suggestion": finding.suggestion}


def draft_out(draft: Any) -> dict[str, Any]:
    analysis = analyse(draft.bpmn_xml)
    return {
        "id": draft.pk,
        "key": draft.key,
        "filename": draft.filename,
        "tool": draft.tool,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
        "deployed_version": draft.deployed_version.number if draft.deployed_version else None,
        "process_id": analysis.process_id,
        "processes": [{"id": pid, "name": name} for pid, name in analysis.processes],
        "has_diagram": analysis.has_diagram,
        "ready": analysis.ready,
        "problems": [_finding(f) for f in analysis.problems],
        "notes": [_finding(f) for f in analysis.notes],
    }


@router.get("/flows/{key}/imports", response={200: list[DraftRowOut], **ERRORS}, url_name="flow-imports")
def list_imports(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    """Files imported for this flow, newest first."""
    target = policies.get_flow_for(request.user, key)
    return [
        {
            "id": d.pk,
            "filename": d.filename,
            "tool": d.tool,
            "created_at": d.created_at,
            "deployed_version": d.deployed_version.number if d.deployed_version else None,
        }
        for d in queries.drafts_for(target)
    ]


@router.post("/flows/{key}/imports", response={201: DraftOut, **ERRORS}, openapi_extra=UPLOAD)
def import_file(request: HttpRequest, key: str) -> Status[dict[str, Any]]:
    """Import a BPMN file from Camunda, Flowable, Activiti, Signavio or bpmn.io as a draft.

    The file is kept unchanged; the answer lists what must change before it can run.
    """
    target = policies.get_flow_for(request.user, key)
    filename, data = read_upload(request)
    draft = services.import_draft(target=target, filename=filename, data=data, actor=request.user)
    return Status(201, draft_out(draft))


@router.get("/flows/{key}/imports/{draft_id}", response={200: DraftOut, **ERRORS}, url_name="flow-import")
def get_import(request: HttpRequest, key: str, draft_id: int) -> dict[str, Any]:
    """An imported draft with what must change before it can run."""
    _, draft = queries.get_draft_for(request.user, key, draft_id)
    return draft_out(draft)


@router.delete("/flows/{key}/imports/{draft_id}", response={204: None, **ERRORS})
def delete_import(request: HttpRequest, key: str, draft_id: int) -> Status[None]:
    _, draft = queries.get_draft_for(request.user, key, draft_id)
    services.delete_draft(draft=draft)
    return Status(204, None)


@router.get(
    "/flows/{key}/imports/{draft_id}/bpmn", response={200: None, **ERRORS}, url_name="flow-import-bpmn"
)
def export_import(request: HttpRequest, key: str, draft_id: int) -> HttpResponse:
    """The draft as a .bpmn file: the original, with Baton's edits if any, vendor data kept."""
    _, draft = queries.get_draft_for(request.user, key, draft_id)
    return bpmn_response(draft)


@router.put("/flows/{key}/imports/{draft_id}/bpmn", response={200: DraftOut, **ERRORS}, openapi_extra=UPLOAD)
def save_import(request: HttpRequest, key: str, draft_id: int) -> dict[str, Any]:
    """Save an edit of the draft (e.g. from the designer); the original's vendor data is put back."""
    _, draft = queries.get_draft_for(request.user, key, draft_id)
    _, data = read_upload(request)
    return draft_out(services.save_draft(draft=draft, xml=data, actor=request.user))


@router.post(
    "/flows/{key}/imports/{draft_id}/deploy",
    response={201: DeployedOut, **ERRORS},
    url_name="flow-import-deploy",
)
def deploy_import(request: HttpRequest, key: str, draft_id: int) -> Status[dict[str, Any]]:
    """Deploy the draft as the flow's new version; with an XML body, deploy that edit of it.

    422 lists every problem keyed by element id; nothing is stored then.
    """
    target, draft = queries.get_draft_for(request.user, key, draft_id)
    _, data = read_upload(request) if has_upload(request) else (None, None)
    version = services.deploy_draft(target=target, draft=draft, actor=request.user, xml=data)
    return Status(201, {"key": target.key, "number": version.number, "deployed_at": version.deployed_at})
