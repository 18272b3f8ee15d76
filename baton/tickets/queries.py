"""Reads for the to-do page and ticket lists. Every query starts from ``policies.visible_tickets``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from baton.accounts import queries as people
from baton.core import bus, clock
from baton.workflows import services as flows

from .models import OPEN_STATUSES, Comment, Step, StepState, Ticket, TicketEvent
from .policies import can_see_internal, visible_tickets

LIST_RELATED = ("site", "requester", "department")


# ---------------------------------------------------------------------------- inside a change (subscribers)


def share_in_change(obj: Ticket | Step) -> None:
    """Let the subscribers reacting to this change use ``obj`` as written, instead of reading it again.

    ``events.flush`` shares the ticket (so the latest instance a service saved is the one shared)
    and ``services.entering`` the steps it creates. Outside a bus change this does nothing.
    """
    if bus.publishing():
        bus.scratch()[_shared(type(obj), obj.pk)] = obj


def _shared(model: type[Ticket | Step], pk: int) -> tuple[str, int]:
    """The ``bus.scratch`` key an object written in this change is shared under."""
    return (f"shared.{model.__name__}", pk)


def ticket_in_change(ticket_id: int) -> Ticket:
    """The ticket as the change being delivered left it: the instance the ticket service saved
    last, else read (with its customer and department) and shared with the next subscribers.

    For reading; a subscriber that changes the ticket goes through a ticket service, which locks
    and re-reads the row.
    """
    shared = bus.scratch()
    ticket: Ticket | None = shared.get(_shared(Ticket, ticket_id))
    if ticket is None:
        ticket = Ticket.objects.select_related("customer", "department").get(pk=ticket_id)
        shared[_shared(Ticket, ticket_id)] = ticket
    return ticket


def step_in_change(step_id: int) -> Step | None:
    """A step entered in this change as it was created (with its owner), else read.

    For what does not change once a step is entered — key, name, ticket, entered and due times;
    read the row again for its state.
    """
    step: Step | None = bus.scratch().get(_shared(Step, step_id))
    if step is None:
        step = Step.objects.select_related("owner").filter(pk=step_id).order_by().first()
    return step


@dataclass(frozen=True)
class TodoPage:
    mine: list[Step]
    queue: list[Step]
    mine_count: int
    mine_overdue: int
    queue_count: int


#: What a to-do row on the web page shows (the API's rows carry the whole ticket and collaborators).
_WEB_ROW_FIELDS = (
    *(f.name for f in Step._meta.concrete_fields),
    "ticket__id",
    "ticket__number",
    "ticket__title",
    "ticket__priority",
    "ticket__status",
    "ticket__site_id",
    "ticket__site__id",
    "ticket__site__name",
    "owner__id",
    "owner__name",
    "owner__username",
)


def _step_rows(qs: QuerySet[Step], *, full: bool) -> QuerySet[Step]:
    # Fewer columns also means less work compiling the ORDER BY (Django hashes every selected column).
    if full:
        qs = qs.select_related("ticket", "ticket__site", "ticket__requester", "owner").prefetch_related(
            "collaborators"
        )
    else:
        qs = qs.select_related("ticket", "ticket__site", "owner").only(*_WEB_ROW_FIELDS)
    return qs.order_by("due_at", "id")


def todo_for(user: Any, *, limit: int = 20, full: bool = True) -> TodoPage:
    """The user's own active steps (overdue first: earliest due first) and their department's queue.

    ``full=False`` loads only what the web page's rows show (no requester, no collaborators).
    """
    now = clock.now()
    mine_qs = Step.objects.filter(owner_id=user.pk, state=StepState.ACTIVE)
    mine = list(_step_rows(mine_qs, full=full)[:limit])
    counts = mine_qs.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    mine_count, mine_overdue = counts["total"], counts["overdue"]
    scope = people.scope_department_ids(user) if not people.is_admin(user) else None
    queue_qs = Step.objects.filter(state=StepState.ACTIVE).exclude(owner_id=user.pk)
    if scope is not None:
        queue_qs = queue_qs.filter(department_id__in=scope) if scope else queue_qs.none()
    queue = list(_step_rows(queue_qs, full=full)[:limit])
    return TodoPage(
        mine=mine, queue=queue, mine_count=mine_count, mine_overdue=mine_overdue, queue_count=queue_qs.count()
    )


@dataclass(frozen=True)
class TicketFilters:
    q: str = ""
    status: str = ""
    priority: str = ""
    site: int | None = None
    open_only: bool = False
    overdue: bool = False
    mine: bool = False


def ticket_list(user: Any, filters: TicketFilters) -> QuerySet[Ticket]:
    qs = visible_tickets(user)
    if filters.q:
        term = filters.q.strip()[:100]
        qs = qs.filter(Q(number__icontains=term) | Q(title__icontains=term) | Q(asset__code__iexact=term))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=clock.now())
    if filters.mine:
        mine = Step.objects.filter(owner_id=user.pk, state=StepState.ACTIVE).values("ticket_id")
        qs = qs.filter(Q(requester_id=user.pk) | Q(pk__in=mine))
    return qs.select_related(*LIST_RELATED).order_by("-created_at", "-id")


def open_reported_by(user: Any, *, limit: int = 10) -> list[Ticket]:
    """The user's own open reports, newest first (a requester always sees their own tickets)."""
    qs = Ticket.objects.filter(requester_id=user.pk, status__in=OPEN_STATUSES)
    return list(qs.select_related(*LIST_RELATED).order_by("-created_at", "-id")[:limit])


