"""Approval actions on the ticket page: reject back to a chosen step (驳回至) and add an approver (加签)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baton.core.errors import BatonError
from baton.tickets import queries, services
from baton.tickets.forms import AddApproverForm, RejectToStepForm

from .actions import _back, _invalid, _refused, _step
from .common import load_ticket, user_of
from .detail import staff_candidates


@login_required
@require_POST
def step_reject(request: HttpRequest, ticket_id: int, step_id: int) -> HttpResponse:
    """驳回至: back to an earlier step the flow allows, with a reason."""
    ticket = load_ticket(request, ticket_id)
    step = _step(ticket, step_id)
    key = f"{step.pk}:reject-to"
    targets = queries.send_back_targets(ticket, step)
    form = RejectToStepForm(request.POST, targets=targets)
    if not form.is_valid():
        return _invalid(request, ticket, key, form)
    try:
        services.reject_to_step(
            ticket=ticket,
            step_id=step.pk,
            actor=user_of(request),
            to_step=form.cleaned_data["to_step"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except BatonError as exc:
        return _refused(request, ticket, key, form, exc)
    name = dict(targets).get(form.cleaned_data["to_step"], "")
    messages.success(request, _("Sent back to “%(step)s”.") % {"step": name})
    return _back(ticket)


@login_required
@require_POST
def step_add_approver(request: HttpRequest, ticket_id: int, step_id: int) -> HttpResponse:
    """加签: someone approves before or after me."""
    ticket = load_ticket(request, ticket_id)
    step = _step(ticket, step_id)
    key = f"{step.pk}:add-approver"
    form = AddApproverForm(request.POST, candidates=staff_candidates(ticket))
    if not form.is_valid():
        return _invalid(request, ticket, key, form)
    try:
        added = services.add_approver(
            ticket=ticket,
            step_id=step.pk,
            actor=user_of(request),
            user=form.cleaned_data["user"],
            position=form.cleaned_data["position"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except BatonError as exc:
        return _refused(request, ticket, key, form, exc)
    messages.success(request, _("%(name)s was added as an approver.") % {"name": added.owner.display_name})
    return _back(ticket)
