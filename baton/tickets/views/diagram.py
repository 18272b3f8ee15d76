"""The ticket's flow diagram: the drawing, the path taken, the current steps and who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from baton.tickets.models import Step, StepState
from baton.web.templatetags.baton_ui import compact
from baton.workflows import queries as flow_queries

from .common import load_ticket


def duration(start: datetime, end: datetime) -> str:
    """How long a step took, in words ("2 小时，5 分钟"); under a minute reads as such."""
    if (end - start).total_seconds() < 60:
        return _("不到 1 分钟")
    return timesince(start, now=end, depth=2)


def overlays(steps: list[Step]) -> list[dict[str, Any]]:
    """One note per drawn step: the current owner and due time, else the last completed pass."""
    notes: dict[str, dict[str, Any]] = {}
    passes: dict[str, int] = {}
    for step in steps:  # in the order they were entered
        if step.state == StepState.ACTIVE:
            notes[step.key] = {
                "id": step.key,
                "state": "active",
                "owner": step.owner.display_name,
                "text": _("到期 %(due)s") % {"due": compact(step.due_at)},
            }
        elif step.state == StepState.COMPLETED and step.completed_at is not None:
            passes[step.key] = passes.get(step.key, 0) + 1
            if notes.get(step.key, {}).get("state") == "active":
                continue
            text = duration(step.entered_at, step.completed_at)
            if passes[step.key] > 1:
                text = _("%(duration)s（第 %(count)d 次）") % {"duration": text, "count": passes[step.key]}
            notes[step.key] = {
                "id": step.key,
                "state": "completed",
                "owner": step.owner.display_name,
                "text": text,
            }
    return list(notes.values())


@login_required
@require_GET
def ticket_diagram(request: HttpRequest, ticket_id: int) -> JsonResponse:
    ticket = load_ticket(request, ticket_id)
    diagram = None
    if ticket.flow_instance_id is not None:
        diagram = flow_queries.flow_diagram(ticket.flow_instance_id)
    if diagram is None:
        raise Http404("This ticket has no flow.")
    steps = list(ticket.steps.select_related("owner").order_by("entered_at", "pk"))
    return JsonResponse(
        {
            "xml": diagram.bpmn_xml,
            "completed": diagram.completed,
            "active": diagram.active,
            "flows": diagram.flows,
            "overlays": overlays(steps),
        }
    )
