"""SLA endpoints: a ticket's clocks, and putting a ticket on hold / resuming it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from baton.accounts.models import User
from baton.core import clock
from baton.core.types import DbId
from baton.tickets import policies
from baton.tickets import services as tickets

from .clockview import ClockRow, clock_rows

router = Router(tags=["sla"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ClockOut(Schema):
    id: int
    kind: str
    step_name: str
    state: str
    business: bool
    calendar: str
    target_seconds: int
    started_at: datetime
    warning_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    paused_since: datetime | None
    paused_seconds: int
    elapsed_seconds: int
    remaining_seconds: int | None


class HoldIn(Schema):
    status: Literal["waiting_parts", "waiting_customer"]
    reason: str
    version: int | None = None


class ResumeIn(Schema):
    version: int | None = None


class HoldOut(Schema):
    id: int
    status: str
    version: int
    due_at: datetime | None


def _out(row: ClockRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "step_name": row.step_name,
        "state": row.state,
        "business": row.business,
        "calendar": row.calendar,
        "target_seconds": int(row.target.total_seconds()),
        "started_at": row.started_at,
        "warning_at": row.warning_at,
        "due_at": row.due_at,
        "met_at": row.met_at,
        "breached_at": row.breached_at,
        "paused_since": row.paused_since,
        "paused_seconds": int(row.paused.total_seconds()),
        "elapsed_seconds": int(row.elapsed.total_seconds()),
        "remaining_seconds": None if row.remaining is None else int(row.remaining.total_seconds()),
    }


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@router.get("/tickets/{ticket_id}/sla", response={200: list[ClockOut], **ERRORS})
def ticket_clocks(request: HttpRequest, ticket_id: DbId) -> list[dict[str, Any]]:
    """The ticket's SLA clocks: elapsed, remaining (negative: overdue), paused, the exact due time."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    return [_out(row) for row in clock_rows(ticket.pk, clock.now())]


@router.post("/tickets/{ticket_id}/hold", response={200: HoldOut, **ERRORS})
def hold_ticket(request: HttpRequest, ticket_id: DbId, payload: HoldIn) -> Any:
    """Put the ticket on hold (待备件 / 待客户) with a reason: its SLA clocks pause."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    return tickets.put_on_hold(
        ticket=ticket,
        actor=_actor(request),
        status=payload.status,
        reason=payload.reason,
        expected_version=payload.version,
    )


@router.post("/tickets/{ticket_id}/resume", response={200: HoldOut, **ERRORS})
def resume_ticket(request: HttpRequest, ticket_id: DbId, payload: ResumeIn | None = None) -> Any:
    """End the hold: the previous status comes back and the clocks run again."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    return tickets.resume_ticket(
        ticket=ticket, actor=_actor(request), expected_version=payload.version if payload else None
    )
