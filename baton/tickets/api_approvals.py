"""API for approval decisions: reject back to a chosen step (驳回至) and add an approver (加签).

Registered on the tickets router (imported at the end of ``api``). Approve and return are the
ordinary ``/complete`` call with ``outcome`` ``approve`` / ``return``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema, Status
from pydantic import Field

from baton.accounts.models import User
from baton.core.errors import ValidationFailed
from baton.core.types import DbId

from . import policies, queries, services
from .api import ERRORS, _actor, _expected_version, router, step_out, ticket_detail_out
from .schemas import StepOut, StrictIn, TicketDetailOut


class BackTargetOut(Schema):
    key: str
    name: str


class RejectIn(StrictIn):
    to_step: str = Field(min_length=1, max_length=64, description="The key of a step from /back-targets.")
    reason: str = Field(min_length=1, max_length=1000)
    version: int | None = None


class AddApproverIn(StrictIn):
    user_id: DbId
    position: str = Field(
        description="before (they approve first, then you) or after (you approve now, then they)"
    )
    reason: str = Field(min_length=1, max_length=1000)
    version: int | None = None


@router.get(
    "/tickets/{ticket_id}/steps/{step_id}/back-targets", response={200: list[BackTargetOut], **ERRORS}
)
def back_targets(request: HttpRequest, ticket_id: DbId, step_id: DbId) -> list[dict[str, str]]:
    """Earlier steps this step may send the ticket back to (those the flow allows and it passed)."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    step = ticket.steps.filter(pk=step_id).first()
    if step is None:
        return []
    return [{"key": key, "name": name} for key, name in queries.send_back_targets(ticket, step)]


@router.post("/tickets/{ticket_id}/steps/{step_id}/reject", response={200: TicketDetailOut, **ERRORS})
def reject_to_step(request: HttpRequest, ticket_id: DbId, step_id: DbId, payload: RejectIn) -> dict[str, Any]:
    """驳回至: send the ticket back to a step it passed through; a reason is required."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    version = _expected_version(request, ticket, payload.version)
    ticket = services.reject_to_step(
        ticket=ticket,
        step_id=step_id,
        actor=_actor(request),
        to_step=payload.to_step,
        reason=payload.reason,
        expected_version=version,
    )
    return ticket_detail_out(ticket)


@router.post("/tickets/{ticket_id}/steps/{step_id}/approvers", response={201: StepOut, **ERRORS})
def add_approver(
    request: HttpRequest, ticket_id: DbId, step_id: DbId, payload: AddApproverIn
) -> Status[dict[str, Any]]:
    """加签: add an approver before or after you, with a reason. Returns the added person's step."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    version = _expected_version(request, ticket, payload.version)
    user = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed("No such user.", fields={"user_id": ["not found"]})
    step = services.add_approver(
        ticket=ticket,
        step_id=step_id,
        actor=_actor(request),
        user=user,
        position=payload.position,
        reason=payload.reason,
        expected_version=version,
    )
    return Status(201, step_out(step))
