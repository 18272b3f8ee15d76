"""Ticket endpoints. Each handler authorises through ``policies`` and calls one service."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from baton.accounts import queries as people
from baton.accounts.models import Role, User
from baton.assets import queries as asset_queries
from baton.core import clock
from baton.core.errors import NotFound, PreconditionFailed, ValidationFailed
from baton.core.types import DbId
from baton.customers.models import Site

from . import policies, queries, services
from .models import Attachment, Comment, Step, Ticket, TicketEvent
from .schemas import (
    AttachmentOut,
    CollaboratorIn,
    CommentIn,
    CommentOut,
    CompleteIn,
    ErrorOut,
    EventOut,
    ReassignIn,
    StepOut,
    TicketCreateIn,
    TicketDetailOut,
    TicketPage,
    TicketPatchIn,
    TodoOut,
    VersionIn,
)

router = Router(tags=["tickets"])
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    412: ErrorOut,
    422: ErrorOut,
}


def _user(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.display_name}


def step_out(step: Step) -> dict[str, Any]:
    return {
        "id": step.pk,
        "key": step.key,
        "name": step.name,
        "state": step.state,
        "owner": _user(step.owner),
        "collaborators": [_user(u) for u in step.collaborators.all()],
        "due_at": step.due_at,
        "entered_at": step.entered_at,
        "accepted_at": step.accepted_at,
        "completed_at": step.completed_at,
        "outcome": step.outcome,
        "reason": step.reason,
        "on_behalf_of": _user(step.on_behalf_of) if step.on_behalf_of_id else None,
    }


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "type": ticket.type,
        "fault_category": ticket.fault_category,
        "site_id": ticket.site_id,
        "asset_id": ticket.asset_id,
        "customer_id": ticket.customer_id,
        "department_id": ticket.department_id,
        "requester": _user(ticket.requester),
        "due_at": ticket.due_at,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
        "is_drill": ticket.is_drill,
        "version": ticket.version,
    }


def ticket_detail_out(ticket: Ticket) -> dict[str, Any]:
    return {
        **ticket_out(ticket),
        "description": ticket.description,
        "channel": ticket.channel,
        "asset_model": ticket.asset_model,
        "under_warranty": ticket.under_warranty,
        "resolution": ticket.resolution,
        "satisfaction": ticket.satisfaction,
        "satisfaction_comment": ticket.satisfaction_comment,
        "steps": [step_out(s) for s in queries.ticket_steps(ticket)],
    }


def attachment_out(a: Attachment) -> dict[str, Any]:
    url = reverse("attachment-file", args=[a.ticket_id, a.pk])
    return {
        "id": a.pk,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "width": a.width,
        "height": a.height,
        "internal": a.internal,
        "url": url,
        "thumbnail_url": reverse("attachment-thumbnail", args=[a.ticket_id, a.pk]) if a.thumbnail else None,
        "created_at": a.created_at,
    }


def comment_out(c: Comment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "author": _user(c.author),
        "body": c.body,
        "internal": c.internal,
        "created_at": c.created_at,
        "attachments": [attachment_out(a) for a in c.attachments.all()],
    }


def _actor(request: HttpRequest) -> User:
    """The authenticated user (every endpoint here requires auth, so this always holds)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _etag(ticket: Ticket) -> str:
    return f'W/"{ticket.pk}-{ticket.version}"'


def _expected_version(request: HttpRequest, ticket: Ticket, body_version: int | None) -> int | None:
    """If-Match wins: a stale ETag is 412; a stale ``version`` in the body is 409 (in the service)."""
    header = request.headers.get("If-Match")
    if header:
        if header.strip() not in {_etag(ticket), "*"}:
            raise PreconditionFailed("The ticket changed since you read it (ETag mismatch).")
        return ticket.version
    return body_version


class ListFilters(Schema):
    q: str = ""
    status: str = ""
    priority: str = ""
    site: DbId | None = None
    open: bool = False
    overdue: bool = False
    mine: bool = False
    limit: int = 50
    offset: int = 0


