"""Escalation along the org chart: who hears about a stalled step, when, and on which channels.

Levels counted from the step's start are armed when the step clock starts; levels counted from
the breach are armed when the breach fires (from the real breach time, so after a worker outage
the levels that are already due fire at once, each once). Accepting, completing, returning,
reassigning or cancelling the step deletes its unfired levels (:func:`disarm`), as does putting
the ticket on hold. A reassigned step (转派) gets its levels again for the new owner
(:func:`rearm_for_new_owner`), counted from the reassignment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from baton.accounts.models import Department, User
from baton.core import refcache
from baton.notifications import services as notifications
from baton.notifications.models import Channel, ChannelEndpoint
from baton.sla.models import (
    ClockState,
    EscalationAnchor,
    EscalationLevel,
    EscalationTarget,
    SlaClock,
    SlaTimer,
    TimerKind,
)
from baton.tickets.models import Priority, Step, StepState, Ticket

PEOPLE_CHANNELS = (Channel.IN_APP, Channel.EMAIL, Channel.SMS)
ROBOT_CHANNELS = (Channel.DINGTALK, Channel.WECOM, Channel.FEISHU)
ALL_CHANNELS = (*PEOPLE_CHANNELS, *ROBOT_CHANNELS)


def active_levels() -> tuple[EscalationLevel, ...]:
    """Every level of the active escalation policies, by policy then level (kept until one changes)."""
    return refcache.cached(
        "sla.escalation_levels",
        ("sla_escalationpolicy", "sla_escalationlevel"),
        lambda: tuple(
            EscalationLevel.objects.filter(policy__active=True)
            .select_related("policy")
            .order_by("policy_id", "level", "pk")
        ),
    )


def levels_for(*, ticket: Ticket, step_key: str) -> list[EscalationLevel]:
    return [
        level
        for level in active_levels()
        if level.policy.step_key in ("", step_key)
        and level.policy.ticket_type in ("", ticket.type)
        and level.policy.priority in ("", ticket.priority)
    ]


def _level_timers(
    clock: SlaClock, anchor: str, since: datetime, ticket: Ticket, step_key: str
) -> list[SlaTimer]:
    return [
        SlaTimer(
            clock=clock,
            ticket_id=clock.ticket_id,
            kind=TimerKind.ESCALATION,
            level=level,
            due_at=since + level.delay,
        )
        for level in levels_for(ticket=ticket, step_key=step_key)
        if level.anchor == anchor
    ]


def _arm(clock: SlaClock, anchor: str, since: datetime, ticket: Ticket, step_key: str) -> int:
    rows = _level_timers(clock, anchor, since, ticket, step_key)
    SlaTimer.objects.bulk_create(rows)
    return len(rows)


def step_level_timers(*, clock: SlaClock, step: Step, ticket: Ticket) -> list[SlaTimer]:
    """The (unsaved) timers of the levels counted from the step's start, for a new step clock."""
    return _level_timers(clock, EscalationAnchor.STEP_START, step.entered_at, ticket, step.key)


def arm_breach_levels(*, clock: SlaClock, step: Step, ticket: Ticket, breached_at: datetime) -> int:
    if not is_unhandled(step):
        return 0
    return _arm(clock, EscalationAnchor.BREACH, breached_at, ticket, step.key)


def rearm_for_new_owner(*, step: Step, ticket: Ticket, since: datetime) -> int:
    """Re-arm a reassigned step's escalation levels for its new owner; returns how many were armed.

    The old owner's unfired levels are deleted first (levels already fired stay in the history).
    Levels are counted from the reassignment (``since``), not from the step start: the new owner
    gets the whole delay the policy gives an owner (a level "2 h untouched" fires 2 h after the
    hand-over if the new owner has not accepted by then). Breach-anchored levels of a step whose
    clock has already breached count from the reassignment too; before the breach they are armed
    when it fires, as usual. Nothing is armed while the step clock is not running (the ticket is
    on hold, or the clock stopped).
    """
    disarm(step_ids=[step.pk])
    running = SlaClock.objects.filter(step_id=step.pk, state=ClockState.RUNNING).order_by("-pk").first()
    if running is None or not is_unhandled(step):
        return 0
    armed = _arm(running, EscalationAnchor.STEP_START, since, ticket, step.key)
    if running.breached_at is not None:
        armed += _arm(running, EscalationAnchor.BREACH, since, ticket, step.key)
    return armed


def is_unhandled(step: Step) -> bool:
    return step.state == StepState.ACTIVE and step.accepted_at is None


def disarm(*, step_ids: Sequence[int]) -> int:
    """Delete the unfired escalation levels of these steps; returns how many."""
    deleted, _ = SlaTimer.objects.filter(
        clock__step_id__in=list(step_ids), kind=TimerKind.ESCALATION, fired_at__isnull=True
    ).delete()
    return int(deleted)


def _managers_up(department: Department | None) -> list[User]:
    """Managers from ``department`` up to the root, nearest first (no repeats)."""
    if department is None:
        return []
    ids = [int(part) for part in department.path.strip("/").split("/") if part.isdigit()] or [department.pk]
    rows = {d.pk: d for d in Department.objects.filter(pk__in=ids).select_related("manager")}
    people: list[User] = []
    for department_id in reversed(ids):
        row = rows.get(department_id)
        if row is not None and row.manager is not None and row.manager not in people:
            people.append(row.manager)
    return people


def recipients(targets: Sequence[str], *, step: Step, ticket: Ticket) -> list[User]:
    """The people a level names, in order, without repeats; unknown or missing roles are skipped."""
    people: list[User] = []
    managers = _managers_up(ticket.department)
    for target in targets:
        person: User | None = None
        if target == EscalationTarget.OWNER:
            person = step.owner
        elif target == EscalationTarget.SUPERIOR:
            person = step.owner.superior
        elif target == EscalationTarget.DISPATCHER:
            person = ticket.department.dispatcher
        elif target == EscalationTarget.DEPARTMENT_MANAGER:
            person = managers[0] if managers else None
        elif target == EscalationTarget.REGION_MANAGER:
            person = managers[1] if len(managers) > 1 else None
        if person is not None and person.is_active and person not in people:
            people.append(person)
    return people


def send(
    *, level: EscalationLevel, step: Step, ticket: Ticket, key: str, context: dict[str, object]
) -> list[User]:
    """Notify a level's people on its personal channels and post to its robots; returns the people."""
    people = recipients(level.targets, step=step, ticket=ticket)
    channels = [c for c in level.channels if c in PEOPLE_CHANNELS and c != Channel.IN_APP]
    if people:
        notifications.notify(
            recipients=people,
            event="escalated",
            context=context,
            urgent=ticket.priority == Priority.URGENT,
            channels=channels,
            ticket_id=ticket.pk,
            idempotency_key=key,
        )
    robots = [c for c in level.channels if c in ROBOT_CHANNELS]
    if robots:
        for endpoint in ChannelEndpoint.objects.filter(kind__in=robots, enabled=True).order_by("pk"):
            notifications.notify_endpoint(
                endpoint=endpoint,
                event="escalated",
                context=context,
                idempotency_key=key,
                ticket_id=ticket.pk,
            )
    return people
