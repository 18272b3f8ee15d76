"""Helpers shared by the ticket services: validation, numbering, the audit/notify/save tail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from baton.accounts.models import User
from baton.core.errors import Conflict, ValidationFailed
from baton.notifications import services as notifications
from baton.tickets import events
from baton.tickets.models import Attachment, Comment, Participant, Priority, Step, Ticket, TicketCounter

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
