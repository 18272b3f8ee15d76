"""The notifications API: my bell, my preferences, and (admins) the dead letters.

Mounted by ``baton/config/api.py``; authentication is the API's (token or session). Everything a
user reads here is their own; dead letters are admin-only (403 for others, in the API's one error
format).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from baton.accounts.models import User
from baton.accounts.queries import is_admin
from baton.core.errors import Forbidden, ValidationFailed
from baton.core.types import DbId

from . import queries, services
from .models import OutboxMessage, UserNotificationPreference

router = Router(tags=["notifications"])
MAX_IDS = 500


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    url: str
    ticket_id: int | None
    urgent: bool
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class ListFilters(Schema):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class ReadIn(StrictIn):
    ids: list[DbId] | None = Field(None, max_length=MAX_IDS)
    all: bool = False


class ReadOut(Schema):
    marked: int
    unread: int


class CountOut(Schema):
    count: int


class PreferenceIO(StrictIn):
    email_enabled: bool = True
    sms_enabled: bool = True
    quiet_start: time | None = None
    quiet_end: time | None = None


class DeadLetterOut(Schema):
    id: int
    channel: str
    event: str
    recipient: str
    address: str
    endpoint_id: int | None
    ticket_id: int | None
    attempts: int
    last_error: str
    created_at: datetime
    updated_at: datetime


class RetryIn(StrictIn):
    ids: list[DbId] = Field(min_length=1, max_length=MAX_IDS)


class RetryOut(Schema):
    retried: int


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise Forbidden("Only administrators can see and retry failed notifications.")


def _preference(pref: UserNotificationPreference) -> dict[str, Any]:
    return {
        "email_enabled": pref.email_enabled,
        "sms_enabled": pref.sms_enabled,
        "quiet_start": pref.quiet_start,
        "quiet_end": pref.quiet_end,
    }


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """My notifications, newest first (``unread=true`` for unread only; limit ≤ 200)."""
    user = _user(request)
    qs = queries.notifications_for(user, unread_only=filters.unread)
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "unread": queries.unread_count(user), "items": items}


@router.get("/notifications/unread-count", response={200: CountOut, **ERRORS})
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"count": queries.unread_count(_user(request))}


@router.post("/notifications/read", response={200: ReadOut, **ERRORS})
def mark_read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    """Mark some (``ids``) or all (``all: true``) of my notifications read. Others' ids are ignored."""
    if payload.all == (payload.ids is not None):
        raise ValidationFailed("Send either ids or all: true.", fields={"ids": ["ids or all"]})
    user = _user(request)
    marked = services.mark_read(user=user, ids=None if payload.all else payload.ids)
    return {"marked": marked, "unread": queries.unread_count(user)}


@router.get("/notifications/preferences", response={200: PreferenceIO, **ERRORS})
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    return _preference(queries.preference_for(_user(request)))


@router.put("/notifications/preferences", response={200: PreferenceIO, **ERRORS})
def put_preferences(request: HttpRequest, payload: PreferenceIO) -> dict[str, Any]:
    """Choose e-mail and SMS, and quiet hours (both times in my time zone, or neither)."""
    pref = services.update_preferences(
        user=_user(request),
        email_enabled=payload.email_enabled,
        sms_enabled=payload.sms_enabled,
        quiet_start=payload.quiet_start,
        quiet_end=payload.quiet_end,
    )
    return _preference(pref)


def _dead_letter(message: OutboxMessage) -> dict[str, Any]:
    recipient = str(message.endpoint.name) if message.endpoint else str(message.user or "")
    return {
        "id": message.pk,
        "channel": message.channel,
        "event": message.event,
        "recipient": recipient,
        "address": message.address,
        "endpoint_id": message.endpoint_id,
        "ticket_id": message.ticket_id,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
    }


@router.get("/notifications/dead-letters", response={200: list[DeadLetterOut], **ERRORS})
def dead_letters(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    """Messages that kept failing (admins only), newest first."""
    _require_admin(request)
    rows = queries.dead_letters()[filters.offset : filters.offset + filters.limit]
    return [_dead_letter(m) for m in rows]


@router.post("/notifications/dead-letters/retry", response={200: RetryOut, **ERRORS})
def retry_dead_letters(request: HttpRequest, payload: RetryIn) -> dict[str, int]:
    """Queue dead letters again with a fresh set of attempts (admins only)."""
    _require_admin(request)
    return {"retried": services.retry_dead(message_ids=payload.ids)}
