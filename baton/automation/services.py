"""Writes for automation: rules and dispatch settings (administrators only; validated first)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from baton.accounts.models import Department, User
from baton.core import cel, clock
from baton.core.errors import NotFound, ValidationFailed

from . import policies
from .actions import clean_actions
from .catalog import VARIABLE_NAMES, WATCHED_FIELDS
from .models import DispatchSetting, Rule, Strategy, Trigger

RULE_FIELDS = {
    "name",
    "enabled",
    "order",
    "trigger",
    "trigger_field",
    "trigger_step",
    "every_minutes",
    "condition",
    "actions",
}
STEP_KEY = re.compile(r"^[A-Za-z_][\w.-]{0,63}$")
MAX_EVERY = 7 * 24 * 60


def clean_condition(condition: Any) -> str:
    """Valid CEL over known variables (blank: always); raise ValidationFailed otherwise."""
    if condition is None:
        return ""
    if not isinstance(condition, str):
        raise ValidationFailed("The condition must be text.", fields={"condition": ["must be text"]})
    condition = condition.strip()
    if not condition:
        return ""
    try:
        compiled = cel.compile_expression(condition)
    except cel.ExpressionError as exc:
        raise ValidationFailed(exc.message, fields={"condition": [exc.message]}) from exc
    unknown = sorted(compiled.variables - set(VARIABLE_NAMES))
    if unknown:
        message = (
            f"Unknown field(s) in the condition: {', '.join(unknown)}. Known: {', '.join(VARIABLE_NAMES)}."
        )
        raise ValidationFailed(message, fields={"condition": [message]})
    return condition


def _clean(data: Mapping[str, Any], base: Rule | None) -> dict[str, Any]:
    if unknown := set(data) - RULE_FIELDS:
        raise ValidationFailed(
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
            fields={k: ["unknown field"] for k in sorted(unknown)},
        )
    merged: dict[str, Any] = {}
    if base is not None:
        merged = {name: getattr(base, name) for name in RULE_FIELDS}
    merged.update(data)
    name = merged.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise ValidationFailed("Give the rule a name (up to 200 characters).", fields={"name": ["required"]})
    trigger = merged.get("trigger")
    if trigger not in Trigger.values:
        raise ValidationFailed(
            f"Choose a trigger: {', '.join(Trigger.values)}.", fields={"trigger": ["invalid choice"]}
        )
    order = merged.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool) or not -10000 <= order <= 10000:
        raise ValidationFailed("The order is a whole number.", fields={"order": ["a whole number"]})
    enabled = merged.get("enabled", False)
    if not isinstance(enabled, bool):
        raise ValidationFailed("enabled is true or false.", fields={"enabled": ["true or false"]})
    field = (merged.get("trigger_field") or "") if trigger == Trigger.FIELD_CHANGED else ""
    if field and field not in WATCHED_FIELDS:
        raise ValidationFailed(
            f"The field must be one of: {', '.join(WATCHED_FIELDS)}.",
            fields={"trigger_field": ["unknown field"]},
        )
    step = (
        (merged.get("trigger_step") or "")
        if trigger in (Trigger.STEP_ENTERED, Trigger.STEP_COMPLETED)
        else ""
    )
    if step and (not isinstance(step, str) or not STEP_KEY.match(step)):
        raise ValidationFailed(
            "The step is a step id from the flow, e.g. Task_dispatch.", fields={"trigger_step": ["invalid"]}
        )
    every = merged.get("every_minutes") if trigger == Trigger.SCHEDULE else None
    if trigger == Trigger.SCHEDULE and (
        not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= MAX_EVERY
    ):
        raise ValidationFailed(
            f"A schedule rule runs every 1–{MAX_EVERY} minutes.", fields={"every_minutes": ["1–10080"]}
        )
    return {
        "name": name.strip(),
        "enabled": enabled,
        "order": order,
        "trigger": trigger,
        "trigger_field": field,
        "trigger_step": step,
        "every_minutes": every,
        "condition": clean_condition(merged.get("condition")),
        "actions": clean_actions(merged.get("actions")),
    }


@transaction.atomic
def create_rule(*, actor: User, data: Mapping[str, Any]) -> Rule:
    policies.require_admin(actor)
    cleaned = _clean(data, None)
    now = clock.now()
    return Rule.objects.create(**cleaned, created_by=actor, created_at=now, updated_at=now)


@transaction.atomic
def update_rule(*, actor: User, rule: Rule, data: Mapping[str, Any]) -> Rule:
    policies.require_admin(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    cleaned = _clean(data, rule)
    for name, value in cleaned.items():
        setattr(rule, name, value)
    rule.updated_at = clock.now()
    rule.save()
    return rule


@transaction.atomic
def set_rule_enabled(*, actor: User, rule: Rule, enabled: bool) -> Rule:
    return update_rule(actor=actor, rule=rule, data={"enabled": bool(enabled)})


@transaction.atomic
def delete_rule(*, actor: User, rule: Rule) -> None:
    policies.require_admin(actor)
    Rule.objects.filter(pk=rule.pk).delete()


@transaction.atomic
def save_dispatch_setting(
    *, actor: User, department_id: int, strategy: str, enabled: bool = True
) -> DispatchSetting:
    """Choose the strategy for a department's dispatch steps (``strategy`` "" removes it)."""
    policies.require_admin(actor)
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise NotFound("Department not found.")
    if strategy not in Strategy.values:
        raise ValidationFailed(
            f"Choose a strategy: {', '.join(Strategy.values)}.", fields={"strategy": ["invalid choice"]}
        )
    setting, _ = DispatchSetting.objects.update_or_create(
        department=department, defaults={"strategy": strategy, "enabled": bool(enabled)}
    )
    return setting


@transaction.atomic
def remove_dispatch_setting(*, actor: User, department_id: int) -> int:
    policies.require_admin(actor)
    deleted, _ = DispatchSetting.objects.filter(department_id=department_id).delete()
    return deleted


def draft_rule(*, actor: User, data: Mapping[str, Any], base: Rule | None = None) -> Rule:
    """A validated, unsaved rule (for a dry run of what an admin is still editing). Writes nothing."""
    policies.require_admin(actor)
    cleaned = _clean(data, base)
    draft = Rule(**cleaned)
    if base is not None:
        draft.pk = base.pk
    return draft
