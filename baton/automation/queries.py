"""Reads for the rule pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from baton.core.errors import NotFound

from .models import DispatchSetting, Rule, RuleRun


def rules() -> QuerySet[Rule]:
    return Rule.objects.order_by("order", "pk")


def get_rule(rule_id: int | str) -> Rule:
    try:
        pk = int(rule_id)
    except (TypeError, ValueError):
        raise NotFound("Rule not found.") from None
    rule = Rule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound("Rule not found.")
    return rule


def runs_of(rule: Rule, limit: int = 50) -> QuerySet[RuleRun]:
    return rule.runs.select_related("ticket").order_by("-created_at", "-pk")[:limit]


def dispatch_settings() -> QuerySet[DispatchSetting]:
    return DispatchSetting.objects.select_related("department").order_by("department__path")
