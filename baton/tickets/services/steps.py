"""What people do with a step: accept, complete (with outcome), reassign, add collaborators."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from baton.accounts import queries as people
from baton.accounts.models import Role, User
from baton.core import bus, clock
from baton.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from baton.tickets import events, policies
from baton.tickets.models import Step, StepState, Ticket
from baton.workflows import engine
from baton.workflows import services as flows
from baton.workflows.models import FlowInstance

from . import approvals
from ._common import MAX_REASON, _add_participant, _check_version, _lock, _notify, _text, _touch
from .flow import _sync_steps

# ---------------------------------------------------------------------------- step actions


def _active_step(ticket: Ticket, step_id: int) -> Step:
    step = ticket.steps.select_related("owner").filter(pk=step_id).first()
    if step is None:
        raise NotFound("Step not found.")
    if step.state != StepState.ACTIVE:
        raise InvalidTransition("This step is already finished.")
    return step


def _list_property(spec: engine.StepSpec, name: str) -> list[str]:
    return [item.strip() for item in spec.properties.get(name, "").split(",") if item.strip()]


@bus.atomic
def accept_step(*, ticket: Ticket, step_id: int, actor: User, expected_version: int | None = None) -> Step:
    """The owner takes the step on (接单)."""
    ticket = _lock(ticket)
    _check_version(ticket, expected_version)
    step = _active_step(ticket, step_id)
    if not policies.can_act_on_step(actor, step):
        raise Forbidden("Only the step's owner can accept it.")
    if step.accepted_at is not None:
        raise InvalidTransition("This step was already accepted.")
    now = clock.now()
    step.accepted_at = now
    step.save(update_fields=["accepted_at"])
    events.record(ticket, "step_accepted", actor=actor, step=step, data={"step": step.name})
    _touch(ticket, now)
    return step


@bus.atomic
def complete_step(
    *,
    ticket: Ticket,
    step_id: int,
    actor: User,
    outcome: str | None = None,
    reason: str = "",
    values: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Finish a step with an outcome; the flow decides what comes next.

    ``values`` may carry ``technician`` (a user id, at dispatch), ``resolution`` (what was
    done), ``cost`` (a routing variable for approval thresholds), ``rating`` (1–5) and
    ``rating_comment`` (at acceptance), as the step requires.
    Outcomes listed in the step's ``reason_required`` property (return, reject) need a reason.
    """
    ticket = _lock(ticket)
    _check_version(ticket, expected_version)
    step = _active_step(ticket, step_id)
    if not policies.can_act_on_step(actor, step):
        raise Forbidden("Only the step's owner can complete it.")
    assert ticket.flow_instance_id is not None
    row = FlowInstance.objects.select_related("version").get(pk=ticket.flow_instance_id)
    running = flows.load_instance(row)
    task = next((t for t in running.active_tasks() if t.task_id == step.task_id), None)
    if task is None:
        raise InvalidTransition("This step is no longer active in the flow.")
    spec = task.step
    values = dict(values or {})
    unknown = set(values) - {"technician", "resolution", "rating", "rating_comment", "cost"}
    if unknown:
        raise ValidationFailed(
            f"Unknown fields: {', '.join(sorted(unknown))}.",
            fields={k: ["unknown field"] for k in sorted(unknown)},
        )
    outcomes = _list_property(spec, "outcomes")
    if outcomes:
        if outcome not in outcomes:
            raise ValidationFailed(
                f"Choose one of: {', '.join(outcomes)}.", fields={"outcome": ["invalid choice"]}
            )
    elif outcome:
        raise ValidationFailed("This step takes no outcome.", fields={"outcome": ["not allowed"]})
    reason = _text(reason, "reason", limit=MAX_REASON)
    if outcome in _list_property(spec, "reason_required") and not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": ["required"]})
    required = _list_property(spec, f"require_{outcome}") if outcome else []
    for name in required:
        if values.get(name) in (None, ""):
            raise ValidationFailed(f"{name} is required.", fields={name: ["required"]})

    now = clock.now()
    changes: dict[str, list[Any]] = {}
    flow_data: dict[str, Any] = {"outcome": outcome}
    if "technician" in values:
        technician = _technician(values["technician"], ticket)
        flow_data["technician"] = technician.pk
        changes["technician"] = [None, technician.pk]
    if "cost" in values:
        cost = _cost(values["cost"])
        flow_data["cost"] = cost
        changes["cost"] = [None, cost]
    if "resolution" in values:
        resolution = _text(values["resolution"], "resolution", required=True)
        changes["resolution"] = [ticket.resolution, resolution]
        ticket.resolution = resolution
    if "rating" in values:
        rating = values["rating"]
        if isinstance(rating, str) and rating.isdigit():
            rating = int(rating)
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            raise ValidationFailed("The rating is a whole number from 1 to 5.", fields={"rating": ["1–5"]})
        changes["satisfaction"] = [ticket.satisfaction, rating]
        ticket.satisfaction = rating
        ticket.satisfaction_comment = _text(values.get("rating_comment"), "rating_comment", limit=500)
    finishes, waiting = approvals.decide(ticket, step, spec, outcome)
    if finishes:
        try:
            running.complete(step.task_id, flow_data)
        except engine.EngineError as exc:
            raise InvalidTransition(str(exc)) from exc

    step.state = StepState.COMPLETED
    step.completed_at = now
    step.completed_by = actor
    step.outcome = outcome or ""
    step.reason = reason
    if step.accepted_at is None:
        step.accepted_at = now
    step.save(update_fields=["state", "completed_at", "completed_by", "outcome", "reason", "accepted_at"])
    kind = "step_returned" if outcome == "return" else "step_completed"
    sends_back = outcome in _list_property(spec, "reason_required")
    data: dict[str, Any] = {"step": step.name, "outcome": outcome, "reason": reason, "changes": changes}
    if sends_back:
        data["sent_back"] = True  # counted against the loop cap
    if not finishes:
        data["waiting_for_others"] = True
    events.record(ticket, kind, actor=actor, step=step, data=data)
    if waiting is not None:
        approvals.resume(ticket, waiting, spec, actor=actor, now=now)
    if finishes:
        _sync_steps(ticket, running, actor=actor, now=now, sent_back=reason if sends_back else "")
        flows.save_instance(row, running)
    _touch(ticket, now, "status", "closed_at", "resolution", "satisfaction", "satisfaction_comment")
    return ticket


