"""Flow designer endpoints: list flows and versions, export XML, validate and deploy.

Administrators only; anyone else gets 404. Validate and deploy take the BPMN XML as the
raw request body (``Content-Type: application/xml``). Problems come back keyed by the
BPMN element id (``flow`` for the file as a whole), in the request's language where we
know how to say them, so the designer can mark each element.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from baton.core.errors import ValidationFailed

from . import engine, policies, services
from .decisions.queries import decision_xmls_for
from .forms import by_element, shown
from .importing.api import router as imports_router

router = Router(tags=["flows"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class UserRef(Schema):
    id: int
    name: str


class VersionOut(Schema):
    number: int
    deployed_at: datetime
    deployed_by: UserRef | None
    tickets: int
    running: int


class FlowOut(Schema):
    key: str
    name: str
    ticket_type: str
    deployed: bool
    latest_version: int | None
    versions: int
    tickets: int
    running: int


class FlowDetailOut(FlowOut):
    version_list: list[VersionOut]


class ProblemOut(Schema):
    element_id: str | None
    message: str


class ValidationOut(Schema):
    valid: bool
    problems: list[ProblemOut]


class DeployedOut(Schema):
    key: str
    number: int
    deployed_at: datetime
    steps: list[str]


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
XML_BODY = {
    "requestBody": {
        "content": {"application/xml": {"schema": {"type": "string", "description": "BPMN 2.0 XML"}}},
        "required": True,
    }
}


def _version_out(version: Any) -> dict[str, Any]:
    by = version.deployed_by
    return {
        "number": version.number,
        "deployed_at": version.deployed_at,
        "deployed_by": {"id": by.pk, "name": by.display_name} if by else None,
        "tickets": getattr(version, "tickets", 0),
        "running": getattr(version, "running", 0),
    }


def _flow_out(target: policies.FlowTarget) -> dict[str, Any]:
    return {
        "key": target.key,
        "name": target.name,
        "ticket_type": target.ticket_type,
        "deployed": target.definition is not None,
        "latest_version": target.latest.number if target.latest else None,
        "versions": target.versions,
        "tickets": target.tickets,
        "running": target.running,
    }


def _xml_of(request: HttpRequest) -> str:
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("The flow must be UTF-8 XML.", fields={"flow": ["not UTF-8"]}) from None
    if not text.strip():
        raise ValidationFailed("Send the BPMN XML as the request body.", fields={"flow": ["required"]})
    return text


def _problems(xml: str) -> list[engine.Problem]:
    try:
        engine.compile_flow(xml, decision_xmls_for(xml))
    except engine.FlowValidationError as exc:
        return exc.problems
    return []


@router.get("/flows", response={200: list[FlowOut], **ERRORS}, url_name="flows")
def list_flows(request: HttpRequest) -> list[dict[str, Any]]:
    """Every ticket type with its flow (deployed or not yet), then flows for no ticket type."""
    return [_flow_out(t) for t in policies.flow_targets(request.user)]


@router.get("/flows/{key}", response={200: FlowDetailOut, **ERRORS}, url_name="flow")
def get_flow(request: HttpRequest, key: str) -> dict[str, Any]:
    """A flow with its versions, newest first, and how many tickets run each."""
    target = policies.get_flow_for(request.user, key)
    versions = [_version_out(v) for v in policies.flow_versions(target)]
    return {**_flow_out(target), "version_list": versions}


@router.get("/flows/{key}/versions/{number}/xml", response={200: None, **ERRORS}, url_name="flow-version-xml")
def version_xml(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """The BPMN XML of one deployed version (export)."""
    target, version = policies.get_version_for(request.user, key, number)
    response = HttpResponse(version.bpmn_xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{target.key}-v{version.number}.bpmn"'
    return response


@router.post(
    "/flows/{key}/validate",
    response={200: ValidationOut, **ERRORS},
    url_name="flow-validate",
    openapi_extra=XML_BODY,
)
def validate_flow(request: HttpRequest, key: str) -> dict[str, Any]:
    """Check a flow as deploy would, without storing anything."""
    policies.get_flow_for(request.user, key)
    problems = shown(_problems(_xml_of(request)))
    return {"valid": not problems, "problems": [vars(p) for p in problems]}


@router.post(
    "/flows/{key}/deploy",
    response={201: DeployedOut, **ERRORS},
    url_name="flow-deploy",
    openapi_extra=XML_BODY,
)
def deploy(request: HttpRequest, key: str) -> Status[dict[str, Any]]:
    """Validate and store a new version; 422 lists the problems keyed by element id.

    Tickets already running keep their version; new tickets of the flow's ticket type
    start on this one.
    """
    target = policies.get_flow_for(request.user, key)
    xml = _xml_of(request)
    problems = _problems(xml)
    if problems:
        raise ValidationFailed(
            "The flow has problems; fix them and deploy again.", fields=by_element(problems)
        )
    version = services.deploy_flow(
        key=target.key, name=target.name, bpmn_xml=xml, ticket_type=target.ticket_type, actor=request.user
    )
    steps = list(services.flow_of(version).steps)
    return Status(
        201, {"key": target.key, "number": version.number, "deployed_at": version.deployed_at, "steps": steps}
    )


router.add_router("", imports_router)
