"""Every write to tickets. Verb-named, keyword-only, atomic; each appends audit events.

Views, API handlers and tasks authorise through ``policies`` and then call exactly one of
these. Each function locks the ticket row, re-checks what it needs, changes the rows and the
flow, and records ``TicketEvent`` rows in the same transaction. Bad input raises a
``BatonError`` before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from baton.accounts import queries as people
from baton.accounts.models import Role, User
from baton.assets.models import Asset
from baton.core import clock
from baton.core.durations import parse_duration
from baton.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from baton.customers.models import Site
from baton.notifications import services as notifications
from baton.workflows import engine
from baton.workflows import policies as flow_policies
from baton.workflows import queries as flow_queries
from baton.workflows import services as flows
from baton.workflows.models import FlowInstance, FlowVersion

from . import events, policies
from .assignment import resolve_owner
from .attachments import clean_upload
from .models import (
    Attachment,
    Channel,
    Comment,
    FaultCategory,
    Participant,
    Priority,
    Status,
    Step,
    StepState,
    Ticket,
    TicketCounter,
    TicketType,
)

RESOLVE_TARGETS = {
    Priority.URGENT: timedelta(hours=4),
    Priority.HIGH: timedelta(hours=8),
    Priority.NORMAL: timedelta(hours=24),
    Priority.LOW: timedelta(hours=72),
}
DEFAULT_STEP_SLA = timedelta(hours=8)
MAX_TEXT = 5000
MAX_REASON = 1000


# ---------------------------------------------------------------------------- helpers


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock (SQLite: the IMMEDIATE transaction already serialises)."""
    return Ticket.objects.select_for_update().select_related("department", "requester").get(pk=ticket.pk)


def _check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(
            f"The ticket was changed by someone else (version {ticket.version}, you had {expected_version}). "
            "Reload it and try again."
        )


def _text(value: Any, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text.", fields={field: ["must be text"]})
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed(f"{field} contains a NUL character.", fields={field: ["invalid character"]})
    if required and not value:
        raise ValidationFailed(f"{field} is required.", fields={field: ["required"]})
    if len(value) > limit:
        raise ValidationFailed(
            f"{field} is longer than {limit} characters.", fields={field: [f"at most {limit} characters"]}
        )
    return value


def _choice(value: Any, field: str, choices: type[Any]) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            f"{field} must be one of: {', '.join(choices.values)}.", fields={field: ["invalid choice"]}
        )
    return str(value)


def _next_number(now: datetime) -> str:
    """Today's next number, from one UPDATE … RETURNING (the row lock serialises concurrent writers)."""
    day = now.astimezone(clock_zone()).strftime("%Y%m%d")
    table = TicketCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last"  # noqa: S608 - our table name
    with connection.cursor() as cursor:
        cursor.execute(sql, [day])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    TicketCounter.objects.create(day=day, last=1)
                row = (1,)
            except IntegrityError:
                cursor.execute(sql, [day])
                row = cursor.fetchone()
    assert row is not None
    return f"{settings.BATON_TICKET_PREFIX}-{day}-{row[0]:04d}"


def clock_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _add_participant(ticket: Ticket, user: User) -> None:
    participant = Participant(ticket=ticket, user=user, department_id=ticket.department_id)
    Participant.objects.bulk_create([participant], ignore_conflicts=True)


def _notify(
    ticket: Ticket,
    event: str,
    recipients: Sequence[User],
    key: str,
    *,
    step: Step | None = None,
    actor: User | None = None,
    reason: str = "",
) -> None:
    """Queue notifications in this transaction (the outbox delivers them after commit)."""
    people = [user for user in recipients if actor is None or user.pk != actor.pk]
    if not people:
        return
    notifications.notify(
        recipients=people,
        event=event,
        context={
            "ticket_number": ticket.number,
            "ticket_title": ticket.title,
            "step_name": step.name if step else "",
            "due_at": step.due_at if step else ticket.due_at,
            "actor": actor.display_name if actor else "Baton",
            "reason": reason,
        },
        urgent=ticket.priority == Priority.URGENT,
        ticket_id=ticket.pk,
        idempotency_key=key,
    )


def _touch(ticket: Ticket, now: datetime, *fields: str) -> None:
    """Write the recorded events, then save the ticket with its new version and chain head."""
    events.flush(ticket)
    ticket.version += 1
    ticket.updated_at = now
    ticket.save(update_fields=["version", "updated_at", "audit_seq", "audit_head", *fields])


def _routing_variables(ticket: Ticket) -> dict[str, Any]:
    return {
        "priority": ticket.priority,
        "type": ticket.type,
        "fault_category": ticket.fault_category,
        "customer_level": ticket.customer.level if ticket.customer else "normal",
        "under_warranty": ticket.under_warranty,
        "is_drill": ticket.is_drill,
    }


# ---------------------------------------------------------------------------- steps <-> flow