def _cost(value: Any) -> int | float:
    """A repair cost the flow can route on (``cost < 500``): 0 to 10⁹, kept to 2 decimals."""
    valid_type = isinstance(value, int | float | str | Decimal) and not isinstance(value, bool)
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value)) if valid_type else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount <= 10**9:
        raise ValidationFailed("The cost must be a number from 0 to 10⁹.", fields={"cost": ["0–10⁹"]})
    amount = amount.quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _technician(value: Any, ticket: Ticket) -> User:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed("Choose a technician.", fields={"technician": ["required"]})
    user = User.objects.filter(pk=value, is_active=True).first()
    if user is None or not people.has_role(user, Role.TECHNICIAN, ticket.department):
        raise ValidationFailed(
            "That person is not a technician of this ticket's department.", fields={"technician": ["invalid"]}
        )
    return user


@bus.atomic
def reassign_step(
    *,
    ticket: Ticket,
    step_id: int,
    actor: User,
    new_owner: User,
    reason: str,
    expected_version: int | None = None,
) -> Step:
    """Hand a step to someone else (转派): needs a reason; the new owner must work on its department."""
    ticket = _lock(ticket)
    _check_version(ticket, expected_version)
    step = _active_step(ticket, step_id)
    if not (policies.can_manage(actor, ticket) or step.owner_id == actor.pk):
        raise Forbidden("Only the owner, the department's dispatcher or manager can reassign a step.")
    reason = _text(reason, "reason", required=True, limit=MAX_REASON)
    if new_owner.pk == step.owner_id:
        raise ValidationFailed("That person already owns the step.", fields={"owner": ["same owner"]})
    if not policies.can_be_assigned(new_owner, ticket) and new_owner.pk != ticket.requester_id:
        raise ValidationFailed(
            "That person does not work on this ticket's department.", fields={"owner": ["not eligible"]}
        )
    now = clock.now()
    before = step.owner
    step.owner = new_owner
    step.accepted_at = None
    step.save(update_fields=["owner", "accepted_at"])
    _add_participant(ticket, new_owner)
    _notify(
        ticket,
        "step_assigned",
        [new_owner],
        f"step:{step.pk}:owner:{ticket.audit_seq}",
        step=step,
        actor=actor,
    )
    events.record(
        ticket,
        "step_reassigned",
        actor=actor,
        step=step,
        data={
            "step": step.name,
            "reason": reason,
            "changes": {"owner": [before.pk, new_owner.pk]},
            "owner_names": [before.display_name, new_owner.display_name],
        },
    )
    _touch(ticket, now)
    return step


@bus.atomic
def add_collaborator(*, ticket: Ticket, step_id: int, actor: User, user: User) -> Step:
    """Add a 协同人: they see the ticket and may comment, but do not own the step."""
    ticket = _lock(ticket)
    step = _active_step(ticket, step_id)
    if not policies.can_collaborate(actor, step):
        raise Forbidden("Only the step's owner, the dispatcher or a manager can add collaborators.")
    if user.pk == step.owner_id:
        raise ValidationFailed("The owner is not a collaborator.", fields={"user": ["is the owner"]})
    if not user.is_active or policies.is_portal_user(user):
        raise ValidationFailed("Only active staff can collaborate.", fields={"user": ["not eligible"]})
    if step.collaborators.filter(pk=user.pk).exists():
        raise ValidationFailed("Already a collaborator.", fields={"user": ["already added"]})
    step.collaborators.add(user)
    _add_participant(ticket, user)
    events.record(
        ticket,
        "collaborator_added",
        actor=actor,
        step=step,
        data={"step": step.name, "user": user.pk, "user_name": user.display_name},
    )
    _touch(ticket, clock.now())
    return step
