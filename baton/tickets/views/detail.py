"""The ticket page: header, asset and site, current steps, the action panel and the timeline."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from baton.accounts import queries as people
from baton.accounts.models import Role, User
from baton.core import clock
from baton.tickets import policies, queries
from baton.tickets.forms import (
    AddApproverForm,
    CollaboratorForm,
    CommentForm,
    DispatchForm,
    Outcome,
    ReassignForm,
    RejectToStepForm,
    VersionForm,
    outcome_for,
    step_kind,
)
from baton.tickets.models import OPEN_STEP_STATES, Step, StepState, Ticket
from baton.workflows import queries as flow_queries
from baton.workflows import services as flows
from baton.workflows.engine import StepSpec

from .common import is_staff_user, load_ticket, user_of
from .timeline import build_timeline

Bound = Mapping[str, forms.BaseForm]
logger = logging.getLogger(__name__)


@dataclass
class Action:
    outcome: Outcome
    form: forms.BaseForm
    key: str


@dataclass
class Panel:
    """What the signed-in user may do with one active step."""

    step: Step
    can_act: bool
    accept_form: VersionForm | None = None
    actions: list[Action] = field(default_factory=list)
    inline: Action | None = None
    reassign_form: ReassignForm | None = None
    collaborator_form: CollaboratorForm | None = None
    reject_form: RejectToStepForm | None = None
    approver_form: AddApproverForm | None = None
    open: str = ""

    @property
    def empty(self) -> bool:
        return not (
            self.accept_form
            or self.actions
            or self.inline
            or self.reassign_form
            or self.collaborator_form
            or self.reject_form
            or self.approver_form
        )


def staff_candidates(ticket: Ticket) -> QuerySet[User]:
    """Active staff who work on the ticket's department: possible new owners and collaborators."""
    return people.staff_of_department(ticket.department)


def technicians(ticket: Ticket) -> QuerySet[User]:
    return people.users_with_role(Role.TECHNICIAN, ticket.department)


def flow_steps(ticket: Ticket) -> dict[str, StepSpec]:
    """The steps of the flow version the ticket runs on, as drawn (outcomes and properties)."""
    if ticket.flow_instance_id is None:
        return {}
    version = flow_queries.version_for_instance(ticket.flow_instance_id)
    if version is None:
        return {}
    try:
        return dict(flows.flow_of(version).steps)
    except Exception:  # a flow that no longer loads must not break the page; defaults apply
        logger.exception("could not load flow version %s", version.pk)
        return {}


def flow_outcomes(specs: Mapping[str, StepSpec], step: Step) -> list[str] | None:
    """The outcomes the flow offers for the step; ``None`` when the flow does not say."""
    spec = specs.get(step.key)
    if spec is None or not spec.outcomes:
        return None
    return list(spec.outcomes)


def outcome_form(
    outcome: Outcome, ticket: Ticket, data: Any = None, *, initial: Mapping[str, Any] | None = None
) -> VersionForm:
    kwargs: dict[str, Any] = {"initial": initial}
    if outcome.form_class is DispatchForm:
        kwargs["technicians"] = technicians(ticket)
    return outcome.form_class(data, **kwargs)


def _build_panel(
    user: User,
    ticket: Ticket,
    step: Step,
    bound: Bound,
    candidates: QuerySet[User],
    specs: Mapping[str, StepSpec],
) -> Panel:
    version = {"version": ticket.version}
    panel = Panel(step=step, can_act=policies.can_act_on_step(user, step))
    prefix = f"{step.pk}:"
    if panel.can_act:
        kind = step_kind(step.key, flow_outcomes(specs, step))
        waiting = kind.needs_accept and step.accepted_at is None
        if waiting:
            panel.accept_form = bound.get(prefix + "accept-step") or VersionForm(initial=version)  # type: ignore[assignment]
        outcomes = kind.outcomes or [outcome_for("")]
        for outcome in outcomes:
            if waiting and outcome.key == "done":
                continue
            key = prefix + outcome.key
            form = bound.get(key) or outcome_form(outcome, ticket, initial=version)
            action = Action(outcome, form, outcome.key)
            if panel.inline is None and not outcome.reason and not waiting:
                panel.inline = action
            else:
                panel.actions.append(action)
            if key in bound:
                panel.open = outcome.key
        _approval_forms(panel, ticket, bound, candidates, specs, version)
    staff = policies.is_staff_for(user, ticket)
    if (step.owner_id == user.pk and staff) or policies.can_manage(user, ticket):
        panel.reassign_form = bound.get(prefix + "reassign") or ReassignForm(  # type: ignore[assignment]
            initial=version, candidates=candidates.exclude(pk=step.owner_id)
        )
        if prefix + "reassign" in bound:
            panel.open = "reassign"
    if staff and policies.can_collaborate(user, step):
        taken = {c.pk for c in step.collaborators.all()} | {step.owner_id}
        free = candidates.exclude(pk__in=taken)
        panel.collaborator_form = bound.get(prefix + "collaborator") or CollaboratorForm(  # type: ignore[assignment]
            candidates=free
        )
        if prefix + "collaborator" in bound:
            panel.open = "collaborator"
    return panel


