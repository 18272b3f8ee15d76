"""Approval decisions: 或签/会签 completion, rejecting back to a chosen step (驳回至), 加签.

An approval step is one engine task with one Step row per approver (see ``entering``). Rules:

* **single** — one approver; the decision is the step's.
* **any** (或签) — the first decision counts: the first approval completes the step, and a
  rejection or return by anyone decides it too; the other approvers' rows are cancelled.
* **all** (会签) — every approver must approve; the step completes with the last approval.
  One rejection or return decides the step at once (the rest are cancelled).

加签: an approver adds someone *after* themselves (their own approval is recorded and the added
person must approve too) or *before* themselves (their row waits, QUEUED, until the added
person approves, then comes back to them). Either way the step is not done while anyone in
that chain still has to approve.
"""

from __future__ import annotations

from datetime import datetime

from baton.accounts.models import User
from baton.core import bus, clock
from baton.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from baton.tickets import events, policies, queries
from baton.tickets.assignment import standing_in
from baton.tickets.models import OPEN_STEP_STATES, Step, StepState, Ticket
from baton.workflows import engine
from baton.workflows import services as flows
from baton.workflows.models import FlowInstance

from ._common import MAX_REASON, _add_participant, _check_version, _lock, _notify, _text, _touch
from .flow import _step_due, _sync_steps

APPROVE = "approve"
POSITIONS = ("before", "after")


def is_approval(spec: engine.StepSpec) -> bool:
    return APPROVE in spec.outcomes


def decide(
    ticket: Ticket, step: Step, spec: engine.StepSpec, outcome: str | None
) -> tuple[bool, Step | None]:
    """One approver decided ``outcome`` on ``step``: (does the engine task complete now, whose
    waiting row comes back). Anything but an approval decides the whole step at once."""
    if outcome != APPROVE or not is_approval(spec):
        return True, None
    if step.resumes_id is not None:
        waiting = Step.objects.select_related("owner").get(pk=step.resumes_id)
        if waiting.state == StepState.QUEUED:
            return False, waiting
    if spec.approval == "any":
        return True, None
    others = ticket.steps.filter(task_id=step.task_id, state__in=OPEN_STEP_STATES).exclude(pk=step.pk)
    return not others.exists(), None


def resume(ticket: Ticket, step: Step, spec: engine.StepSpec, *, actor: User, now: datetime) -> None:
    step.state = StepState.ACTIVE
    step.due_at = _step_due(spec, now, ticket)
    step.accepted_at = None
    step.save(update_fields=["state", "due_at", "accepted_at"])
    events.record(
        ticket,
        "step_resumed",
        actor=actor,
        step=step,
        data={
            "step": step.name,
            "owner": step.owner_id,
            "owner_name": step.owner.display_name,
            "due_at": step.due_at.isoformat(),
        },
    )
    _notify(
        ticket,
        "step_assigned",
        [step.owner],
        f"step:{step.pk}:resumed:{ticket.audit_seq}",
        step=step,
        actor=actor,
    )


def _load(
    ticket: Ticket, step_id: int, actor: User
) -> tuple[Step, FlowInstance, engine.FlowInstance, engine.StepSpec]:
    step = ticket.steps.select_related("owner").filter(pk=step_id).first()
    if step is None:
        raise NotFound("Step not found.")
    if step.state != StepState.ACTIVE:
        raise InvalidTransition("This step is already finished.")
    if not policies.can_act_on_step(actor, step):
        raise Forbidden("Only the step's owner can decide it.")
    assert ticket.flow_instance_id is not None
    row = FlowInstance.objects.select_related("version").get(pk=ticket.flow_instance_id)
    running = flows.load_instance(row)
    task = next((t for t in running.active_tasks() if t.task_id == step.task_id), None)
    if task is None:
        raise InvalidTransition("This step is no longer active in the flow.")
    return step, row, running, task.step


