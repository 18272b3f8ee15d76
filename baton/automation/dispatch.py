"""Auto-dispatch: pick the technician for a dispatch step by a strategy, or leave it with the dispatcher.

Strategies (``Strategy``): department duty (fault category → responsible department; the ticket is
handed over to that department first, with the reason), region/site coverage, skill, least loaded
(fewest open active steps), round robin (a durable pointer per department, locked while the next
technician is picked) and the duty roster (who is on duty now, by ``clock.now()``). Whatever the
strategy, nobody qualifying leaves the step with the department's dispatcher, and that is recorded.

Which strategy applies to a dispatch step (a step with outcome ``assign`` that requires a
``technician``): the step's ``auto_dispatch`` property (a strategy name, or ``off``), else the
department's ``DispatchSetting``. Decisions are explained in the audit trail, e.g.
"least loaded: 张三 has 1 open step".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count

from baton.accounts import queries as people
from baton.accounts.models import Department, Role, User
from baton.core import bus, clock, refcache
from baton.core.errors import BatonError
from baton.tickets import queries as ticket_queries
from baton.tickets import services as tickets
from baton.tickets.models import OPEN_STATUSES, Step, StepState, Ticket
from baton.workflows import engine
from baton.workflows import queries as flow_queries

from .models import (
    Coverage,
    DispatchSetting,
    DutyMapping,
    RosterEntry,
    RoundRobinPointer,
    Strategy,
    TechnicianSkill,
)

log = logging.getLogger(__name__)
OFF = frozenset({"off", "none", "manual"})


@dataclass(frozen=True)
class Decision:
    strategy: str
    technician: User | None
    explanation: str
    #: Department duty: hand the ticket over to this department before dispatching.
    department: Department | None = None


# ---------------------------------------------------------------------------- which steps, which strategy


def step_spec(ticket: Ticket, step: Step) -> engine.StepSpec | None:
    """The step as drawn in the ticket's flow version (from the cached compiled flow, no instance load)."""
    if ticket.flow_instance_id is None:
        return None
    loaded = ticket.flow_instance if Ticket.flow_instance.is_cached(ticket) else None
    flow = flow_queries.flow_of_instance(loaded, ticket.flow_instance_id)
    return flow.steps.get(step.key) if flow is not None else None


def is_dispatch_step(spec: engine.StepSpec) -> bool:
    required = [part.strip() for part in spec.properties.get("require_assign", "").split(",")]
    return "assign" in spec.outcomes and "technician" in required


def strategy_for(ticket: Ticket, spec: engine.StepSpec) -> str | None:
    """The step's ``auto_dispatch`` property, else the department's setting; None for manual dispatch."""
    prop = spec.properties.get("auto_dispatch", "").strip()
    if prop:
        return prop if prop in Strategy.values else None
    return _department_strategies().get(ticket.department_id)


def _department_strategies() -> dict[int, str]:
    """Department id → its enabled strategy (kept until a setting changes: every step entered asks)."""
    return refcache.cached(
        "automation.dispatch_settings",
        ("automation_dispatchsetting",),
        lambda: dict(DispatchSetting.objects.filter(enabled=True).values_list("department_id", "strategy")),
    )


# ---------------------------------------------------------------------------- candidates


def _technicians(department: Department, exclude: Iterable[int] = ()) -> list[User]:
    excluded = set(exclude)
    return [
        u for u in people.users_with_role(Role.TECHNICIAN, department).order_by("pk") if u.pk not in excluded
    ]


def loads(users: Sequence[User]) -> dict[int, int]:
    """Open active steps each user owns."""
    rows = (
        Step.objects.filter(owner__in=users, state=StepState.ACTIVE, ticket__status__in=OPEN_STATUSES)
        .values("owner_id")
        .annotate(n=Count("pk"))
    )
    counts = {row["owner_id"]: row["n"] for row in rows}
    return {u.pk: counts.get(u.pk, 0) for u in users}


def _steps(n: int) -> str:
    return f"{n} open step" if n == 1 else f"{n} open steps"


def _least_loaded(users: Sequence[User]) -> tuple[User, int] | None:
    if not users:
        return None
    load = loads(users)
    best = min(users, key=lambda u: (load[u.pk], u.pk))
    return best, load[best.pk]


