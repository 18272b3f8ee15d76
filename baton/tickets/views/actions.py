"""Everything a person does on the ticket page: 接单, complete, return, reassign, collaborate, comment.

Each view loads the ticket through policies, checks the form, calls exactly one service and
redirects back (POST → redirect → GET). A refusal re-renders the page with the error next to
the form and a 4xx status; nothing is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baton.core.errors import BatonError, Forbidden, InvalidTransition, NotFound
from baton.tickets import api, policies, services
from baton.tickets.forms import (
    CollaboratorForm,
    CommentForm,
    ReassignForm,
    VersionForm,
    outcome_for,
    read_files,
)
from baton.tickets.models import Step, StepState, Ticket
from baton.web.errors import STALE, add_to_form, error_status, is_stale, message_for

from .common import load_ticket, user_of
from .detail import outcome_form, render_detail, staff_candidates


def _step(ticket: Ticket, step_id: int) -> Step:
    step = ticket.steps.select_related("owner").filter(pk=step_id).first()
    if step is None:
        raise Http404("Step not found.")
    return step


def _back(ticket: Ticket) -> HttpResponse:
    return redirect("ticket-detail", ticket.pk)


def _refused(
    request: HttpRequest, ticket: Ticket, key: str, form: forms.BaseForm, exc: BatonError
) -> HttpResponse:
    """Show a service refusal: stale pages are reloaded with a warning, other errors sit on the form."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    fresh = load_ticket(request, ticket.pk)
    if is_stale(exc):
        messages.warning(request, str(STALE))
        return render_detail(request, fresh, status=409)
    if isinstance(exc, Forbidden | InvalidTransition):
        # The form may not be on the page any more (not your step, or the step is over).
        messages.error(request, message_for(exc))
        return render_detail(request, fresh, status=error_status(exc))
    add_to_form(form, exc)
    return render_detail(request, fresh, bound={key: form}, status=error_status(exc))


def _invalid(request: HttpRequest, ticket: Ticket, key: str, form: forms.BaseForm) -> HttpResponse:
    return render_detail(request, ticket, bound={key: form}, status=422)


def _done_message(outcome: str, ticket: Ticket, values: dict[str, Any], step: Step) -> str:
    if outcome == "assign":
        technician = ticket.steps.filter(state=StepState.ACTIVE).select_related("owner").first()
        name = technician.owner.display_name if technician else ""
        return _("已派工给 %(name)s。") % {"name": name}
    messages_by_outcome = {
        "done": _("已完工，等待报修人验收。"),
        "return": _("已退回。"),
        "accept": _("已验收，感谢你的评价。"),
        "reject": _("验收不通过，已退回维修。"),
    }
    if outcome == "reject" and step.key != "Task_acceptance":  # an approval's rejection, not an acceptance
        return _("Rejected: “%(step)s”.") % {"step": step.name}
    if outcome == "approve":
        return _("Approved: “%(step)s”.") % {"step": step.name}
    return messages_by_outcome.get(outcome, _("「%(step)s」已完成。") % {"step": step.name})


@login_required
@require_POST
def step_accept(request: HttpRequest, ticket_id: int, step_id: int) -> HttpResponse:
    """接单: the owner takes the step on."""
    ticket = load_ticket(request, ticket_id)
    step = _step(ticket, step_id)
    key = f"{step.pk}:accept-step"
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ticket, key, form)
    try:
        services.accept_step(
            ticket=ticket,
            step_id=step.pk,
            actor=user_of(request),
            expected_version=form.cleaned_data["version"],
        )
    except BatonError as exc:
        return _refused(request, ticket, key, form, exc)
    messages.success(request, _("已接单。"))
    return _back(ticket)