@bus.atomic
def reject_to_step(
    *,
    ticket: Ticket,
    step_id: int,
    actor: User,
    to_step: str,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """驳回至: send the ticket back to a step it passed through (one the flow allows); reason required.

    The flow is reset to the last time it passed that step: the step is ready again (owned by
    its owner rule) and everything after it is dropped from the engine state. Every open row of
    the rejected step is cancelled. Counts as a loop (see ``BATON_MAX_LOOPS``).
    """
    ticket = _lock(ticket)
    _check_version(ticket, expected_version)
    step, row, running, spec = _load(ticket, step_id, actor)
    reason = _text(reason, "reason", required=True, limit=MAX_REASON)
    if not spec.back_to:
        raise InvalidTransition("This step cannot send the ticket back to an earlier step.")
    choices = [key for key, _name in queries.send_back_targets(ticket, step)]
    if to_step not in choices:
        raise ValidationFailed(
            "Choose one of the steps this ticket may go back to.", fields={"to_step": ["invalid choice"]}
        )
    target_name = running.flow.steps[to_step].name
    try:
        running.send_back(step.task_id, to_step)
    except engine.EngineError as exc:
        raise InvalidTransition(str(exc)) from exc
    now = clock.now()
    step.state = StepState.COMPLETED
    step.completed_at = now
    step.completed_by = actor
    step.outcome = "reject"
    step.reason = reason
    if step.accepted_at is None:
        step.accepted_at = now
    step.save(update_fields=["state", "completed_at", "completed_by", "outcome", "reason", "accepted_at"])
    events.record(
        ticket,
        "step_rejected",
        actor=actor,
        step=step,
        data={
            "step": step.name,
            "outcome": "reject",
            "to_step": to_step,
            "to_step_name": target_name,
            "reason": reason,
            "sent_back": True,
        },
    )
    _sync_steps(ticket, running, actor=actor, now=now, sent_back=reason)
    flows.save_instance(row, running)
    _touch(ticket, now, "status", "closed_at")
    return ticket


@bus.atomic
def add_approver(
    *,
    ticket: Ticket,
    step_id: int,
    actor: User,
    user: User,
    position: str,
    reason: str,
    expected_version: int | None = None,
) -> Step:
    """加签: add ``user`` as an approver before or after the acting approver; reason required.

    ``after``: the actor's approval is recorded now and ``user`` must approve as well.
    ``before``: ``user`` approves first, then the step comes back to the actor.
    Returns the added person's row.
    """
    ticket = _lock(ticket)
    _check_version(ticket, expected_version)
    step, _row, _running, spec = _load(ticket, step_id, actor)
    if not is_approval(spec):
        raise InvalidTransition("Approvers can only be added to an approval step.")
    if position not in POSITIONS:
        raise ValidationFailed("Choose before or after you.", fields={"position": ["invalid choice"]})
    reason = _text(reason, "reason", required=True, limit=MAX_REASON)
    if user.pk == step.owner_id:
        raise ValidationFailed("You are already an approver here.", fields={"user": ["is you"]})
    if not policies.can_be_assigned(user, ticket):
        raise ValidationFailed(
            "That person does not work on this ticket's department.", fields={"user": ["not eligible"]}
        )
    owner, on_behalf_of = standing_in(user, clock.now())
    busy = ticket.steps.filter(task_id=step.task_id, state__in=OPEN_STEP_STATES, owner=owner)
    if busy.exists():
        raise ValidationFailed(
            "That person already has this approval open.", fields={"user": ["already added"]}
        )
    now = clock.now()
    if position == "after":
        step.state = StepState.COMPLETED
        step.completed_at = now
        step.completed_by = actor
        step.outcome = APPROVE
        step.reason = reason
        step.accepted_at = step.accepted_at or now
        step.save(update_fields=["state", "completed_at", "completed_by", "outcome", "reason", "accepted_at"])
        resumes = step.resumes
    else:
        step.state = StepState.QUEUED
        step.accepted_at = None
        step.save(update_fields=["state", "accepted_at"])
        resumes = step
    added = Step.objects.create(
        ticket=ticket,
        key=step.key,
        name=step.name,
        task_id=step.task_id,
        owner=owner,
        on_behalf_of=on_behalf_of,
        department_id=ticket.department_id,
        due_at=_step_due(spec, now, ticket),
        entered_at=now,
        resumes=resumes,
    )
    _add_participant(ticket, owner)
    data = {
        "step": step.name,
        "position": position,
        "reason": reason,
        "user": owner.pk,
        "user_name": owner.display_name,
        "due_at": added.due_at.isoformat(),
    }
    if on_behalf_of is not None:
        data["on_behalf_of"] = on_behalf_of.pk
        data["on_behalf_of_name"] = on_behalf_of.display_name
    if position == "after":
        events.record(
            ticket,
            "step_completed",
            actor=actor,
            step=step,
            data={"step": step.name, "outcome": APPROVE, "reason": reason, "changes": {}},
        )
    events.record(ticket, "approver_added", actor=actor, step=added, data=data)
    _notify(ticket, "step_assigned", [owner], f"step:{added.pk}:assigned", step=added, actor=actor)
    _touch(ticket, now)
    return added