def _returned_by(ticket: Ticket) -> list[int]:
    """Technicians who sent this ticket back: not chosen for it again automatically."""
    return [
        pk
        for pk in Step.objects.filter(ticket=ticket, outcome="return").values_list(
            "completed_by_id", flat=True
        )
        if pk is not None
    ]


def _pick(strategy: str, label: str, users: Sequence[User], nobody: str) -> Decision:
    found = _least_loaded(users)
    if found is None:
        return Decision(strategy, None, nobody)
    user, n = found
    return Decision(strategy, user, f"{label}: {user.display_name} has {_steps(n)}")


def decide(strategy: str, ticket: Ticket, *, peek: bool = False) -> Decision:
    """Who ``strategy`` picks for ``ticket`` (``peek``: a dry run, the round-robin pointer stays)."""
    department = ticket.department
    exclude = _returned_by(ticket)
    if strategy == Strategy.LEAST_LOADED:
        return _pick(
            strategy, "least loaded", _technicians(department, exclude), "least loaded: no technician"
        )
    if strategy == Strategy.SKILL:
        skilled = set(
            TechnicianSkill.objects.filter(fault_category=ticket.fault_category).values_list(
                "user_id", flat=True
            )
        )
        users = [u for u in _technicians(department, exclude) if u.pk in skilled]
        return _pick(
            strategy,
            f"skill {ticket.fault_category}",
            users,
            f"skill: nobody in {department.name} can repair {ticket.fault_category}",
        )
    if strategy == Strategy.REGION:
        site = ticket.site
        if site is None:
            return Decision(strategy, None, "region/site: the ticket has no site")
        at_site = set(Coverage.objects.filter(site=site).values_list("user_id", flat=True))
        in_region = set(Coverage.objects.filter(region_id=site.region_id).values_list("user_id", flat=True))
        technicians = _technicians(department, exclude)
        users = [u for u in technicians if u.pk in at_site]
        if users:
            return _pick(strategy, f"covers site {site.code}", users, "")
        users = [u for u in technicians if u.pk in in_region]
        return _pick(
            strategy,
            f"covers region {site.region.code}",
            users,
            f"region/site: nobody covers {site.code} or its region",
        )
    if strategy == Strategy.ROSTER:
        now = clock.now()
        ids = set(
            RosterEntry.objects.filter(
                department_id__in=[d.pk for d in people.ancestors(department)],
                starts_at__lte=now,
                ends_at__gt=now,
            ).values_list("user_id", flat=True)
        )
        users = [u for u in _technicians(department, exclude) if u.pk in ids]
        return _pick(strategy, "on duty now", users, f"roster: nobody of {department.name} is on duty now")
    if strategy == Strategy.ROUND_ROBIN:
        return _round_robin(department, exclude, peek=peek)
    if strategy == Strategy.DUTY:
        mapping = (
            DutyMapping.objects.select_related("department")
            .filter(fault_category=ticket.fault_category)
            .first()
        )
        target = mapping.department if mapping else department
        why = (
            f"department duty: {ticket.fault_category} is handled by {target.name}"
            if mapping
            else f"department duty: no duty set for {ticket.fault_category}, {department.name} keeps it"
        )
        users = _technicians(target, exclude if target.pk == department.pk else ())
        found = _least_loaded(users)
        handover = target if target.pk != department.pk else None
        if found is None:
            return Decision(strategy, None, f"{why}; no technician there", handover)
        user, n = found
        return Decision(strategy, user, f"{why}; least loaded: {user.display_name} has {_steps(n)}", handover)
    return Decision(strategy, None, f"unknown strategy {strategy!r}")


def _round_robin(department: Department, exclude: Sequence[int], *, peek: bool) -> Decision:
    users = _technicians(department, exclude)
    if not users:
        return Decision(Strategy.ROUND_ROBIN, None, f"round robin: no technician in {department.name}")
    if peek:
        pointer = RoundRobinPointer.objects.filter(department=department).first()
    else:
        RoundRobinPointer.objects.get_or_create(department=department)
        # The row lock serialises concurrent dispatches of one department: each gets the next person.
        pointer = RoundRobinPointer.objects.select_for_update().get(department=department)
    last = pointer.last_user_id if pointer and pointer.last_user_id else 0
    chosen = next((u for u in users if u.pk > last), users[0])
    if pointer is not None and not peek:
        pointer.last_user_id = chosen.pk
        pointer.save(update_fields=["last_user_id"])
    return Decision(
        Strategy.ROUND_ROBIN, chosen, f"round robin: {chosen.display_name} is next in {department.name}"
    )


