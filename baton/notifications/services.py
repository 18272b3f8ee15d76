"""Every write of the notifications app. Keyword-only; the notify functions join the caller's transaction.

How other apps use it: inside the ``transaction.atomic`` block that changes a ticket, call
:func:`notify` (people) and/or :func:`broadcast` / :func:`notify_endpoint` (group robots, webhooks)
with an idempotency key derived from the change (e.g. ``f"step:{step.pk}:assigned"``). The in-app
rows and the outbox rows commit or roll back with the change itself — a rolled-back change notifies
nobody, a committed one is never forgotten. Workers call :func:`deliver_due` to send the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, transaction

from baton.accounts.models import User
from baton.core import clock, refcache
from baton.core.errors import ValidationFailed

from . import conf, outbox
from .models import (
    Channel,
    ChannelEndpoint,
    Notification,
    OutboxMessage,
    OutboxStatus,
    UserNotificationPreference,
)
from .schedule import quiet_until
from .templates import EVENTS, Rendered, absolute, render

MAX_KEY = 200
_EXTERNAL = (Channel.EMAIL, Channel.SMS)
_Row = TypeVar("_Row", Notification, OutboxMessage)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "notify() must run inside the caller's transaction.atomic() block, so the notification "
            "commits or rolls back together with the change it reports."
        )


def _check(event: str, idempotency_key: str) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown notification event {event!r}.")
    if not idempotency_key or len(idempotency_key) > MAX_KEY:
        raise ValueError(f"idempotency_key must be 1–{MAX_KEY} characters.")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _payload(rendered: Rendered, *, urgent: bool, ticket_id: int | None, now: datetime) -> dict[str, Any]:
    return {
        "event": rendered.event,
        "language": rendered.language,
        "title": rendered.title,
        "body": rendered.body,
        "url": rendered.url,
        "link": absolute(rendered.url),
        "fields": rendered.fields,
        "urgent": urgent,
        "ticket_id": ticket_id,
        "occurred_at": now.isoformat(),
    }


def _insert(model: type[_Row], rows: list[_Row]) -> int:
    """Insert the rows whose key is new; a key seen before (a repeated call) is skipped.

    ``ignore_conflicts`` (ON CONFLICT DO NOTHING / INSERT OR IGNORE) also covers two transactions
    racing on one key without raising, which would abort the caller's transaction on PostgreSQL.
    """
    if not rows:
        return 0
    keys = [row.idempotency_key for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(keys))
    sql = f"SELECT idempotency_key FROM {table} WHERE idempotency_key IN ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:  # plain SQL: on every step assigned, a tenth of the ORM's cost
        cursor.execute(sql, keys)
        seen = {row[0] for row in cursor.fetchall()}
    fresh = [row for row in rows if row.idempotency_key not in seen]
    model._default_manager.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def saved_preferences() -> dict[int, UserNotificationPreference]:
    """User id → the preference they saved (kept in the process until someone saves theirs)."""
    return refcache.cached(
        "notifications.preferences",
        ("notifications_usernotificationpreference",),
        lambda: {pref.user_id: pref for pref in UserNotificationPreference.objects.all()},
    )


def notify(
    *,
    recipients: Sequence[User],
    event: str,
    context: Mapping[str, Any],
    urgent: bool = False,
    channels: Sequence[str] | None = None,
    ticket_id: int | None = None,
    idempotency_key: str,
) -> int:
    """Notify people of ``event``; returns how many rows (in-app + outbox) were written.

    Every recipient gets an in-app notification. ``channels`` picks the external channels (default
    ``NOTIFICATIONS["DEFAULT_CHANNELS"]``: e-mail; SMS only when asked); each is skipped for a user
    who switched it off or has no address for it. In a user's quiet hours external messages wait
    until the quiet hours end — unless ``urgent``. Calling again with the same key writes nothing.
    """
    _require_transaction()
    _check(event, idempotency_key)
    requested = set(channels if channels is not None else conf.get("DEFAULT_CHANNELS"))
    if unknown := requested - {Channel.IN_APP, *_EXTERNAL}:
        raise ValueError(f"notify() sends to people via in_app, email or sms, not {sorted(unknown)}.")
    now = clock.now()
    people = list({user.pk: user for user in recipients if user.is_active}.values())
    prefs = saved_preferences()
    notifications: list[Notification] = []
    messages: list[OutboxMessage] = []
    for user in people:
        pref = prefs.get(user.pk) or UserNotificationPreference(user=user)
        rendered = render(
            event, language=user.language, context=context, ticket_id=ticket_id, time_zone=user.time_zone
        )
        key = f"{idempotency_key}:u{user.pk}"
        notifications.append(
            Notification(
                user=user,
                event=event,
                title=rendered.title,
                body=rendered.body,
                url=rendered.url[:500],
                ticket_id=ticket_id,
                urgent=urgent,
                idempotency_key=f"{key}:in_app",
                created_at=now,
            )
        )
        hold = None if urgent else quiet_until(now, pref.quiet_start, pref.quiet_end, _zone(user.time_zone))
        payload = _payload(rendered, urgent=urgent, ticket_id=ticket_id, now=now)
        for channel in _EXTERNAL:
            address = user.email if channel == Channel.EMAIL else user.phone
            if channel not in requested or not pref.allows(channel) or not address:
                continue
            messages.append(
                _message(channel, event, payload, f"{key}:{channel}", now, hold, user=user, address=address)
            )
    return _insert(Notification, notifications) + _insert(OutboxMessage, messages)


def _message(
    channel: str,
    event: str,
    payload: dict[str, Any],
    key: str,
    now: datetime,
    hold: datetime | None = None,
    *,
    user: User | None = None,
    address: str = "",
    endpoint: ChannelEndpoint | None = None,
) -> OutboxMessage:
    return OutboxMessage(
        channel=channel,
        user=user,
        address=address,
        endpoint=endpoint,
        event=event,
        ticket_id=payload.get("ticket_id"),
        payload=payload,
        idempotency_key=key,
        status=OutboxStatus.PENDING,
        next_attempt_at=hold or now,
        created_at=now,
        updated_at=now,
    )


def notify_endpoint(
    *,
    endpoint: ChannelEndpoint,
    event: str,
    context: Mapping[str, Any],
    idempotency_key: str,
    ticket_id: int | None = None,
) -> int:
    """Queue one post to a group robot or webhook; 0 when it is disabled or not subscribed to ``event``."""
    _require_transaction()
    _check(event, idempotency_key)
    if not endpoint.enabled or not endpoint.wants(event):
        return 0
    now = clock.now()
    rendered = render(
        event, language=endpoint.language, context=context, ticket_id=ticket_id, time_zone=settings.TIME_ZONE
    )
    payload = _payload(rendered, urgent=False, ticket_id=ticket_id, now=now)
    key = f"{idempotency_key}:e{endpoint.pk}"
    return _insert(OutboxMessage, [_message(endpoint.kind, event, payload, key, now, endpoint=endpoint)])


def broadcast(
    *, event: str, context: Mapping[str, Any], idempotency_key: str, ticket_id: int | None = None
) -> int:
    """Queue ``event`` for every enabled endpoint subscribed to it (how tickets reach group chats)."""
    return sum(
        notify_endpoint(
            endpoint=endpoint,
            event=event,
            context=context,
            idempotency_key=idempotency_key,
            ticket_id=ticket_id,
        )
        for endpoint in ChannelEndpoint.objects.filter(enabled=True).order_by("pk")
    )


def deliver_due(*, limit: int = 100) -> int:
    """Send up to ``limit`` due outbox messages; returns how many were sent.

    Safe to run from several workers at once and from any caller — the embedded ``baton worker``
    loop or a Celery task — as long as it is not inside a transaction (claims must commit before
    sending). Claims go in small batches so each lease stays far longer than its sends take.
    """
    batch = max(1, int(conf.get("CLAIM_BATCH")))
    handled = sent = 0
    blocked: dict[int, datetime] = {}  # robots at their rate limit in this run
    while handled < limit:
        claimed = outbox.claim(min(batch, limit - handled), now=clock.now(), skip_endpoints=blocked)
        if not claimed:
            break
        handled += len(claimed)
        sent += sum(1 for message in claimed if outbox.deliver(message, blocked))
    return sent


@transaction.atomic
def retry_dead(*, message_ids: Sequence[int]) -> int:
    """Give dead letters a fresh set of attempts, due now; returns how many were revived."""
    now = clock.now()
    return OutboxMessage.objects.filter(pk__in=list(message_ids), status=OutboxStatus.DEAD).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )


def purge_sent(*, now: datetime | None = None) -> int:
    """Delete sent outbox rows older than ``KEEP_SENT_DAYS``; dead letters and pending rows stay.

    The outbox is a delivery queue, not an archive: the in-app rows and the ticket's audit trail
    are the record. Returns how many rows were deleted.
    """
    cutoff = (now or clock.now()) - timedelta(days=float(conf.get("KEEP_SENT_DAYS")))
    deleted, _ = OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when ``ids`` is None)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())


@transaction.atomic
def update_preferences(
    *,
    user: User,
    email_enabled: bool,
    sms_enabled: bool,
    quiet_start: time | None,
    quiet_end: time | None,
) -> UserNotificationPreference:
    """Save the user's channel choices and quiet hours (both times, or neither)."""
    if (quiet_start is None) != (quiet_end is None):
        field = "quiet_end" if quiet_end is None else "quiet_start"
        raise ValidationFailed("Give both ends of the quiet hours, or neither.", fields={field: ["required"]})
    pref, _ = UserNotificationPreference.objects.select_for_update().get_or_create(user=user)
    pref.email_enabled = bool(email_enabled)
    pref.sms_enabled = bool(sms_enabled)
    pref.quiet_start = quiet_start
    pref.quiet_end = quiet_end
    pref.save()
    return pref


__all__ = [
    "broadcast",
    "deliver_due",
    "mark_read",
    "notify",
    "notify_endpoint",
    "purge_sent",
    "retry_dead",
    "update_preferences",
]