def _step_due(step_spec: engine.StepSpec, now: datetime) -> datetime:
    sla = step_spec.properties.get("sla")
    try:
        return now + (parse_duration(sla) if sla else DEFAULT_STEP_SLA)
    except ValueError:
        return now + DEFAULT_STEP_SLA


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
    open_steps = [] if fresh else list(ticket.steps.filter(state=StepState.ACTIVE).select_related("owner"))
    previous_owner = None
    for step in open_steps:
        previous_owner = step.owner
        if step.task_id not in active:
            step.state = StepState.CANCELLED
            step.completed_at = now
            step.save(update_fields=["state", "completed_at"])
            events.record(ticket, "step_cancelled", actor=actor, step=step, data={"step": step.name})
    known = {step.task_id for step in open_steps}
    last_completed = (
        None if fresh else ticket.steps.filter(state=StepState.COMPLETED).select_related("owner").last()
    )
    if last_completed is not None:
        previous_owner = last_completed.owner
    for task_id, task in active.items():
        if task_id in known:
            continue
        spec = task.step
        owner = resolve_owner(
            spec.properties.get("owner", "dispatcher"),
            ticket=ticket,
            variables=running.data,
            previous_owner=previous_owner,
        )
        step = Step.objects.create(
            ticket=ticket,
            key=spec.key,
            name=spec.name,
            task_id=task_id,
            owner=owner,
            department_id=ticket.department_id,
            due_at=_step_due(spec, now),
            entered_at=now,
        )
        _add_participant(ticket, owner)
        _notify(
            ticket,
            "returned" if sent_back else "step_assigned",
            [owner],
            f"step:{step.pk}:assigned",
            step=step,
            actor=actor,
            reason=sent_back,
        )
        events.record(
            ticket,
            "step_entered",
            actor=actor,
            step=step,
            data={
                "step": step.name,
                "owner": owner.pk,
                "owner_name": owner.display_name,
                "due_at": step.due_at.isoformat(),
            },
        )
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


def _save_flow(ticket: Ticket, row: FlowInstance, running: engine.FlowInstance) -> None:
    flows.save_instance(row, running)


# ---------------------------------------------------------------------------- create


@transaction.atomic
def create_ticket(
    *,
    requester: User,
    title: str,
    description: str = "",
    ticket_type: str = TicketType.STORE_REPAIR,
    fault_category: str = FaultCategory.OTHER,
    priority: str = Priority.NORMAL,
    site: Site | None = None,
    asset: Asset | None = None,
    channel: str = Channel.WEB,
    is_drill: bool = False,
    photos: Sequence[tuple[str, bytes]] = (),
    created_by: User | None = None,
) -> Ticket:
    """Open a ticket, start its flow and hand its first step to an owner."""
    actor = created_by or requester
    title = _text(title, "title", required=True, limit=200)
    description = _text(description, "description")
    _choice(ticket_type, "type", TicketType)
    _choice(fault_category, "fault_category", FaultCategory)
    _choice(priority, "priority", Priority)
    _choice(channel, "channel", Channel)
    if asset is not None:
        if site is not None and asset.site_id != site.pk:
            raise ValidationFailed("The asset is not at that site.", fields={"asset": ["not at the site"]})
        site = asset.site
    if site is None:
        raise ValidationFailed("Choose the site (store) or the asset.", fields={"site": ["required"]})
    if site.region.department is None:
        raise ValidationFailed(
            f"Region {site.region} has no service department.", fields={"site": ["no department"]}
        )
    cleaned = [clean_upload(name, data) for name, data in photos]
    version = flow_queries.current_version(ticket_type)
    if version is None:
        raise ValidationFailed("No flow is deployed for this ticket type.", fields={"type": ["no flow"]})

    now = clock.now()
    customer = (asset.customer if asset and asset.customer_id else None) or site.customer
    ticket = Ticket(
        number=_next_number(now),
        title=title,
        description=description,
        type=ticket_type,
        fault_category=fault_category,
        priority=priority,
        status=Status.NEW,
        site=site,
        asset=asset,
        customer=customer,
        department=site.region.department,
        requester=requester,
        channel=channel,
        asset_model=asset.model if asset else "",
        under_warranty=asset.under_warranty(now.astimezone(clock_zone()).date()) if asset else None,
        due_at=now + RESOLVE_TARGETS[Priority(priority)],
        created_at=now,
        updated_at=now,
        is_drill=bool(is_drill),
    )
    row, running = flows.start_instance(version=version, data=_routing_variables(ticket))
    ticket.flow_instance = row
    ticket.save(force_insert=True)
    events.record(
        ticket,
        "created",
        actor=actor,
        data={
            "title": title,
            "priority": priority,
            "site": site.code,
            "asset": asset.code if asset else None,
            "channel": channel,
            "due_at": ticket.due_at.isoformat() if ticket.due_at else None,
        },
    )
    for item in cleaned:
        _store_attachment(ticket, item, uploaded_by=actor, comment=None, internal=False, now=now)
    _sync_steps(ticket, running, actor=actor, now=now, fresh=True)
    events.flush(ticket)
    ticket.save(update_fields=["status", "closed_at", "audit_seq", "audit_head"])
    return ticket


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


