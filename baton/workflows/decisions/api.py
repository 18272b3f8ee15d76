"""Decision table endpoints: list, get, validate, deploy, and evaluate (a dry run).

Administrators only; anyone else gets 404, like the flow designer. Tables travel as the
editor's JSON (see :mod:`.table`), never as XML typed by hand; the DMN a version runs is
available read-only. Problems are keyed by table element id (``In_3_2`` = rule 3, input
column 2; ``Out_r_c``, ``Rule_r``, ``Input_c``, ``Output_c``, ``Table``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from baton.core.errors import ValidationFailed
from baton.workflows.policies import require_designer

from . import queries, services
from .messages import localise, localise_fields
from .models import DecisionDefinition, DecisionVersion

router = Router(tags=["decisions"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class UserRef(Schema):
    id: int
    name: str


class VersionOut(Schema):
    number: int
    name: str
    deployed_at: datetime
    deployed_by: UserRef | None
    tickets: int


class DecisionOut(Schema):
    key: str
    name: str
    triage: bool
    ticket_type: str
    latest_version: int | None
    versions: int
    tickets: int


class VersionDetailOut(VersionOut):
    key: str
    table: dict[str, Any]


class DecisionDetailOut(DecisionOut):
    table: dict[str, Any] | None
    version_list: list[VersionOut]


class DecisionIn(Schema):
    name: str
    table: dict[str, Any]
    triage: bool = False
    ticket_type: str = ""


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


class EvaluateIn(Schema):
    inputs: dict[str, Any]
    version: int | None = None


class EvaluateOut(Schema):
    key: str
    version: int
    outputs: dict[str, Any]
    matched: list[int]


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _version_out(version: DecisionVersion) -> dict[str, Any]:
    by = version.deployed_by
    return {
        "number": version.number,
        "name": version.name,
        "deployed_at": version.deployed_at,
        "deployed_by": {"id": by.pk, "name": by.display_name} if by else None,
        "tickets": getattr(version, "decided", 0),
    }


def _decision_out(row: queries.DecisionRow) -> dict[str, Any]:
    definition = row.definition
    return {
        "key": definition.key,
        "name": definition.name,
        "triage": definition.triage,
        "ticket_type": definition.ticket_type,
        "latest_version": row.latest.number if row.latest else None,
        "versions": row.versions,
        "tickets": row.tickets,
    }


def _row(definition: DecisionDefinition) -> tuple[queries.DecisionRow, list[DecisionVersion]]:
    versions = list(queries.versions_of(definition))
    tickets = sum(getattr(v, "decided", 0) for v in versions)
    return queries.DecisionRow(
        definition, versions[0] if versions else None, len(versions), tickets
    ), versions


@router.get("/decisions", response={200: list[DecisionOut], **ERRORS}, url_name="decisions")
def list_decisions(request: HttpRequest) -> list[dict[str, Any]]:
    """Every decision table with its newest version and how many tickets it decided."""
    return [_decision_out(row) for row in queries.decision_rows(request.user)]


@router.get("/decisions/{key}", response={200: DecisionDetailOut, **ERRORS}, url_name="decision")
def get_decision(request: HttpRequest, key: str) -> dict[str, Any]:
    """A decision with its newest table and its versions, newest first."""
    row, versions = _row(queries.get_decision_for(request.user, key))
    return {
        **_decision_out(row),
        "table": row.latest.table if row.latest else None,
        "version_list": [_version_out(v) for v in versions],
    }


@router.get(
    "/decisions/{key}/versions/{number}",
    response={200: VersionDetailOut, **ERRORS},
    url_name="decision-version",
)
def get_version(request: HttpRequest, key: str, number: int) -> dict[str, Any]:
    """One deployed version's table (older versions stay readable)."""
    definition, version = queries.get_version_for(request.user, key, number)
    return {**_version_out(version), "key": definition.key, "table": version.table}


@router.get(
    "/decisions/{key}/versions/{number}/dmn", response={200: None, **ERRORS}, url_name="decision-version-dmn"
)
def version_dmn(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """The DMN 1.3 XML a version runs (export; opens in dmn-js / Camunda Modeler)."""
    definition, version = queries.get_version_for(request.user, key, number)
    response = HttpResponse(version.dmn_xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{definition.key}-v{version.number}.dmn"'
    return response


@router.post(
    "/decisions/{key}/validate", response={200: ValidationOut, **ERRORS}, url_name="decision-validate"
)
def validate_decision(request: HttpRequest, key: str, payload: DecisionIn) -> dict[str, Any]:
    """Check a table as deploy would, without storing anything."""
    require_designer(request.user)
    _parsed, _dmn, problems = services.check_decision(
        key=key, name=payload.name, table=payload.table, triage=payload.triage
    )
    shown = localise(problems)
    return {"valid": not shown, "problems": [vars(p) for p in shown]}


@router.post("/decisions/{key}/deploy", response={201: DeployedOut, **ERRORS}, url_name="decision-deploy")
def deploy_decision(request: HttpRequest, key: str, payload: DecisionIn) -> Status[dict[str, Any]]:
    """Validate and store a new version; 422 lists the problems keyed by table element id.

    Tickets opened from now on are triaged by this version (for a triage decision); flows
    pick it up when they are next deployed.
    """
    require_designer(request.user)
    try:
        version = services.deploy_decision(
            key=key,
            name=payload.name,
            table=payload.table,
            triage=payload.triage,
            ticket_type=payload.ticket_type,
            actor=request.user,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields=localise_fields(exc.fields)) from None
    return Status(201, {"key": key, "number": version.number, "deployed_at": version.deployed_at})


@router.post("/decisions/{key}/evaluate", response={200: EvaluateOut, **ERRORS}, url_name="decision-evaluate")
def evaluate_decision(request: HttpRequest, key: str, payload: EvaluateIn) -> dict[str, Any]:
    """Dry run: what a version (default: the newest) decides for the given inputs. Writes nothing."""
    definition = queries.get_decision_for(request.user, key)
    if payload.version is None:
        version = queries.latest_version(definition)
        if version is None:
            raise ValidationFailed("The decision has no deployed version.", fields={"version": ["none"]})
    else:
        _definition, version = queries.get_version_for(request.user, key, payload.version)
    result = services.evaluate(version=version, inputs=payload.inputs)
    return {
        "key": definition.key,
        "version": version.number,
        "outputs": result.outputs,
        "matched": result.matched,
    }
