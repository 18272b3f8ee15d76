"""Every write to tickets. Verb-named, keyword-only, atomic; each appends audit events.

Views, API handlers and tasks authorise through ``policies`` and then call exactly one of
these. Each function locks the ticket row, re-checks what it needs, changes the rows and the
flow, and records ``TicketEvent`` rows in the same transaction. Bad input raises a
``BatonError`` before anything is written.
"""

from __future__ import annotations

from ._common import RESOLVE_TARGETS, clock_zone
from .approvals import add_approver, reject_to_step
from .content import EDITABLE_FIELDS, add_comment, update_ticket
from .create import create_ticket
from .flow import fire_due_timers, migrate_ticket_flow
from .steps import accept_step, add_collaborator, complete_step, reassign_step
from .system import (
    add_collaborator_as_system,
    dispatch_as_system,
    reassign_as_system,
    record_system_event,
    set_fields_as_system,
    transfer_ticket,
)
from .waiting import WAITING_STATUSES, put_on_hold, resume_ticket

__all__ = [
    "EDITABLE_FIELDS",
    "RESOLVE_TARGETS",
    "WAITING_STATUSES",
    "accept_step",
    "add_approver",
    "add_collaborator",
    "add_collaborator_as_system",
    "add_comment",
    "clock_zone",
    "complete_step",
    "create_ticket",
    "dispatch_as_system",
    "fire_due_timers",
    "migrate_ticket_flow",
    "put_on_hold",
    "reassign_as_system",
    "reassign_step",
    "record_system_event",
    "reject_to_step",
    "resume_ticket",
    "set_fields_as_system",
    "transfer_ticket",
    "update_ticket",
]
