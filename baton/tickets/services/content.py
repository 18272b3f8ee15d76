"""Comments, attachments and the ticket's descriptive fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from baton.accounts.models import User
from baton.core import bus, clock
from baton.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from baton.tickets import events, policies
from baton.tickets.attachments import clean_upload
from baton.tickets.models import Comment, FaultCategory, Priority, StepState, Ticket

from ._common import RESOLVE_TARGETS, _check_version, _choice, _lock, _store_attachment, _text, _touch

# ---------------------------------------------------------------------------- comments, files, fields


@bus.atomic
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


@bus.atomic
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
