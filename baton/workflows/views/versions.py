"""Comparing two versions of a flow, and moving in-flight tickets onto the newest one."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from baton.core.errors import BatonError
from baton.tickets import services as tickets
from baton.tickets.models import Step, StepState, Ticket
from baton.tickets.views.common import user_of
from baton.workflows import engine, policies
from baton.workflows import services as flows
from baton.workflows.models import FlowVersion

from .common import designer_only

#: Spiff's attribute names as they show in a diff, in words people use.
FIELD_LABELS = {
    "bpmn_name": _("名称"),
    "inputs": _("入口连线"),
    "outputs": _("出口连线"),
    "cond_task_specs": _("条件"),
    "default_task_spec": _("默认路径"),
    "extensions": _("属性与表单"),
    "event_definition": _("事件定义"),
    "typename": _("元素类型"),
}
MAX_TICKETS = 500


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _pick(versions: list[FlowVersion], number: int | None, default: FlowVersion) -> FlowVersion:
    return next((v for v in versions if v.number == number), default)


@designer_only
@require_http_methods(["GET"])
def flow_diff(request: HttpRequest, key: str) -> HttpResponse:
    target = policies.get_flow_for(request.user, key)
    if target.key != key:
        return redirect("flow-diff", key=target.key)
    versions = list(policies.flow_versions(target))
    context: dict[str, object] = {"target": target, "versions": versions, "diff": None}
    if len(versions) >= 2:
        old = _pick(versions, _number(request.GET.get("from")), versions[1])
        new = _pick(versions, _number(request.GET.get("to")), versions[0])
        diff = engine.diff_flows(flows.flow_of(old), flows.flow_of(new))
        changed = [
            (change, [str(FIELD_LABELS.get(name, name)) for name in change.fields]) for change in diff.changed
        ]
        context.update(old=old, new=new, diff=diff, changed=changed)
    return render(request, "workflows/diff.html", context)


@dataclass(frozen=True)
class InFlight:
    ticket: Ticket
    version: int
    steps: list[str]


def _in_flight(target: policies.FlowTarget, latest: FlowVersion) -> list[InFlight]:
    rows = list(
        Ticket.objects.filter(
            flow_instance__version__definition=target.definition, flow_instance__completed=False
        )
        .exclude(flow_instance__version=latest)
        .select_related("flow_instance__version")
        .order_by("flow_instance__version__number", "pk")[:MAX_TICKETS]
    )
    names: dict[int, list[str]] = {}
    for ticket_id, name in Step.objects.filter(
        ticket__in=[row.pk for row in rows], state=StepState.ACTIVE
    ).values_list("ticket_id", "name"):
        names.setdefault(ticket_id, []).append(name)
    return [
        InFlight(row, row.flow_instance.version.number if row.flow_instance else 0, names.get(row.pk, []))
        for row in rows
    ]


@designer_only
@require_http_methods(["GET", "POST"])
def flow_migrate(request: HttpRequest, key: str) -> HttpResponse:
    target = policies.get_flow_for(request.user, key)
    if target.key != key:
        return redirect("flow-migrate", key=target.key)
    latest = policies.flow_versions(target).first()
    migrated: list[Ticket] = []
    refused: list[tuple[Ticket, str]] = []
    if latest is not None and request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("ticket") if v.isdigit()}
        candidates = {item.ticket.pk: item.ticket for item in _in_flight(target, latest)}
        for ticket_id in sorted(chosen):
            ticket = candidates.get(ticket_id)
            if ticket is None:
                continue
            try:
                migrated.append(
                    tickets.migrate_ticket_flow(ticket=ticket, to_version=latest, actor=user_of(request))
                )
            except BatonError as exc:
                refused.append((ticket, exc.message))
    in_flight = _in_flight(target, latest) if latest is not None else []
    return render(
        request,
        "workflows/migrate.html",
        {
            "target": target,
            "latest": latest,
            "in_flight": in_flight,
            "migrated": migrated,
            "refused": refused,
            "posted": request.method == "POST",
        },
    )
