"""Running rules: on ticket events from the bus, on a schedule, or as a dry run.

Rules for one event run in ``order`` (then id). Each firing runs in a savepoint: when an action
fails, what the rule did is rolled back (and the events it queued dropped), the failure is
recorded (a ``rule_failed`` audit event and a failed run in the rule's log) and the next rule
runs; the person's change goes through. Events a rule causes carry ``rule:<id>`` in their
``causes``: a rule never reacts to its own consequences, and a chain of rules reacting to each
other stops after :data:`MAX_CHAIN_DEPTH` rules.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

from django.db import transaction

from baton.core import bus, cel, clock, refcache
from baton.core.errors import BatonError
from baton.tickets import queries as ticket_queries
from baton.tickets import services as tickets
from baton.tickets.models import OPEN_STATUSES, Ticket

from . import actions
from .catalog import VARIABLE_NAMES, ticket_variables
from .models import Rule, RuleRun, RunStatus, Trigger

log = logging.getLogger(__name__)

MAX_CHAIN_DEPTH = 3
TRIGGER_EVENTS = {
    "created": Trigger.CREATED,
    "fields_changed": Trigger.FIELD_CHANGED,
    "status_changed": Trigger.FIELD_CHANGED,
    "department_changed": Trigger.FIELD_CHANGED,
    "step_entered": Trigger.STEP_ENTERED,
    "step_completed": Trigger.STEP_COMPLETED,
    "step_returned": Trigger.STEP_COMPLETED,
    "comment_added": Trigger.COMMENT_ADDED,
    "sla_warning": Trigger.SLA_WARNING,
    "sla_breached": Trigger.SLA_BREACHED,
}


def _load(ticket_id: int) -> Ticket | None:
    return (
        Ticket.objects.select_related("department", "site", "site__region", "customer", "flow_instance")
        .filter(pk=ticket_id)
        .first()
    )


def matches(rule: Rule, ticket: Ticket) -> bool:
    """Does the rule's condition hold for the ticket? (raises cel.ExpressionError)"""
    if not rule.condition.strip():
        return True
    compiled = cel.compile_expression(rule.condition)
    return cel.evaluate_bool(
        rule.condition, ticket_variables(ticket, compiled.variables & set(VARIABLE_NAMES))
    )


def _trigger_matches(rule: Rule, event: bus.DomainEvent) -> bool:
    if rule.trigger == Trigger.FIELD_CHANGED and rule.trigger_field:
        return rule.trigger_field in (event.data.get("changes") or {})
    if rule.trigger in (Trigger.STEP_ENTERED, Trigger.STEP_COMPLETED) and rule.trigger_step:
        if event.step_id is None:
            return False
        step = ticket_queries.step_in_change(event.step_id)
        return step is not None and step.key == rule.trigger_step
    return True


def enabled_rules(trigger: str) -> tuple[Rule, ...]:
    """The enabled rules for a trigger in running order (kept in the process until a rule changes)."""
    return refcache.cached(
        ("automation.rules", trigger),
        ("automation_rule",),
        lambda: tuple(Rule.objects.filter(enabled=True, trigger=trigger).order_by("order", "pk")),
    )


def on_event(event: bus.DomainEvent) -> bool:
    """Bus subscriber: run the enabled rules this event triggers."""
    trigger = TRIGGER_EVENTS.get(event.name)
    if trigger is None or event.ticket_id is None:
        return False
    depth = sum(1 for cause in event.causes if cause.startswith("rule:"))
    changed = False
    for rule in enabled_rules(trigger):
        if f"rule:{rule.pk}" in event.causes:
            continue  # its own consequence: no loops
        if depth >= MAX_CHAIN_DEPTH:
            log.warning("rule %s not run on ticket %s: chain of %s rules", rule.pk, event.ticket_id, depth)
            continue
        if not _trigger_matches(rule, event):
            continue
        changed = run_rule(rule, event.ticket_id, event.name, causes=event.causes) or changed
    return changed


