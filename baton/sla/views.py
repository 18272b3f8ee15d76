"""The SLA part of the ticket page: the clocks card (an htmx partial) and putting a ticket on hold."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from baton.accounts.models import User
from baton.core import clock
from baton.core.errors import BatonError, Forbidden, NotFound
from baton.tickets import policies
from baton.tickets import services as tickets
from baton.tickets.models import Status, StepState, Ticket

from .clockview import clock_rows


class HoldForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Waiting for"),
        choices=[(Status.WAITING_PARTS, _("spare parts")), (Status.WAITING_CUSTOMER, _("the customer"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _load(request: HttpRequest, ticket_id: int) -> Ticket:
    try:
        return policies.get_ticket_for(request.user, ticket_id)
    except NotFound:
        raise Http404("Ticket not found.") from None
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None


def may_hold(user: Any, ticket: Ticket) -> bool:
    """Whom the page offers hold/resume to (the service decides again)."""
    if not isinstance(user, User) or not ticket.is_open:
        return False
    owns = ticket.steps.filter(state=StepState.ACTIVE, owner=user).exists()
    return owns or policies.can_manage(user, ticket)


def clocks_context(
    user: Any, ticket: Ticket, form: HoldForm | None = None, error: str = ""
) -> dict[str, Any]:
    on_hold = ticket.status in tickets.WAITING_STATUSES
    allowed = may_hold(user, ticket)
    return {
        "ticket": ticket,
        "clocks": clock_rows(ticket.pk, clock.now()),
        "now": clock.now(),
        "on_hold": on_hold,
        "hold_form": (form or HoldForm(initial={"version": ticket.version}))
        if allowed and not on_hold
        else None,
        "can_resume": allowed and on_hold,
        "error": error,
    }


@login_required
@require_GET
def ticket_clocks(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _load(request, ticket_id)
    return render(request, "sla/_clocks.html", clocks_context(request.user, ticket))


def _done(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    url = reverse("ticket-detail", args=[ticket.pk])
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def ticket_hold(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _load(request, ticket_id)
    form = HoldForm(request.POST)
    if not form.is_valid():
        return render(request, "sla/_clocks.html", clocks_context(request.user, ticket, form), status=422)
    assert isinstance(request.user, User)
    try:
        tickets.put_on_hold(
            ticket=ticket,
            actor=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data.get("version"),
        )
    except BatonError as exc:
        context = clocks_context(request.user, ticket, form, error=exc.message)
        return render(request, "sla/_clocks.html", context, status=exc.status)
    return _done(request, ticket)


@login_required
@require_POST
def ticket_resume(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _load(request, ticket_id)
    assert isinstance(request.user, User)
    try:
        tickets.resume_ticket(ticket=ticket, actor=request.user)
    except BatonError as exc:
        context = clocks_context(request.user, ticket, error=exc.message)
        return render(request, "sla/_clocks.html", context, status=exc.status)
    return _done(request, ticket)