@router.get("/tickets", response={200: TicketPage, **ERRORS})
def list_tickets(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Tickets you may see, newest first, filtered and paginated (limit ≤ 200)."""
    if not 1 <= filters.limit <= 200 or filters.offset < 0:
        raise ValidationFailed("limit must be 1–200 and offset ≥ 0.", fields={"limit": ["1–200"]})
    qs = queries.ticket_list(
        request.user,
        queries.TicketFilters(
            q=filters.q,
            status=filters.status,
            priority=filters.priority,
            site=filters.site,
            open_only=filters.open,
            overdue=filters.overdue,
            mine=filters.mine,
        ),
    )
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "items": [ticket_out(t) for t in items]}


@router.post("/tickets", response={201: TicketDetailOut, **ERRORS})
def create_ticket(request: HttpRequest, payload: TicketCreateIn) -> Status[dict[str, Any]]:
    asset = asset_queries.asset_for_report(payload.asset_id) if payload.asset_id else None
    if payload.asset_id and asset is None:
        raise ValidationFailed("No such asset.", fields={"asset_id": ["not found"]})
    site = None
    if payload.site_id and asset is not None and asset.site_id == payload.site_id:
        site = asset.site  # already loaded with the asset
    elif payload.site_id:
        site = next(
            iter(
                Site.objects.filter(pk=payload.site_id)
                .select_related("region__department__dispatcher", "customer")
                .order_by()[:1]
            ),
            None,
        )
        if site is None:
            raise ValidationFailed("No such site.", fields={"site_id": ["not found"]})
    user = request.user
    assert isinstance(user, User)
    target_site = asset.site if asset else site
    if target_site is not None and not policies.can_report_for_site(user, target_site):
        raise ValidationFailed("You cannot report for that site.", fields={"site_id": ["not allowed"]})
    ticket = services.create_ticket(
        requester=user,
        title=payload.title,
        description=payload.description,
        ticket_type=payload.type,
        fault_category=payload.fault_category,
        priority=payload.priority,
        site=site,
        asset=asset,
        channel=payload.channel,
        is_drill=payload.is_drill,
    )
    return Status(201, ticket_detail_out(ticket))


@router.get("/tickets/{ticket_id}", response={200: TicketDetailOut, **ERRORS})
def get_ticket(request: HttpRequest, response: HttpResponse, ticket_id: DbId) -> dict[str, Any]:
    ticket = policies.get_ticket_for(request.user, ticket_id)
    response["ETag"] = _etag(ticket)
    return ticket_detail_out(ticket)


@router.patch("/tickets/{ticket_id}", response={200: TicketDetailOut, **ERRORS})
def patch_ticket(
    request: HttpRequest, response: HttpResponse, ticket_id: DbId, payload: TicketPatchIn
) -> dict[str, Any]:
    """Change title, description, priority or fault category. Send If-Match (412) or version (409)."""
    ticket = policies.get_ticket_for(request.user, ticket_id, "edit")
    expected = _expected_version(request, ticket, payload.version)
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    ticket = services.update_ticket(
        ticket=ticket, actor=_actor(request), changes=changes, expected_version=expected
    )
    response["ETag"] = _etag(ticket)
    return ticket_detail_out(ticket)


@router.get("/tickets/{ticket_id}/events", response={200: list[EventOut], **ERRORS})
def ticket_events(request: HttpRequest, ticket_id: DbId) -> list[TicketEvent]:
    """The audit trail: every change with who, what, before/after and when."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    return [
        {  # type: ignore[misc]
            "seq": e.seq,
            "kind": e.kind,
            "actor": _user(e.actor) if e.actor else None,
            "step_id": e.step_id,
            "data": e.data,
            "created_at": e.created_at,
            "hash": e.hash,
        }
        for e in queries.ticket_timeline(request.user, ticket)
    ]


@router.get("/tickets/{ticket_id}/comments", response={200: list[CommentOut], **ERRORS})
def list_comments(request: HttpRequest, ticket_id: DbId) -> list[dict[str, Any]]:
    ticket = policies.get_ticket_for(request.user, ticket_id)
    return [comment_out(c) for c in queries.ticket_comments(request.user, ticket)]


@router.post("/tickets/{ticket_id}/comments", response={201: CommentOut, **ERRORS})
def post_comment(request: HttpRequest, ticket_id: DbId, payload: CommentIn) -> Status[dict[str, Any]]:
    ticket = policies.get_ticket_for(request.user, ticket_id, "comment")
    comment = services.add_comment(
        ticket=ticket, actor=_actor(request), body=payload.body, internal=payload.internal
    )
    return Status(201, comment_out(comment))


@router.get("/tickets/{ticket_id}/attachments", response={200: list[AttachmentOut], **ERRORS})
def list_attachments(request: HttpRequest, ticket_id: DbId) -> list[dict[str, Any]]:
    ticket = policies.get_ticket_for(request.user, ticket_id)
    return [attachment_out(a) for a in queries.ticket_attachments(request.user, ticket)]


@router.post("/tickets/{ticket_id}/attachments", response={201: CommentOut, **ERRORS})
def upload_attachment(
    request: HttpRequest, ticket_id: DbId, file: File[UploadedFile], note: str = "", internal: bool = False
) -> Status[dict[str, Any]]:
    """Upload a photo or file (multipart ``file``); it arrives as a comment with the attachment."""
    ticket = policies.get_ticket_for(request.user, ticket_id, "comment")
    data = file.read(settings.BATON_ATTACHMENT_MAX_BYTES + 1)
    comment = services.add_comment(
        ticket=ticket,
        actor=_actor(request),
        body=note,
        internal=internal,
        files=[(file.name or "file", data)],
    )
    return Status(201, comment_out(comment))


def _step_action_ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    return policies.get_ticket_for(request.user, ticket_id)


