"""What a rule does: each action validated when the rule is saved, carried out through the ticket
services as the system (so it is audited), or described without doing it (a dry run).

An action is a small dict: ``{"type": "set_priority", "priority": "urgent"}``,
``{"type": "set_field", "field": "fault_category", "value": "down"}``,
``{"type": "dispatch", "strategy": "least_loaded"}``, ``{"type": "add_collaborator", "user": 7}``,
``{"type": "notify", "users": [7], "roles": ["owner", "manager"], "channels": ["in_app", "sms"],
"message": "…"}``, ``{"type": "escalate", "to": "superior" | "manager", "reassign": false}``,
``{"type": "webhook", "endpoint": 3}``, ``{"type": "follow_up", "title": "…", "priority": "high",
"fault_category": "down"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from baton.accounts import queries as people
from baton.accounts.models import Role, User
from baton.core.errors import ValidationFailed
from baton.notifications import services as notifications
from baton.notifications.models import ChannelEndpoint, EndpointKind
from baton.tickets import services as tickets
from baton.tickets.models import FaultCategory, Priority, Step, StepState, Ticket

from . import dispatch
from .catalog import ACTION_TYPES, MAX_ACTIONS, NOTIFY_ROLES, PERSON_CHANNELS, SETTABLE_FIELDS
from .models import Rule, Strategy

MAX_MESSAGE = 500
_PARAMS: dict[str, set[str]] = {
    "set_priority": {"priority"},
    "set_field": {"field", "value"},
    "dispatch": {"strategy"},
    "add_collaborator": {"user"},
    "notify": {"users", "roles", "channels", "message"},
    "escalate": {"to", "reassign", "channels"},
    "webhook": {"endpoint"},
    "follow_up": {"title", "priority", "fault_category"},
}


# ---------------------------------------------------------------------------- validation


def _fail(index: int, name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"Action {index + 1}: {message}", fields={f"actions.{index}.{name}": [message]})


def _choice(
    index: int, action: Mapping[str, Any], name: str, allowed: Sequence[str], *, required: bool = True
) -> str:
    value = action.get(name)
    if value in (None, "") and not required:
        return ""
    if value not in allowed:
        raise _fail(index, name, f"{name} must be one of: {', '.join(allowed)}")
    return str(value)


def _user_id(index: int, value: Any, name: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(index, name, "choose a person")
    user = User.objects.filter(pk=value, is_active=True, customer__isnull=True).first()
    if user is None:
        raise _fail(index, name, f"no active staff member with id {value}")
    return user.pk


def clean_actions(raw: Any) -> list[dict[str, Any]]:
    """Validate a rule's actions; raise ValidationFailed naming the action and field at fault."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("A rule needs at least one action.", fields={"actions": ["required"]})
    if len(raw) > MAX_ACTIONS:
        raise ValidationFailed(f"At most {MAX_ACTIONS} actions.", fields={"actions": ["too many"]})
    cleaned = []
    for index, action in enumerate(raw):
        if not isinstance(action, dict):
            raise _fail(index, "type", "each action is an object with a type")
        kind = action.get("type")
        if kind not in ACTION_TYPES:
            raise _fail(index, "type", f"unknown action {kind!r}; known: {', '.join(ACTION_TYPES)}")
        if unknown := set(action) - _PARAMS[kind] - {"type"}:
            raise _fail(index, sorted(unknown)[0], f"unknown setting(s) {', '.join(sorted(unknown))}")
        cleaned.append({"type": kind, **_clean_params(index, kind, action)})
    return cleaned