@transaction.atomic
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


@transaction.atomic
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
    events.record(
        ticket,
        kind,
        actor=actor,
        step=step,
        data={"step": step.name, "outcome": outcome, "reason": reason, "changes": changes},
    )
    sent_back = reason if outcome in _list_property(spec, "reason_required") else ""
    _sync_steps(ticket, running, actor=actor, now=now, sent_back=sent_back)
    _save_flow(ticket, row, running)
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


@transaction.atomic
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


@transaction.atomic
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


# ---------------------------------------------------------------------------- comments, files, fields


def _store_attachment(
    ticket: Ticket, item: Any, *, uploaded_by: User, comment: Comment | None, internal: bool, now: datetime
) -> Attachment:
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        uploaded_by=uploaded_by,
        original_name=item.name,
        content_type=item.content_type,
        size=len(item.content),
        width=item.width,
        height=item.height,
        internal=internal,
        created_at=now,
    )
    attachment.file.save(item.name, ContentFile(item.content), save=False)
    if item.thumbnail:
        attachment.thumbnail.save(
            f"thumb-{item.name.rsplit('.', 1)[0]}.jpg", ContentFile(item.thumbnail), save=False
        )
    attachment.save(force_insert=True)
    events.record(
        ticket,
        "attachment_added",
        actor=uploaded_by,
        data={"attachment": attachment.pk, "name": item.name, "size": attachment.size, "internal": internal},
    )
    return attachment


@transaction.atomic
def add_comment(
    *,
    ticket: Ticket,
    actor: User,
    body: str,
    internal: bool = False,
    files: Sequence[tuple[str, bytes]] = (),
) -> Comment:
    ticket = _lock(ticket)
    if not policies.can_comment(actor, ticket):
        raise NotFound("Ticket not found.")
    body = _text(body, "body", required=not files)
    if internal and not policies.can_see_internal(actor, ticket):
        raise Forbidden("Only staff can write internal comments.")
    cleaned = [clean_upload(name, data) for name, data in files]
    now = clock.now()
    step = ticket.steps.filter(state=StepState.ACTIVE).first()
    comment = Comment.objects.create(
        ticket=ticket, step=step, author=actor, body=body, internal=internal, created_at=now
    )
    events.record(
        ticket,
        "comment_added",
        actor=actor,
        step=step,
        data={"comment": comment.pk, "internal": internal, "body": body[:200]},
    )
    for item in cleaned:
        _store_attachment(ticket, item, uploaded_by=actor, comment=comment, internal=internal, now=now)
    _touch(ticket, now)
    return comment


EDITABLE_FIELDS = {"title", "description", "priority", "fault_category"}


@transaction.atomic
def update_ticket(
    *, ticket: Ticket, actor: User, changes: Mapping[str, Any], expected_version: int | None = None
) -> Ticket:
    """Change descriptive fields; a stale ``expected_version`` is refused with Conflict."""
    ticket = _lock(ticket)
    if not policies.can_edit(actor, ticket):
        raise Forbidden("You may not edit this ticket.")
    _check_version(ticket, expected_version)
    unknown = set(changes) - EDITABLE_FIELDS
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
    diff = {k: [getattr(ticket, k), v] for k, v in cleaned.items() if getattr(ticket, k) != v}
    if not diff:
        return ticket
    for field, (_, after) in diff.items():
        setattr(ticket, field, after)
    now = clock.now()
    if "priority" in diff:
        ticket.due_at = ticket.created_at + RESOLVE_TARGETS[Priority(ticket.priority)]
        diff["due_at"] = [None, ticket.due_at.isoformat()]
    events.record(ticket, "fields_changed", actor=actor, data={"changes": diff})
    _touch(ticket, now, *cleaned.keys(), "due_at")
    return ticket


# ---------------------------------------------------------------------------- timers


def fire_due_timers(*, limit: int = 100) -> int:
    """Fire the flow timers that are due; each ticket in its own transaction. Returns how many."""
    fired = 0
    now = clock.now()
    for instance_id in list(flow_queries.due_instances(now, limit).values_list("pk", flat=True)):
        with transaction.atomic():
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
            _save_flow(ticket, row, running)
            _touch(ticket, now, "status", "closed_at")
            fired += 1
    return fired


# ---------------------------------------------------------------------------- flow versions


@transaction.atomic
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
    open_steps = list(ticket.steps.filter(state=StepState.ACTIVE))
    claimed = {step.task_id for step in open_steps}
    for step in open_steps:
        if any(task.task_id == step.task_id for task in active):
            continue
        match = next((t for t in active if t.step.key == step.key and t.task_id not in claimed), None)
        if match is not None:
            step.task_id = match.task_id
            claimed.add(match.task_id)
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
    _save_flow(ticket, row, running)
    _touch(ticket, now, "status", "closed_at")
    return ticket