@router.post("/tickets/{ticket_id}/steps/{step_id}/accept", response={200: StepOut, **ERRORS})
def accept_step(
    request: HttpRequest, ticket_id: DbId, step_id: DbId, payload: VersionIn | None = None
) -> dict[str, Any]:
    """The owner takes the step on (接单)."""
    ticket = _step_action_ticket(request, ticket_id)
    version = _expected_version(request, ticket, payload.version if payload else None)
    step = services.accept_step(
        ticket=ticket, step_id=step_id, actor=_actor(request), expected_version=version
    )
    return step_out(step)


@router.post("/tickets/{ticket_id}/steps/{step_id}/complete", response={200: TicketDetailOut, **ERRORS})
def complete_step(
    request: HttpRequest, ticket_id: DbId, step_id: DbId, payload: CompleteIn
) -> dict[str, Any]:
    """Finish the step: dispatch (``technician``), repair (``done`` + ``resolution`` or ``return`` + reason),
    acceptance (``accept`` + ``rating`` or ``reject`` + reason)."""
    ticket = _step_action_ticket(request, ticket_id)
    version = _expected_version(request, ticket, payload.version)
    values = payload.dict(exclude_unset=True, exclude={"outcome", "reason", "version"})
    values = {k: v for k, v in values.items() if v is not None}
    ticket = services.complete_step(
        ticket=ticket,
        step_id=step_id,
        actor=_actor(request),
        outcome=payload.outcome,
        reason=payload.reason,
        values=values,
        expected_version=version,
    )
    return ticket_detail_out(ticket)


@router.post("/tickets/{ticket_id}/steps/{step_id}/reassign", response={200: StepOut, **ERRORS})
def reassign_step(
    request: HttpRequest, ticket_id: DbId, step_id: DbId, payload: ReassignIn
) -> dict[str, Any]:
    """Hand the step to someone else (转派); a reason is required."""
    ticket = _step_action_ticket(request, ticket_id)
    version = _expected_version(request, ticket, payload.version)
    new_owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
    if new_owner is None:
        raise ValidationFailed("No such user.", fields={"owner_id": ["not found"]})
    step = services.reassign_step(
        ticket=ticket,
        step_id=step_id,
        actor=_actor(request),
        new_owner=new_owner,
        reason=payload.reason,
        expected_version=version,
    )
    return step_out(step)


@router.post("/tickets/{ticket_id}/steps/{step_id}/collaborators", response={200: StepOut, **ERRORS})
def add_collaborator(
    request: HttpRequest, ticket_id: DbId, step_id: DbId, payload: CollaboratorIn
) -> dict[str, Any]:
    """Add a 协同人 who can see and comment but does not own the step."""
    ticket = _step_action_ticket(request, ticket_id)
    user = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed("No such user.", fields={"user_id": ["not found"]})
    step = services.add_collaborator(ticket=ticket, step_id=step_id, actor=_actor(request), user=user)
    return step_out(step)


class PersonOut(Schema):
    id: int
    name: str
    department_id: int | None


@router.get("/tickets/{ticket_id}/technicians", response={200: list[PersonOut], **ERRORS})
def technicians(request: HttpRequest, ticket_id: DbId) -> list[dict[str, Any]]:
    """Technicians who may be dispatched to this ticket."""
    ticket = policies.get_ticket_for(request.user, ticket_id)
    return [
        {"id": u.pk, "name": u.display_name, "department_id": u.department_id}
        for u in people.users_with_role(Role.TECHNICIAN, ticket.department)
    ]


@router.get("/todo", response={200: TodoOut, **ERRORS})
def todo(request: HttpRequest) -> dict[str, Any]:
    """Your to-do: your steps (earliest due first) and your departments' queue."""
    page = queries.todo_for(request.user)
    now = clock.now()

    def item(step: Step) -> dict[str, Any]:
        return {"step": step_out(step), "ticket": ticket_out(step.ticket), "overdue": step.due_at < now}

    return {
        "mine_count": page.mine_count,
        "mine_overdue": page.mine_overdue,
        "queue_count": page.queue_count,
        "mine": [item(s) for s in page.mine],
        "queue": [item(s) for s in page.queue],
    }


def attachment_response(user: Any, ticket_id: int, attachment_id: int, *, thumbnail: bool) -> FileResponse:
    """Serve a file only to someone who may see it (shared by the API and the web UI)."""
    ticket = policies.get_ticket_for(user, ticket_id)
    attachment = queries.ticket_attachments(user, ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("Attachment not found.")
    field = attachment.thumbnail if thumbnail and attachment.thumbnail else attachment.file
    response = FileResponse(
        field.open("rb"),
        content_type="image/jpeg" if thumbnail and attachment.thumbnail else attachment.content_type,
    )
    disposition = "inline" if attachment.is_image else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{attachment.original_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}/file", response={200: None, **ERRORS})
def attachment_file(request: HttpRequest, ticket_id: DbId, attachment_id: DbId) -> FileResponse:
    return attachment_response(request.user, ticket_id, attachment_id, thumbnail=False)


from . import api_approvals  # noqa: E402, F401  (registers the approval endpoints on this router)
