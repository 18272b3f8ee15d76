"""Keeping Step rows in step with the flow engine: mirroring active tasks, timers, version migration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from baton.accounts.models import User
from baton.core import bus, clock
from baton.core.durations import parse_duration
from baton.core.errors import Forbidden, InvalidTransition
from baton.sla import queries as sla_queries
from baton.tickets import events
from baton.tickets.models import OPEN_STEP_STATES, Status, Step, StepState, Ticket
from baton.workflows import engine
from baton.workflows import policies as flow_policies
from baton.workflows import queries as flow_queries
from baton.workflows import services as flows
from baton.workflows.models import FlowInstance, FlowVersion

from ._common import DEFAULT_STEP_SLA, _lock, _notify, _touch
from .entering import enter_task

# ---------------------------------------------------------------------------- steps <-> flow


def _step_due(step_spec: engine.StepSpec, now: datetime, ticket: Ticket) -> datetime:
    sla = step_spec.properties.get("sla")
    try:
        own = parse_duration(sla) if sla else DEFAULT_STEP_SLA
    except ValueError:
        own = DEFAULT_STEP_SLA
    business = step_spec.properties.get("sla_business") == "true"
    return sla_queries.step_due(
        ticket=ticket, step_key=step_spec.key, start=now, fallback=own, business=business
    )


def _sync_steps(
    ticket: Ticket,
    running: engine.FlowInstance,
    *,
    actor: User | None,
    now: datetime,
    sent_back: str = "",
    fresh: bool = False,
) -> None:
    """Mirror the engine's active user tasks as Step rows, and the ticket status with them.

    ``sent_back`` is the reason when the step just completed was a return or a rejection: the new
    owners hear about it as that, with the reason, rather than as a plain assignment. ``fresh``
    says the ticket is new and has no steps yet (saves two queries on the hottest path).
    """
    active = {task.task_id: task for task in running.active_tasks()}
    opened = ticket.steps.filter(state__in=OPEN_STEP_STATES)
    open_steps = [] if fresh else list(opened.select_related("owner"))
    previous_owner = None
    for step in open_steps:
        previous_owner = step.owner
        if step.task_id not in active:
            step.state = StepState.CANCELLED
            step.completed_at = now
            step.save(update_fields=["state", "completed_at"])
            events.record(ticket, "step_cancelled", actor=actor, step=step, data={"step": step.name})
    known = {step.task_id for step in open_steps}
    created: list[Step] = []
    last_completed = (
        None if fresh else ticket.steps.filter(state=StepState.COMPLETED).select_related("owner").last()
    )
    if last_completed is not None:
        previous_owner = last_completed.owner
    for task_id, task in active.items():
        if task_id in known:
            continue
        entered = enter_task(
            ticket,
            task,
            running,
            actor=actor,
            now=now,
            due_at=_step_due(task.step, now, ticket),
            sent_back=sent_back,
            previous_owner=previous_owner,
        )
        if fresh:
            for step in entered:
                _cache_related(step, "collaborators", [])
            created.extend(entered)
    if fresh:
        _cache_related(ticket, "steps", created)  # the API answers with them without a query
    before = ticket.status
    if running.is_completed():
        ticket.status = Status.CLOSED
        ticket.closed_at = now
        _notify(ticket, "ticket_closed", [ticket.requester], f"ticket:{ticket.pk}:closed", actor=actor)
    else:
        statuses = [t.step.properties.get("status") for t in active.values()]
        ticket.status = next((s for s in statuses if s in Status.values), Status.IN_PROGRESS)
    if before != ticket.status:
        events.record(
            ticket, "status_changed", actor=actor, data={"changes": {"status": [before, ticket.status]}}
        )


def _cache_related(instance: Any, name: str, rows: list[Any]) -> None:
    """Fill Django's prefetch cache for ``instance.<name>`` as ``prefetch_related`` would."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


# ---------------------------------------------------------------------------- timers


def fire_due_timers(*, limit: int = 100) -> int:
    """Fire the flow timers that are due; each ticket in its own transaction. Returns how many."""
    fired = 0
    now = clock.now()
    for instance_id in list(flow_queries.due_instances(now, limit).values_list("pk", flat=True)):
        with bus.atomic_block():
            row = (
                FlowInstance.objects.select_for_update(skip_locked=True)
                .select_related("version")
                .filter(pk=instance_id, next_timer_due__lte=now, completed=False)
                .first()
            )
            if row is None:
                continue
            ticket = (
                Ticket.objects.select_for_update()
                .select_related("department", "requester")
                .get(flow_instance=row)
            )
            running = flows.load_instance(row)
            running.fire_due_timers()
            _sync_steps(ticket, running, actor=None, now=now)
            flows.save_instance(row, running)
            _touch(ticket, now, "status", "closed_at")
            fired += 1
    return fired


# ---------------------------------------------------------------------------- flow versions


@bus.atomic
def migrate_ticket_flow(*, ticket: Ticket, to_version: FlowVersion, actor: User) -> Ticket:
    """Move an in-flight ticket's flow onto another version of the same flow (admins only).

    Waiting timers keep their due times; open steps keep their rows (matched by task id, or
    by step key when the engine gave the task a new id). A ticket whose current step does not
    exist in ``to_version`` is refused with the reason (:class:`InvalidTransition`), unchanged.
    """
    if not flow_policies.can_design(actor):
        raise Forbidden("Only an administrator can migrate tickets to another flow version.")
    ticket = _lock(ticket)
    if ticket.flow_instance_id is None:
        raise InvalidTransition("This ticket has no flow.")
    row = FlowInstance.objects.select_for_update().select_related("version").get(pk=ticket.flow_instance_id)
    from_version = row.version
    if from_version.definition_id != to_version.definition_id:
        raise InvalidTransition("The ticket runs another flow; it can only move to a version of its own.")
    if from_version.pk == to_version.pk:
        raise InvalidTransition(f"The ticket already runs version {to_version.number}.")
    if row.completed:
        raise InvalidTransition("The ticket's flow has finished; there is nothing to migrate.")
    try:
        running = engine.migrate_instance(flows.load_instance(row), flows.flow_of(to_version))
    except engine.EngineError as exc:
        raise InvalidTransition(str(exc)) from exc

    now = clock.now()
    active = running.active_tasks()
    open_steps = list(ticket.steps.filter(state__in=OPEN_STEP_STATES))
    claimed = {step.task_id for step in open_steps}
    moved: dict[str, str] = {}  # old task id -> new (several approvers' rows share one task)
    for step in open_steps:
        if any(task.task_id == step.task_id for task in active):
            continue
        match_id = moved.get(step.task_id)
        if match_id is None:
            match = next((t for t in active if t.step.key == step.key and t.task_id not in claimed), None)
            match_id = match.task_id if match is not None else None
        if match_id is not None:
            moved[step.task_id] = match_id
            step.task_id = match_id
            claimed.add(match_id)
            step.save(update_fields=["task_id"])
    events.record(
        ticket,
        "flow_migrated",
        actor=actor,
        data={"flow": from_version.definition.key, "from": from_version.number, "to": to_version.number},
    )
    _sync_steps(ticket, running, actor=actor, now=now)
    FlowInstance.objects.filter(pk=row.pk).update(version=to_version)
    row.version = to_version
    flows.save_instance(row, running)
    _touch(ticket, now, "status", "closed_at")
    return ticket
