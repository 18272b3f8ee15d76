"""The automation pages (administrators only; 404 for anyone else): rules, the rule builder, dispatch."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baton.accounts.models import Department
from baton.core.errors import BatonError, NotFound

from . import catalog, policies, queries, services
from .models import Rule, Strategy


def admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policies.can_configure(request.user):
            raise Http404("Not found.")
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("Not found.") from None

    return login_required(wrapper)


def _strings() -> dict[str, str]:
    return {
        "name": _("Name"),
        "enabled": _("Enabled"),
        "order": _("Order"),
        "trigger": _("When"),
        "field": _("Field"),
        "anyField": _("any field"),
        "step": _("Step id (optional)"),
        "every": _("Every (minutes)"),
        "conditions": _("If"),
        "always": _("Always (no condition)"),
        "addCondition": _("Add a condition"),
        "joinAnd": _("all conditions hold"),
        "joinOr": _("any condition holds"),
        "celText": _("Condition as CEL (editable)"),
        "customCondition": _("This condition is written in CEL; edit it below."),
        "actions": _("Then"),
        "addAction": _("Add an action"),
        "remove": _("Remove"),
        "priority": _("Priority"),
        "value": _("Value"),
        "strategy": _("Strategy"),
        "user": _("Person (user id)"),
        "users": _("People (user ids, comma separated)"),
        "roles": _("Roles"),
        "channels": _("Channels"),
        "message": _("Message"),
        "to": _("Escalate to"),
        "superior": _("the owner's superior"),
        "manager": _("the department manager"),
        "reassign": _("also hand the step over"),
        "endpoint": _("Webhook (endpoint id)"),
        "title": _("Title"),
        "save": _("Save rule"),
        "saved": _("Saved."),
        "tryTicket": _("Try against ticket"),
        "tryPlaceholder": _("WO-… number"),
        "try": _("Try"),
        "matches": _("The rule matches this ticket and would:"),
        "noMatch": _("The rule does not match this ticket."),
        "nothingChanged": _("Nothing was changed."),
    }


def _rule_data(rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {
            "name": "",
            "enabled": False,
            "order": 100,
            "trigger": "created",
            "trigger_field": "",
            "trigger_step": "",
            "every_minutes": None,
            "condition": "",
            "actions": [{"type": "set_priority", "priority": "urgent"}],
        }
    return {
        "id": rule.pk,
        "name": rule.name,
        "enabled": rule.enabled,
        "order": rule.order,
        "trigger": rule.trigger,
        "trigger_field": rule.trigger_field,
        "trigger_step": rule.trigger_step,
        "every_minutes": rule.every_minutes,
        "condition": rule.condition,
        "actions": rule.actions,
    }


@admin_only
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    settings = {s.department_id: s for s in queries.dispatch_settings()}
    departments = [(d, settings.get(d.pk)) for d in Department.objects.order_by("path")]
    return render(
        request,
        "automation/rules.html",
        {"rules": list(queries.rules()), "departments": departments, "strategies": Strategy.choices},
    )


def _editor(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    config = {
        "rule": _rule_data(rule),
        "catalog": catalog.catalog(),
        "strings": _strings(),
        "csrfToken": get_token(request),
        "createUrl": reverse("api:automation-rules"),
        "ruleUrl": "/api/v1/automation/rules/",
        "dryRunUrl": "/api/v1/automation/dry-run",
        "pageUrl": "/automation/rules/",
    }
    runs = list(queries.runs_of(rule, limit=20)) if rule else []
    return render(request, "automation/rule.html", {"rule": rule, "config": config, "runs": runs})


@admin_only
@require_GET
def rule_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@admin_only
@require_GET
def rule_detail(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _editor(request, queries.get_rule(rule_id))


@admin_only
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = queries.get_rule(rule_id)
    services.set_rule_enabled(actor=request.user, rule=rule, enabled=not rule.enabled)  # type: ignore[arg-type]
    return redirect("automation-rules")


@admin_only
@require_POST
def dispatch_setting(request: HttpRequest, department_id: int) -> HttpResponse:
    strategy = request.POST.get("strategy", "")
    try:
        if strategy:
            services.save_dispatch_setting(actor=request.user, department_id=department_id, strategy=strategy)  # type: ignore[arg-type]
        else:
            services.remove_dispatch_setting(actor=request.user, department_id=department_id)  # type: ignore[arg-type]
    except BatonError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Dispatch setting saved."))
    return redirect("automation-rules")
