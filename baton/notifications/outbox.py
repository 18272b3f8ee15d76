"""The outbox worker's steps: claim due messages, send each outside any transaction, record the result.

Why this shape:

* **Claim, then send.** A claim is one short transaction that marks rows ``sending`` and moves
  ``next_attempt_at`` to the end of a lease. On PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` lets
  several workers claim disjoint rows; on SQLite the IMMEDIATE transaction serialises claims. Sending
  happens after the claim committed, so no lock is held while a slow SMTP server thinks.
* **At least once.** If a worker dies mid-send the lease runs out and another worker takes the row;
  the receiver may then see it twice, which the idempotency key (Message-ID, header, body) lets it
  detect. A message is never dropped silently.
* **Fencing.** ``attempts`` is incremented by each claim, and every outcome is written only if the
  row still carries the number the worker claimed; a worker whose lease expired cannot overwrite
  the newer worker's result.
* **Rate limits** are checked right before each send (not at claim time) so the recorded slot time
  is the real send time; a message that finds no slot is handed back, without spending an attempt,
  for the moment a slot frees.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, QuerySet

from baton.core import clock

from . import conf, rate
from .channels import DeliveryError, Outbound, backend_for
from .models import OutboxMessage, OutboxStatus
from .schedule import retry_delay

log = logging.getLogger("baton.notifications")
MAX_ERROR = 2000


@dataclass(frozen=True)
class Claimed:
    outbound: Outbound
    endpoint_id: int | None
    endpoint_enabled: bool

    @property
    def pk(self) -> int:
        return self.outbound.message_id

    @property
    def attempt(self) -> int:
        return self.outbound.attempt


def claim(limit: int, *, now: datetime, skip_endpoints: Collection[int] = ()) -> list[Claimed]:
    """Take up to ``limit`` due messages (oldest due first) for this worker, in one transaction.

    ``skip_endpoints`` are robots already found at their rate limit in this run: their backlog
    stays where it is instead of being claimed and handed back message by message.
    """
    lease = timedelta(seconds=float(conf.get("LEASE_SECONDS")))
    with transaction.atomic():
        due = (
            OutboxMessage.objects.filter(
                status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], next_attempt_at__lte=now
            )
            .exclude(endpoint_id__in=list(skip_endpoints))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + lease,
            updated_at=now,
        )
        rows = list(OutboxMessage.objects.filter(pk__in=ids).select_related("endpoint").order_by("pk"))
    order = {pk: i for i, pk in enumerate(ids)}
    rows.sort(key=lambda row: order[row.pk])
    return [_snapshot(row) for row in rows]


def _snapshot(row: OutboxMessage) -> Claimed:
    endpoint = row.endpoint
    return Claimed(
        outbound=Outbound(
            message_id=row.pk,
            channel=row.channel,
            event=row.event,
            idempotency_key=row.idempotency_key,
            address=row.address,
            payload=dict(row.payload or {}),
            endpoint_url=endpoint.url if endpoint else "",
            endpoint_secret=endpoint.secret if endpoint else "",
            attempt=row.attempts,
        ),
        endpoint_id=endpoint.pk if endpoint else None,
        endpoint_enabled=endpoint.enabled if endpoint else True,
    )


def _mine(claimed: Claimed) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(pk=claimed.pk, status=OutboxStatus.SENDING, attempts=claimed.attempt)


def deliver(claimed: Claimed, blocked: dict[int, datetime] | None = None) -> bool:
    """Send one claimed message and record the outcome; ``True`` when it was sent.

    ``blocked`` (endpoint id → when a slot frees) is shared across one run: a robot found at its
    limit is not asked again for every message of its backlog.
    """
    blocked = {} if blocked is None else blocked
    max_attempts = int(conf.get("MAX_ATTEMPTS"))
    if not claimed.endpoint_enabled:
        _fail(claimed, "The endpoint is disabled.", permanent=True)
        return False
    if claimed.attempt > max_attempts:
        # Only a row whose worker died while sending gets here: its lease ran out once too often.
        _fail(claimed, f"Gave up after {max_attempts} attempts (a worker stopped while sending).", True)
        return False
    endpoint_id = claimed.endpoint_id
    limits = rate.LIMITS.get(claimed.outbound.channel) if endpoint_id else None
    if endpoint_id and limits:
        free_at = blocked.get(endpoint_id) or rate.reserve(
            f"endpoint:{endpoint_id}",
            limits,
            now=clock.now(),
            margin=float(conf.get("RATE_LIMIT_MARGIN_SECONDS")),
        )
        if free_at is not None:
            blocked[endpoint_id] = free_at
            _release(claimed, free_at)
            return False
    try:
        reference = backend_for(claimed.outbound.channel).send(claimed.outbound)
    except DeliveryError as exc:
        _fail(claimed, exc.message, exc.permanent)
        return False
    except Exception as exc:  # a bug in one channel must not stop the others
        log.exception("notification channel crashed", extra={"message_id": claimed.pk})
        _fail(claimed, f"{type(exc).__name__}: {exc}", False)
        return False
    now = clock.now()
    _mine(claimed).update(
        status=OutboxStatus.SENT, sent_at=now, updated_at=now, last_error="", reference=reference[:200]
    )
    return True


def _release(claimed: Claimed, when: datetime) -> None:
    """Hand the message back untried (rate limit): it keeps its place and its attempt budget."""
    _mine(claimed).update(
        status=OutboxStatus.PENDING, attempts=F("attempts") - 1, next_attempt_at=when, updated_at=clock.now()
    )


def _fail(claimed: Claimed, error: str, permanent: bool) -> None:
    now = clock.now()
    max_attempts = int(conf.get("MAX_ATTEMPTS"))
    error = error[:MAX_ERROR]
    context = {"message_id": claimed.pk, "channel": claimed.outbound.channel, "attempt": claimed.attempt}
    if permanent or claimed.attempt >= max_attempts:
        log.error("notification parked as dead letter", extra={**context, "error": error})
        _mine(claimed).update(status=OutboxStatus.DEAD, last_error=error, updated_at=now, next_attempt_at=now)
        return
    delay = retry_delay(
        claimed.attempt,
        base_seconds=float(conf.get("RETRY_BASE_SECONDS")),
        cap_seconds=float(conf.get("RETRY_CAP_SECONDS")),
    )
    log.warning("notification delivery failed; will retry", extra={**context, "error": error})
    _mine(claimed).update(
        status=OutboxStatus.PENDING, last_error=error, updated_at=now, next_attempt_at=now + delay
    )