@login_required
@require_POST
def step_complete(request: HttpRequest, ticket_id: int, step_id: int) -> HttpResponse:
    """Finish a step with an outcome (派工, 完工, 退回, 验收 …); the flow decides what comes next."""
    ticket = load_ticket(request, ticket_id)
    step = _step(ticket, step_id)
    outcome_key = request.POST.get("outcome", "")[:32]
    outcome = outcome_for(outcome_key)
    key = f"{step.pk}:{outcome_key}"
    form = outcome_form(outcome, ticket, request.POST)
    if not form.is_valid():
        return _invalid(request, ticket, key, form)
    values: dict[str, Any] = form.values()  # type: ignore[attr-defined]
    try:
        ticket = services.complete_step(
            ticket=ticket,
            step_id=step.pk,
            actor=user_of(request),
            outcome=outcome_key or None,
            reason=form.cleaned_data.get("reason", ""),
            values=values,
            expected_version=form.cleaned_data["version"],
        )
    except BatonError as exc:
        return _refused(request, ticket, key, form, exc)
    messages.success(request, _done_message(outcome_key, ticket, values, step))
    return _back(ticket)


@login_required
@require_POST
def step_reassign(request: HttpRequest, ticket_id: int, step_id: int) -> HttpResponse:
    """转派: hand the step to someone else, with a reason."""
    ticket = load_ticket(request, ticket_id)
    step = _step(ticket, step_id)
    key = f"{step.pk}:reassign"
    form = ReassignForm(request.POST, candidates=staff_candidates(ticket).exclude(pk=step.owner_id))
    if not form.is_valid():
        return _invalid(request, ticket, key, form)
    try:
        services.reassign_step(
            ticket=ticket,
            step_id=step.pk,
            actor=user_of(request),
            new_owner=form.cleaned_data["owner"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except BatonError as exc:
        return _refused(request, ticket, key, form, exc)
    messages.success(request, _("已转派给 %(name)s。") % {"name": form.cleaned_data["owner"].display_name})
    return _back(ticket)


@login_required
@require_POST
def step_collaborator(request: HttpRequest, ticket_id: int, step_id: int) -> HttpResponse:
    """Add a 协同人 to a step."""
    ticket = load_ticket(request, ticket_id)
    step = _step(ticket, step_id)
    key = f"{step.pk}:collaborator"
    form = CollaboratorForm(request.POST, candidates=staff_candidates(ticket))
    if not form.is_valid():
        return _invalid(request, ticket, key, form)
    try:
        services.add_collaborator(
            ticket=ticket, step_id=step.pk, actor=user_of(request), user=form.cleaned_data["user"]
        )
    except BatonError as exc:
        return _refused(request, ticket, key, form, exc)
    messages.success(request, _("已添加协同人 %(name)s。") % {"name": form.cleaned_data["user"].display_name})
    return _back(ticket)


@login_required
@require_POST
def comment(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """A comment, with photos; staff may mark it internal."""
    ticket = load_ticket(request, ticket_id, "comment")
    user = user_of(request)
    form = CommentForm(request.POST, request.FILES, staff=policies.is_staff_for(user, ticket))
    if not form.is_valid():
        return _invalid(request, ticket, "comment", form)
    try:
        services.add_comment(
            ticket=ticket,
            actor=user,
            body=form.cleaned_data["body"],
            internal=bool(form.cleaned_data.get("internal")),
            files=read_files(form.cleaned_data["photos"]),
        )
    except BatonError as exc:
        return _refused(request, ticket, "comment", form, exc)
    messages.success(request, _("评论已发布。"))
    return redirect(f"{reverse('ticket-detail', args=[ticket.pk])}#timeline")


def _attachment(request: HttpRequest, ticket_id: int, attachment_id: int, *, thumbnail: bool) -> FileResponse:
    try:
        return api.attachment_response(request.user, ticket_id, attachment_id, thumbnail=thumbnail)
    except (NotFound, FileNotFoundError):
        raise Http404("Attachment not found.") from None


@login_required
@require_GET
def attachment_file(request: HttpRequest, ticket_id: int, attachment_id: int) -> FileResponse:
    return _attachment(request, ticket_id, attachment_id, thumbnail=False)


@login_required
@require_GET
def attachment_thumbnail(request: HttpRequest, ticket_id: int, attachment_id: int) -> FileResponse:
    return _attachment(request, ticket_id, attachment_id, thumbnail=True)