def _clean_params(index: int, kind: str, action: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "set_priority":
        return {"priority": _choice(index, action, "priority", Priority.values)}
    if kind == "set_field":
        field = _choice(index, action, "field", SETTABLE_FIELDS)
        value = action.get("value")
        if field == "priority":
            value = _choice(index, action, "value", Priority.values)
        elif field == "fault_category":
            value = _choice(index, action, "value", FaultCategory.values)
        elif not isinstance(value, str) or (field == "title" and not value.strip()) or len(value) > 5000:
            raise _fail(index, "value", "enter the text to set")
        return {"field": field, "value": value}
    if kind == "dispatch":
        return {"strategy": _choice(index, action, "strategy", Strategy.values)}
    if kind == "add_collaborator":
        return {"user": _user_id(index, action.get("user"), "user")}
    if kind == "notify":
        users = action.get("users") or []
        roles = action.get("roles") or []
        if not isinstance(users, list) or not isinstance(roles, list):
            raise _fail(index, "users", "users and roles are lists")
        if not users and not roles:
            raise _fail(index, "users", "choose people or roles to notify")
        for role in roles:
            if role not in NOTIFY_ROLES:
                raise _fail(index, "roles", f"unknown role {role!r}")
        message = action.get("message") or ""
        if not isinstance(message, str) or len(message) > MAX_MESSAGE:
            raise _fail(index, "message", f"at most {MAX_MESSAGE} characters of text")
        return {
            "users": [_user_id(index, u, "users") for u in users],
            "roles": list(dict.fromkeys(roles)),
            "channels": _channels(index, action),
            "message": message.strip(),
        }
    if kind == "escalate":
        reassign = action.get("reassign", False)
        if not isinstance(reassign, bool):
            raise _fail(index, "reassign", "reassign is true or false")
        return {
            "to": _choice(index, action, "to", ["superior", "manager"]),
            "reassign": reassign,
            "channels": _channels(index, action),
        }
    if kind == "webhook":
        endpoint = action.get("endpoint")
        if isinstance(endpoint, str) and endpoint.isdigit():
            endpoint = int(endpoint)
        if (
            not isinstance(endpoint, int)
            or not ChannelEndpoint.objects.filter(pk=endpoint, kind=EndpointKind.WEBHOOK).exists()
        ):
            raise _fail(index, "endpoint", "choose a configured webhook")
        return {"endpoint": endpoint}
    # follow_up
    title = action.get("title") or ""
    if not isinstance(title, str) or len(title) > 200:
        raise _fail(index, "title", "at most 200 characters of text")
    return {
        "title": title.strip(),
        "priority": _choice(index, action, "priority", Priority.values, required=False),
        "fault_category": _choice(index, action, "fault_category", FaultCategory.values, required=False),
    }


def _channels(index: int, action: Mapping[str, Any]) -> list[str]:
    channels = action.get("channels") or ["in_app"]
    if not isinstance(channels, list) or any(c not in PERSON_CHANNELS for c in channels):
        raise _fail(index, "channels", f"channels are some of: {', '.join(PERSON_CHANNELS)}")
    return list(dict.fromkeys(channels))


# ---------------------------------------------------------------------------- carrying out


def _active_steps(ticket: Ticket) -> list[Step]:
    return list(ticket.steps.filter(state=StepState.ACTIVE).select_related("owner", "owner__superior"))


def _recipients(ticket: Ticket, users: Sequence[int], roles: Sequence[str]) -> list[User]:
    found: dict[int, User] = {u.pk: u for u in User.objects.filter(pk__in=users, is_active=True)}
    steps = _active_steps(ticket)
    for role in roles:
        candidates: list[User | None]
        if role == "owner":
            candidates = [s.owner for s in steps]
        elif role == "superior":
            candidates = [s.owner.superior for s in steps if s.owner.superior]
        elif role == "requester":
            candidates = [ticket.requester]
        elif role == "dispatcher":
            candidates = [
                ticket.department.dispatcher,
                *people.users_with_role(Role.DISPATCHER, ticket.department),
            ]
        elif role == "manager":
            candidates = [ticket.department.manager, *people.users_with_role(Role.MANAGER, ticket.department)]
        else:
            candidates = list(people.users_with_role(role, ticket.department))
        for user in candidates:
            if user is not None and user.is_active:
                found.setdefault(user.pk, user)
    return list(found.values())


def _context(ticket: Ticket, rule: Rule, message: str, step: Step | None = None) -> dict[str, Any]:
    return {
        "ticket_number": ticket.number,
        "ticket_title": ticket.title,
        "step_name": step.name if step else "",
        "due_at": step.due_at if step else ticket.due_at,
        "rule": rule.name,
        "comment": message,
        "reason": message,
        "priority": ticket.priority,
    }


def _key(rule: Rule, ticket: Ticket, index: int, extra: str = "") -> str:
    return f"rule:{rule.pk}:t{ticket.pk}:{ticket.audit_seq}:{index}{extra}"


def perform(rule: Rule, ticket_id: int, actions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Carry out the actions in order; each reads the ticket afresh. Returns one result per action."""
    results = []
    for index, action in enumerate(actions):
        ticket = Ticket.objects.select_related("department", "requester", "site", "asset", "customer").get(
            pk=ticket_id
        )
        results.append(
            {"type": action["type"], "result": _PERFORM[action["type"]](rule, ticket, index, action)}
        )
    return results


def _set_priority(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    return _set(rule, ticket, "priority", action["priority"])


def _set_field(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    return _set(rule, ticket, action["field"], action["value"])


def _set(rule: Rule, ticket: Ticket, field: str, value: Any) -> str:
    diff = tickets.set_fields_as_system(ticket=ticket, changes={field: value}, why=f"rule: {rule.name}")
    if not diff:
        return f"{field} already {value}"
    before, after = diff[field]
    return f"{field}: {before} → {after}"


def _dispatch(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    step = dispatch.waiting_dispatch_step(ticket)
    if step is None:
        return "no dispatch step is waiting"
    return dispatch.apply_strategy(ticket=ticket, step=step, strategy=action["strategy"])


def _add_collaborator(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    steps = _active_steps(ticket)
    user = User.objects.get(pk=action["user"])
    if not steps:
        return "no active step"
    added = tickets.add_collaborator_as_system(
        ticket=ticket, step_id=steps[0].pk, user=user, why=f"rule: {rule.name}"
    )
    return f"{user.display_name} added" if added else f"{user.display_name} already works on the step"


def _notify(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    people_ = _recipients(ticket, action["users"], action["roles"])
    if not people_:
        return "nobody to notify"
    notifications.notify(
        recipients=people_,
        event="rule_notice",
        context=_context(ticket, rule, action["message"]),
        urgent=ticket.priority == Priority.URGENT,
        channels=action["channels"],
        ticket_id=ticket.pk,
        idempotency_key=_key(rule, ticket, index),
    )
    return "notified " + ", ".join(u.display_name for u in people_)


def _escalate(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    done = []
    for step in _active_steps(ticket):
        target = step.owner.superior if action["to"] == "superior" else None
        target = target if target is not None and target.is_active else ticket.department.manager
        if target is None or not target.is_active or target.pk == step.owner_id:
            done.append(f"{step.name}: nobody above {step.owner.display_name}")
            continue
        notifications.notify(
            recipients=[target],
            event="escalated",
            context=_context(ticket, rule, f"{rule.name}", step),
            urgent=True,
            channels=action["channels"],
            ticket_id=ticket.pk,
            idempotency_key=_key(rule, ticket, index, f":s{step.pk}"),
        )
        if action.get("reassign"):
            tickets.reassign_as_system(
                ticket=ticket, step_id=step.pk, new_owner=target, why=f"escalated by rule: {rule.name}"
            )
            done.append(f"{step.name}: reassigned to {target.display_name}")
        else:
            done.append(f"{step.name}: {target.display_name} alerted")
    return "; ".join(done) or "no active step"


def _webhook(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    endpoint = ChannelEndpoint.objects.filter(pk=action["endpoint"]).first()
    if endpoint is None:
        raise ValidationFailed("The webhook of this rule was deleted.")
    queued = notifications.notify_endpoint(
        endpoint=endpoint,
        event="rule_notice",
        context=_context(ticket, rule, ""),
        idempotency_key=_key(rule, ticket, index),
        ticket_id=ticket.pk,
    )
    return (
        f"webhook {endpoint.name} queued" if queued else f"webhook {endpoint.name} is off or not subscribed"
    )


def _follow_up(rule: Rule, ticket: Ticket, index: int, action: Mapping[str, Any]) -> str:
    created = tickets.create_ticket(
        requester=ticket.requester,
        title=action.get("title") or f"Follow-up: {ticket.title}"[:200],
        description=f"Follow-up of {ticket.number} (rule: {rule.name})",
        ticket_type=ticket.type,
        fault_category=action.get("fault_category") or ticket.fault_category,
        priority=action.get("priority") or ticket.priority,
        site=ticket.site,
        asset=ticket.asset,
        is_drill=ticket.is_drill,
    )
    return f"follow-up {created.number} created"


_PERFORM: dict[str, Callable[[Rule, Ticket, int, Mapping[str, Any]], str]] = {
    "set_priority": _set_priority,
    "set_field": _set_field,
    "dispatch": _dispatch,
    "add_collaborator": _add_collaborator,
    "notify": _notify,
    "escalate": _escalate,
    "webhook": _webhook,
    "follow_up": _follow_up,
}


# ---------------------------------------------------------------------------- dry run


def describe(rule: Rule, ticket: Ticket, actions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the actions would do to ``ticket`` now, without doing any of it."""
    out = []
    for action in actions:
        kind = action["type"]
        if kind in ("set_priority", "set_field"):
            field = "priority" if kind == "set_priority" else action["field"]
            value = action["priority"] if kind == "set_priority" else action["value"]
            current = getattr(ticket, field)
            text = (
                f"{field} already {value}" if current == value else f"would set {field}: {current} → {value}"
            )
        elif kind == "dispatch":
            step = dispatch.waiting_dispatch_step(ticket)
            text = (
                "no dispatch step is waiting"
                if step is None
                else "would dispatch: " + dispatch.describe(ticket=ticket, strategy=action["strategy"])
            )
        elif kind == "add_collaborator":
            user = User.objects.filter(pk=action["user"]).first()
            text = f"would add {user.display_name if user else '?'} as collaborator"
        elif kind == "notify":
            names = [u.display_name for u in _recipients(ticket, action["users"], action["roles"])]
            text = f"would notify {', '.join(names) or 'nobody'} via {', '.join(action['channels'])}"
        elif kind == "escalate":
            text = f"would escalate to the {action['to']}" + (
                " and reassign" if action.get("reassign") else ""
            )
        elif kind == "webhook":
            endpoint = ChannelEndpoint.objects.filter(pk=action["endpoint"]).first()
            text = f"would call webhook {endpoint.name if endpoint else '?'}"
        else:
            text = f"would create a follow-up ticket: {action.get('title') or 'Follow-up: ' + ticket.title}"
        out.append({"type": kind, "result": text})
    return out
