"""What the system itself does to tickets: automation rules and auto-dispatch.

These services have no person behind them: they skip the "who may do this" policies (the caller,
an automation rule or a dispatch strategy, was configured by an administrator) and record their
events with no actor, so the audit trail says "the system" did it, and why (``why`` is stored in
each event). Everything else is as for people: the ticket row is locked, input is validated before
anything is written, the flow is driven by the engine, and events are recorded in the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baton.accounts.models import Department, User
from baton.core import bus, clock
from baton.core.errors import Forbidden, InvalidTransition, ValidationFailed
from baton.tickets import events, policies
from baton.tickets.assignment import fallback_owner
from baton.tickets.models import FaultCategory, Participant, Priority, Step, StepState, Ticket
from baton.workflows import engine
from baton.workflows import services as flows
from baton.workflows.models import FlowInstance

from ._common import (
    MAX_REASON,
    RESOLVE_TARGETS,
    _add_participant,
    _choice,
    _lock,
    _notify,
    _text,
    _touch,
)
from .flow import _sync_steps
from .steps import _active_step, _list_property, _technician

#: Fields the system may set (the same as people may edit).
SYSTEM_FIELDS = {"title", "description", "priority", "fault_category"}


@bus.atomic
def record_system_event(
    *, ticket: Ticket, kind: str, data: Mapping[str, Any], step: Step | None = None
) -> None:
    """Append one event by the system (a rule firing, an auto-dispatch decision) to the trail."""
    ticket = _lock(ticket)
    events.record(ticket, kind, actor=None, step=step, data=dict(data))
    _touch(ticket, clock.now())


@bus.atomic
def set_fields_as_system(*, ticket: Ticket, changes: Mapping[str, Any], why: str) -> dict[str, list[Any]]:
    """Change descriptive fields; returns the diff (empty when nothing changed, and nothing is written)."""
    ticket = _lock(ticket)
    unknown = set(changes) - SYSTEM_FIELDS
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
            fields={k: ["not editable"] for k in sorted(unknown)},
        )
    if not ticket.is_open:
        raise InvalidTransition("A closed ticket cannot be edited.")
    cleaned: dict[str, Any] = {}
    if "title" in changes:
        cleaned["title"] = _text(changes["title"], "title", required=True, limit=200)
    if "description" in changes:
        cleaned["description"] = _text(changes["description"], "description")
    if "priority" in changes:
        cleaned["priority"] = _choice(changes["priority"], "priority", Priority)
    if "fault_category" in changes:
        cleaned["fault_category"] = _choice(changes["fault_category"], "fault_category", FaultCategory)
    diff: dict[str, list[Any]] = {
        k: [getattr(ticket, k), v] for k, v in cleaned.items() if getattr(ticket, k) != v
    }
    if not diff:
        return {}
    for field, (_, after) in diff.items():
        setattr(ticket, field, after)
    if "priority" in diff:
        ticket.due_at = ticket.created_at + RESOLVE_TARGETS[Priority(ticket.priority)]
    events.record(ticket, "fields_changed", actor=None, data={"changes": diff, "why": why})
    _touch(ticket, clock.now(), *cleaned.keys(), "due_at")
    return diff


@bus.atomic
def dispatch_as_system(*, ticket: Ticket, step_id: int, technician: User, why: str) -> Ticket:
    """Complete a dispatch step with outcome ``assign`` and ``technician``, as the system."""
    ticket = _lock(ticket)
    step = _active_step(ticket, step_id)
    assert ticket.flow_instance_id is not None
    row = FlowInstance.objects.select_related("version").get(pk=ticket.flow_instance_id)
    running = flows.load_instance(row)
    task = next((t for t in running.active_tasks() if t.task_id == step.task_id), None)
    if task is None:
        raise InvalidTransition("This step is no longer active in the flow.")
    if "assign" not in task.step.outcomes or "technician" not in _list_property(task.step, "require_assign"):
        raise InvalidTransition(f"The step {step.name!r} is not a dispatch step.")
    chosen = _technician(technician.pk, ticket)
    try:
        running.complete(step.task_id, {"outcome": "assign", "technician": chosen.pk})
    except engine.EngineError as exc:
        raise InvalidTransition(str(exc)) from exc
    now = clock.now()
    step.state = StepState.COMPLETED
    step.completed_at = now
    step.completed_by = None
    step.outcome = "assign"
    step.reason = why[:MAX_REASON]
    if step.accepted_at is None:
        step.accepted_at = now
    step.save(update_fields=["state", "completed_at", "completed_by", "outcome", "reason", "accepted_at"])
    events.record(
        ticket,
        "step_completed",
        actor=None,
        step=step,
        data={
            "step": step.name,
            "outcome": "assign",
            "reason": why[:MAX_REASON],
            "changes": {"technician": [None, chosen.pk]},
            "auto": True,
        },
    )
    _sync_steps(ticket, running, actor=None, now=now)
    flows.save_instance(row, running)
    _touch(ticket, now, "status", "closed_at")
    return ticket


@bus.atomic
def add_collaborator_as_system(*, ticket: Ticket, step_id: int, user: User, why: str) -> bool:
    """Add a 协同人 to a step; False (nothing written) when they already are one or own the step."""
    ticket = _lock(ticket)
    step = _active_step(ticket, step_id)
    if not user.is_active or policies.is_portal_user(user):
        raise ValidationFailed("Only active staff can collaborate.", fields={"user": ["not eligible"]})
    if user.pk == step.owner_id or step.collaborators.filter(pk=user.pk).exists():
        return False
    step.collaborators.add(user)
    _add_participant(ticket, user)
    events.record(
        ticket,
        "collaborator_added",
        actor=None,
        step=step,
        data={"step": step.name, "user": user.pk, "user_name": user.display_name, "why": why},
    )
    _touch(ticket, clock.now())
    return True


@bus.atomic
def reassign_as_system(*, ticket: Ticket, step_id: int, new_owner: User, why: str) -> bool:
    """Hand a step to someone else (escalation); False when they already own it."""
    ticket = _lock(ticket)
    step = _active_step(ticket, step_id)
    why = _text(why, "reason", required=True, limit=MAX_REASON)
    if new_owner.pk == step.owner_id:
        return False
    if not policies.can_be_assigned(new_owner, ticket):
        raise ValidationFailed(
            "That person does not work on this ticket's department.", fields={"owner": ["not eligible"]}
        )
    before = step.owner
    step.owner = new_owner
    step.accepted_at = None
    step.save(update_fields=["owner", "accepted_at"])
    _add_participant(ticket, new_owner)
    _notify(ticket, "step_assigned", [new_owner], f"step:{step.pk}:owner:{ticket.audit_seq}", step=step)
    events.record(
        ticket,
        "step_reassigned",
        actor=None,
        step=step,
        data={
            "step": step.name,
            "reason": why,
            "changes": {"owner": [before.pk, new_owner.pk]},
            "owner_names": [before.display_name, new_owner.display_name],
        },
    )
    _touch(ticket, clock.now())
    return True


@bus.atomic
def transfer_ticket(
    *, ticket: Ticket, department: Department, reason: str, actor: User | None = None
) -> Ticket:
    """Move a ticket to the department whose duty it is (or back): always with a reason.

    ``actor`` None is the system (department duty); a person must be a dispatcher or manager of the
    ticket's current department. Open steps move with it and go to the new department's dispatcher.
    """
    ticket = _lock(ticket)
    if actor is not None and not policies.can_manage(actor, ticket):
        raise Forbidden("Only the department's dispatcher or manager can hand a ticket over.")
    reason = _text(reason, "reason", required=True, limit=MAX_REASON)
    if not ticket.is_open:
        raise InvalidTransition("A closed ticket cannot be handed over.")
    if department.pk == ticket.department_id:
        raise ValidationFailed("The ticket is already with that department.", fields={"department": ["same"]})
    before = ticket.department
    ticket.department = department
    owner = fallback_owner(department)
    now = clock.now()
    for step in ticket.steps.filter(state=StepState.ACTIVE).select_related("owner"):
        previous = step.owner
        step.department = department
        step.owner = owner
        step.accepted_at = None
        step.save(update_fields=["department", "owner", "accepted_at"])
        _add_participant(ticket, owner)
        if previous.pk != owner.pk:
            _notify(ticket, "step_assigned", [owner], f"step:{step.pk}:owner:{ticket.audit_seq}", step=step)
    Participant.objects.filter(ticket=ticket).update(department=department)
    events.record(
        ticket,
        "department_changed",
        actor=actor,
        data={
            "reason": reason,
            "changes": {"department": [before.pk, department.pk]},
            "department_names": [before.name, department.name],
        },
    )
    _touch(ticket, now, "department")
    return ticket
