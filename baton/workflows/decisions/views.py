"""Decision pages (admins only): the list, one decision's versions, the table editor, a version.

The editor is an Alpine grid of our own (``static/workflows/decisions/editor.js``): it edits
the table as JSON and calls the decision API to validate and deploy; the server writes the
DMN. The page hands it the table, the variables a triage decision sees (with their values,
for cell suggestions), the output values Baton knows, and its UI text in the page language.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from baton.accounts.models import Department
from baton.customers.models import CustomerLevel, Region
from baton.tickets.models import FaultCategory, Priority, TicketType
from baton.workflows.views.common import designer_only

from . import queries
from .models import DecisionDefinition, DecisionVersion
from .strings import editor_strings

STARTER_TABLE: dict[str, Any] = {
    "hit_policy": "FIRST",
    "inputs": [
        {"label": "客户等级 Customer level", "expression": "customer_level"},
        {"label": "故障类型 Fault", "expression": "fault_category"},
    ],
    "outputs": [
        {"label": "优先级 Priority", "name": "priority"},
        {"label": "部门 Department", "name": "department"},
    ],
    "rules": [{"inputs": ["-", "-"], "outputs": ['"normal"', ""], "note": ""}],
}


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"cell": f'"{value}"', "label": str(label)} for value, label in choices]


def _booleans() -> list[dict[str, str]]:
    return [{"cell": "true", "label": _("是")}, {"cell": "false", "label": _("否")}]


def variables() -> list[dict[str, Any]]:
    """What a triage decision can test, with the values each may take (cell suggestions)."""
    regions = [{"cell": f'"{r.code}"', "label": r.name} for r in Region.objects.order_by("code")]
    return [
        {"name": "customer_level", "label": _("客户等级"), "values": _choices(CustomerLevel.choices)},
        {"name": "fault_category", "label": _("故障类型"), "values": _choices(FaultCategory.choices)},
        {"name": "type", "label": _("工单类型"), "values": _choices(TicketType.choices)},
        {"name": "priority", "label": _("报修时选择的优先级"), "values": _choices(Priority.choices)},
        {"name": "under_warranty", "label": _("在保修期内"), "values": _booleans()},
        {"name": "is_drill", "label": _("演练工单"), "values": _booleans()},
        {"name": "region", "label": _("区域编码"), "values": regions},
    ]


def outputs() -> list[dict[str, Any]]:
    departments = [{"cell": f'"{d.code}"', "label": d.name} for d in Department.objects.order_by("path")]
    return [
        {"name": "priority", "label": _("优先级"), "values": _choices(Priority.choices)},
        {"name": "department", "label": _("处理部门"), "values": departments},
    ]


def _config(
    request: HttpRequest,
    *,
    definition: DecisionDefinition | None,
    version: DecisionVersion | None,
    read_only: bool = False,
) -> dict[str, Any]:
    return {
        "key": definition.key if definition else "",
        "isNew": definition is None,
        "name": (version.name if version else definition.name) if definition else "",
        "triage": definition.triage if definition else True,
        "ticketType": definition.ticket_type if definition else "",
        "version": version.number if version else None,
        "table": version.table if version else STARTER_TABLE,
        "readOnly": read_only,
        "apiBase": reverse("api:decisions"),
        "detailBase": reverse("decision-list"),
        "csrfToken": get_token(request),
        "variables": variables(),
        "outputs": outputs(),
        "ticketTypes": [{"value": v, "label": str(label)} for v, label in TicketType.choices],
        "strings": editor_strings(),
    }


@designer_only
@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    rows = queries.decision_rows(request.user)
    labels = dict(TicketType.choices)
    return render(request, "workflows/decisions/list.html", {"rows": rows, "type_labels": labels})


@designer_only
@require_GET
def decision_detail(request: HttpRequest, key: str) -> HttpResponse:
    definition = queries.get_decision_for(request.user, key)
    versions = list(queries.versions_of(definition))
    label = str(TicketType(definition.ticket_type).label) if definition.ticket_type else ""
    return render(
        request,
        "workflows/decisions/detail.html",
        {"definition": definition, "versions": versions, "type_label": label},
    )


@designer_only
@require_GET
def decision_new(request: HttpRequest) -> HttpResponse:
    queries.decision_rows(request.user)  # admins only
    config = _config(request, definition=None, version=None)
    return render(request, "workflows/decisions/edit.html", {"config": config, "definition": None})


@designer_only
@require_GET
def decision_edit(request: HttpRequest, key: str) -> HttpResponse:
    """Edit the newest table (``?from=<n>``: start from an older version)."""
    definition = queries.get_decision_for(request.user, key)
    number = request.GET.get("from", "")
    version: DecisionVersion | None
    if number.isdigit():
        _definition, version = queries.get_version_for(request.user, key, int(number))
    else:
        version = queries.latest_version(definition)
    config = _config(request, definition=definition, version=version)
    latest = queries.latest_version(definition)
    return render(
        request,
        "workflows/decisions/edit.html",
        {"config": config, "definition": definition, "version": version, "latest": latest},
    )


@designer_only
@require_GET
def decision_version(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """A deployed version, read-only, with the tickets it decided."""
    definition, version = queries.get_version_for(request.user, key, number)
    config = _config(request, definition=definition, version=version, read_only=True)
    decided = version.tickets.select_related("ticket").order_by("-decided_at")[:20]
    return render(
        request,
        "workflows/decisions/version.html",
        {"config": config, "definition": definition, "version": version, "decided": decided},
    )