def _approval_forms(
    panel: Panel,
    ticket: Ticket,
    bound: Bound,
    candidates: QuerySet[User],
    specs: Mapping[str, StepSpec],
    version: dict[str, int],
) -> None:
    """驳回至 (when the flow lets this step send tickets back) and 加签 (on approval steps)."""
    step, prefix = panel.step, f"{panel.step.pk}:"
    spec = specs.get(step.key)
    if spec is None:
        return
    if spec.back_to:
        targets = queries.send_back_targets(ticket, step)
        if targets:
            form = bound.get(prefix + "reject-to") or RejectToStepForm(initial=version, targets=targets)
            panel.reject_form = form  # type: ignore[assignment]
            if prefix + "reject-to" in bound:
                panel.open = "reject-to"
    if "approve" in spec.outcomes:
        busy = ticket.steps.filter(task_id=step.task_id, state__in=OPEN_STEP_STATES).values("owner")
        free = candidates.exclude(pk__in=busy)
        form = bound.get(prefix + "add-approver") or AddApproverForm(initial=version, candidates=free)
        panel.approver_form = form  # type: ignore[assignment]
        if prefix + "add-approver" in bound:
            panel.open = "add-approver"


def detail_context(request: HttpRequest, ticket: Ticket, bound: Bound | None = None) -> dict[str, Any]:
    user = user_of(request)
    bound = bound or {}
    steps = queries.ticket_steps(ticket)
    active = [s for s in steps if s.state == StepState.ACTIVE]
    candidates = staff_candidates(ticket)
    specs = flow_steps(ticket) if active else {}
    panels = [_build_panel(user, ticket, step, bound, candidates, specs) for step in active]
    attachments = list(queries.ticket_attachments(user, ticket).select_related("uploaded_by"))
    comments = queries.ticket_comments(user, ticket)
    timeline = build_timeline(queries.ticket_timeline(user, ticket), comments, attachments)
    staff = policies.is_staff_for(user, ticket)
    comment_form = bound.get("comment") or CommentForm(staff=staff)
    site = ticket.site
    return {
        "ticket": ticket,
        "now": clock.now(),
        "steps": steps,
        "active_steps": active,
        "waiting_steps": [s for s in steps if s.state == StepState.QUEUED],
        "panels": [p for p in panels if not p.empty],
        "attachments": attachments,
        "photos": [a for a in attachments if a.is_image and a.thumbnail],
        "files": [a for a in attachments if not (a.is_image and a.thumbnail)],
        "timeline": timeline,
        "comment_form": comment_form,
        "region": site.region if site is not None else None,
        "warranty": _warranty(ticket),
        "is_staff_user": is_staff_user(user),
    }


def _warranty(ticket: Ticket) -> dict[str, Any] | None:
    asset = ticket.asset
    if asset is None:
        return None
    today = timezone.localdate(clock.now())
    return {"end": asset.warranty_end, "active": asset.under_warranty(today)}


def render_detail(
    request: HttpRequest, ticket: Ticket, *, bound: Bound | None = None, status: int = 200
) -> HttpResponse:
    return render(request, "tickets/detail.html", detail_context(request, ticket, bound), status=status)


@login_required
@require_GET
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return render_detail(request, load_ticket(request, ticket_id))
