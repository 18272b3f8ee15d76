"""A flow step becomes Step rows: who owns it, delegation while away, and the loop cap.

``_sync_steps`` calls :func:`enter_task` once for every user task the engine has just made
ready. One task is normally one Step row; an any-one-of (或签) or all-of (会签) approval is one
row per approver, each with its own owner and due time. Whoever the rules pick, a person who
is away gets their delegate instead (recorded as "on behalf of"). When a decision sends the
ticket back more often than the flow allows (``max_loops``, default ``BATON_MAX_LOOPS``), the
step goes to the department's manager instead, with an escalation event and a notification.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from baton.accounts.models import User
from baton.tickets import events
from baton.tickets.assignment import escalation_owner, resolve_approvers, resolve_owner, standing_in
from baton.tickets.models import Step, Ticket, TicketEvent
from baton.tickets.queries import share_in_change
from baton.workflows import engine

from ._common import _add_participant, _notify


def max_loops(flow: engine.CompiledFlow) -> int:
    """The flow's own cap (process property ``max_loops``) or the site-wide ``BATON_MAX_LOOPS``."""
    raw = flow.properties.get("max_loops", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else int(settings.BATON_MAX_LOOPS)


def loop_count(ticket: Ticket) -> int:
    """How many decisions have sent this ticket back so far (including ones not yet written)."""
    written = TicketEvent.objects.filter(ticket=ticket, data__sent_back=True).count()
    pending: list[TicketEvent] = ticket.__dict__.get("_pending_events", [])
    return written + sum(1 for event in pending if event.data.get("sent_back") is True)


def enter_task(
    ticket: Ticket,
    task: engine.ActiveTask,
    running: engine.FlowInstance,
    *,
    actor: User | None,
    now: datetime,
    due_at: datetime,
    sent_back: str = "",
    previous_owner: User | None = None,
) -> list[Step]:
    """Create the Step row(s) for a task the engine just made ready; record and notify."""
    spec = task.step
    extra: dict[str, Any] = {}
    loops = loop_count(ticket) if sent_back else 0
    cap = max_loops(running.flow) if sent_back else 0
    escalated = bool(sent_back) and loops > cap
    if escalated:
        people = [escalation_owner(ticket.department)]
    else:
        people = []
        if spec.approval != "single":
            extra["approval"] = spec.approval
            people = resolve_approvers(
                spec.properties.get("approvers", ""), ticket=ticket, variables=running.data
            )
            if not people:
                extra["no_approvers"] = True
        if not people:
            people = [
                resolve_owner(
                    spec.properties.get("owner", "dispatcher"),
                    ticket=ticket,
                    variables=running.data,
                    previous_owner=previous_owner,
                )
            ]
    steps = []
    taken: set[int] = set()
    for meant_for in people:
        owner, on_behalf_of = standing_in(meant_for, now)
        if owner.pk in taken:  # two approvers delegated to the same person: one row is enough
            continue
        taken.add(owner.pk)
        step = Step.objects.create(
            ticket=ticket,
            key=spec.key,
            name=spec.name,
            task_id=task.task_id,
            owner=owner,
            on_behalf_of=on_behalf_of,
            department_id=ticket.department_id,
            due_at=due_at,
            entered_at=now,
        )
        steps.append(step)
        share_in_change(step)
        _add_participant(ticket, owner)
        data: dict[str, Any] = {
            "step": step.name,
            "owner": owner.pk,
            "owner_name": owner.display_name,
            "due_at": step.due_at.isoformat(),
            **extra,
        }
        if on_behalf_of is not None:
            data["on_behalf_of"] = on_behalf_of.pk
            data["on_behalf_of_name"] = on_behalf_of.display_name
        events.record(ticket, "step_entered", actor=actor, step=step, data=data)
        if escalated:
            events.record(
                ticket,
                "loop_escalated",
                actor=actor,
                step=step,
                data={
                    "step": step.name,
                    "loops": loops,
                    "max_loops": cap,
                    "owner": owner.pk,
                    "owner_name": owner.display_name,
                    "reason": sent_back,
                },
            )
            _notify(
                ticket,
                "escalated",
                [owner],
                f"step:{step.pk}:escalated",
                step=step,
                actor=actor,
                reason=f"↩ {loops}/{cap}: {sent_back}",
            )
        else:
            _notify(
                ticket,
                "returned" if sent_back else "step_assigned",
                [owner],
                f"step:{step.pk}:assigned",
                step=step,
                actor=actor,
                reason=sent_back,
            )
    return steps