def ticket_timeline(user: Any, ticket: Ticket) -> list[TicketEvent]:
    events = ticket.events.select_related("actor", "step").order_by("seq")
    if not can_see_internal(user, ticket):
        # Not exclude(data__internal=True): in SQL that also drops events without the key (NULL).
        events = events.filter(Q(data__internal=False) | Q(data__internal__isnull=True))
    return list(events)


def ticket_comments(user: Any, ticket: Ticket) -> list[Comment]:
    comments = ticket.comments.select_related("author").prefetch_related("attachments").order_by("created_at")
    if not can_see_internal(user, ticket):
        comments = comments.filter(internal=False)
    return list(comments)


def ticket_steps(ticket: Ticket) -> list[Step]:
    """The ticket's steps in the order they were entered (sorted here: cheaper than ORDER BY's compile).

    A ticket just opened carries its steps in Django's prefetch cache (``create_ticket`` puts them
    there; ``refresh_from_db`` drops it when something changed the ticket afterwards).
    """
    cached = getattr(ticket, "_prefetched_objects_cache", {}).get("steps")
    steps = (
        cached
        if cached is not None
        else ticket.steps.select_related("owner", "completed_by", "on_behalf_of")
        .prefetch_related("collaborators")
        .order_by()
    )
    return sorted(steps, key=lambda step: (step.entered_at, step.pk))


def ticket_attachments(user: Any, ticket: Ticket) -> QuerySet[Any]:
    qs = ticket.attachments.all()
    if not can_see_internal(user, ticket):
        qs = qs.filter(internal=False)
    return qs


def send_back_targets(ticket: Ticket, step: Step) -> list[tuple[str, str]]:
    """(key, name) of the steps ``step`` may reject the ticket back to (驳回至), nearest first."""
    if step.state != StepState.ACTIVE or ticket.flow_instance_id is None:
        return []
    row = ticket.flow_instance
    if row is None:
        return []
    running = flows.load_instance(row)
    task = next((t for t in running.active_tasks() if t.task_id == step.task_id), None)
    if task is None or not task.step.back_to:
        return []
    allowed = task.step.back_to
    passed = set(ticket.steps.filter(state=StepState.COMPLETED).values_list("key", flat=True))
    return [
        (key, running.flow.steps[key].name)
        for key in running.back_targets(step.task_id)
        if key in passed and ("*" in allowed or key in allowed)
    ]