def _caused(causes: tuple[str, ...], rule: Rule) -> ExitStack:
    """The chain so far plus this rule, for the events the rule's actions emit."""
    stack = ExitStack()
    for cause in (*causes, f"rule:{rule.pk}"):
        stack.enter_context(bus.caused_by(cause))
    return stack


def run_rule(rule: Rule, ticket_id: int, event_name: str, *, causes: tuple[str, ...] = ()) -> bool:
    """Fire ``rule`` on one ticket if its condition holds; True when it fired (or failed trying)."""
    ticket = _load(ticket_id)
    if ticket is None:
        return False
    try:
        if not matches(rule, ticket):
            return False
        with bus.savepoint(), _caused(causes, rule):
            results = actions.perform(rule, ticket.pk, rule.actions)
            tickets.record_system_event(
                ticket=ticket,
                kind="rule_fired",
                data={
                    "rule": rule.pk,
                    "name": rule.name,
                    "trigger": rule.trigger,
                    "event": event_name,
                    "actions": rule.actions,
                    "results": [r["result"] for r in results],
                },
            )
            RuleRun.objects.create(
                rule=rule,
                ticket=ticket,
                event=event_name,
                status=RunStatus.FIRED,
                results=results,
                created_at=clock.now(),
            )
    except Exception as exc:
        _record_failure(rule, ticket, event_name, exc, causes)
    return True


def _record_failure(
    rule: Rule, ticket: Ticket, event_name: str, exc: Exception, causes: tuple[str, ...]
) -> None:
    if not isinstance(exc, BatonError | cel.ExpressionError):
        log.exception("rule %s failed on ticket %s", rule.pk, ticket.pk)
    message = (getattr(exc, "message", None) or str(exc) or type(exc).__name__)[:1000]
    try:
        with bus.savepoint(), _caused(causes, rule):
            tickets.record_system_event(
                ticket=ticket,
                kind="rule_failed",
                data={
                    "rule": rule.pk,
                    "name": rule.name,
                    "trigger": rule.trigger,
                    "event": event_name,
                    "error": message,
                },
            )
            RuleRun.objects.create(
                rule=rule,
                ticket=ticket,
                event=event_name,
                status=RunStatus.FAILED,
                error=message,
                created_at=clock.now(),
            )
    except Exception:
        log.exception("could not record the failure of rule %s on ticket %s", rule.pk, ticket.pk)


# ---------------------------------------------------------------------------- schedule


def run_scheduled(*, now: Any = None, batch: int = 500) -> int:
    """Run each due schedule rule over the open tickets matching its condition; returns firings."""
    now = now or clock.now()
    fired = 0
    for rule_id in list(
        Rule.objects.filter(enabled=True, trigger=Trigger.SCHEDULE).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            rule = Rule.objects.select_for_update(skip_locked=True).filter(pk=rule_id, enabled=True).first()
            if rule is None or not rule.every_minutes:
                continue
            if (
                rule.last_run_at is not None
                and rule.last_run_at + timedelta(minutes=rule.every_minutes) > now
            ):
                continue
            Rule.objects.filter(pk=rule.pk).update(last_run_at=now)
        last_id = 0
        while True:
            ids = list(
                Ticket.objects.filter(status__in=OPEN_STATUSES, pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            last_id = ids[-1]
            for ticket_id in ids:
                with bus.atomic_block():
                    if run_rule(rule, ticket_id, "schedule"):
                        fired += 1
    return fired


# ---------------------------------------------------------------------------- dry run


def dry_run(rule: Rule, ticket: Ticket) -> dict[str, Any]:
    """Would ``rule`` match ``ticket``, and what would it do? Changes nothing (rolled back regardless)."""
    with transaction.atomic():
        try:
            try:
                matched = matches(rule, ticket)
            except cel.ExpressionError as exc:
                return {"matches": False, "error": exc.message, "actions": []}
            planned = actions.describe(rule, ticket, rule.actions) if matched else []
            return {"matches": matched, "error": "", "actions": planned}
        finally:
            transaction.set_rollback(True)