# ---------------------------------------------------------------------------- applying a strategy


def apply_strategy(*, ticket: Ticket, step: Step, strategy: str) -> str:
    """Dispatch ``step`` by ``strategy`` as the system; returns the explanation recorded."""
    with bus.caused_by(f"dispatch:{strategy}"):
        decision = decide(strategy, ticket)
        if decision.department is not None:
            tickets.transfer_ticket(
                ticket=ticket, department=decision.department, reason=decision.explanation
            )
            ticket = Ticket.objects.select_related("department").get(pk=ticket.pk)
        if decision.technician is None:
            explanation = f"{decision.explanation}; the step stays with the dispatcher"
            tickets.record_system_event(
                ticket=ticket,
                kind="auto_dispatch_skipped",
                step=step,
                data={"step": step.name, "strategy": strategy, "reason": explanation},
            )
            return explanation
        tickets.dispatch_as_system(
            ticket=ticket, step_id=step.pk, technician=decision.technician, why=decision.explanation
        )
        return decision.explanation


def describe(*, ticket: Ticket, strategy: str) -> str:
    """What ``strategy`` would do now, changing nothing (dry runs)."""
    decision = decide(strategy, ticket, peek=True)
    if decision.technician is None:
        return f"{decision.explanation}; the step would stay with the dispatcher"
    return decision.explanation


def waiting_dispatch_step(ticket: Ticket) -> Step | None:
    for step in ticket.steps.filter(state=StepState.ACTIVE).order_by("pk"):
        spec = step_spec(ticket, step)
        if spec is not None and is_dispatch_step(spec):
            return step
    return None


def on_department_changed(event: bus.DomainEvent) -> bool:
    """Bus subscriber: a ticket handed over by a person is dispatched by its new department's strategy."""
    if event.ticket_id is None or any(cause.startswith("dispatch:") for cause in event.causes):
        return False
    ticket = Ticket.objects.select_related("department").filter(pk=event.ticket_id).first()
    step = waiting_dispatch_step(ticket) if ticket is not None and ticket.is_open else None
    if step is None:
        return False
    return on_step_entered(
        bus.DomainEvent(name="step_entered", ticket_id=event.ticket_id, step_id=step.pk, causes=event.causes)
    )


def on_step_entered(event: bus.DomainEvent) -> bool:
    """Bus subscriber: a dispatch step was entered; dispatch it when a strategy applies.

    A failure never blocks the change that entered the step: it is rolled back to a savepoint and
    recorded, and the step stays with the dispatcher.
    """
    if event.step_id is None or event.ticket_id is None:
        return False
    entered = ticket_queries.step_in_change(event.step_id)
    if entered is None:
        return False
    entered_on = ticket_queries.ticket_in_change(event.ticket_id)
    spec = step_spec(entered_on, entered)
    if spec is None or not is_dispatch_step(spec):
        return False
    strategy = strategy_for(entered_on, spec)
    if strategy is None:
        return False
    step = next(  # the row as it is now: still active, on an open ticket (locked by the service)
        iter(
            Step.objects.select_related("ticket", "ticket__department")
            .filter(pk=event.step_id, state=StepState.ACTIVE)
            .order_by()[:1]
        ),
        None,
    )
    if step is None or not step.ticket.is_open:
        return False
    ticket = step.ticket
    try:
        with bus.savepoint():
            apply_strategy(ticket=ticket, step=step, strategy=strategy)
    except Exception as exc:
        if not isinstance(exc, BatonError):
            log.exception("auto-dispatch failed for ticket %s", ticket.pk)
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        try:
            with bus.savepoint():
                tickets.record_system_event(
                    ticket=ticket,
                    kind="auto_dispatch_failed",
                    step=step,
                    data={"step": step.name, "strategy": strategy, "error": message[:500]},
                )
        except Exception:
            log.exception("could not record the auto-dispatch failure of ticket %s", ticket.pk)
    return True
