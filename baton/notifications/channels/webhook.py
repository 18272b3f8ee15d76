"""Generic webhooks: the event as JSON, signed so the receiver can trust it.

Headers: ``X-Baton-Signature: sha256=<hex>`` is HMAC-SHA256 of the exact body bytes with the
endpoint's secret (the GitHub convention, so existing verifiers work); ``X-Baton-Timestamp`` is the
send time in Unix seconds; ``X-Baton-Idempotency-Key`` is stable across retries, so a receiver that
stores it processes each event once although delivery is at least once. The body itself carries
the idempotency key and the time the event happened, which the signature covers.

Any 2xx is success; anything else is retried with backoff (a receiver that is down or deploying
answers 5xx, 404 or 401 for a while), and parked as a dead letter if it keeps failing.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from baton.core import clock
from baton.notifications import conf

from . import http
from .base import DeliveryError, Outbound


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(message: Outbound) -> bytes:
    document = {
        "id": message.idempotency_key,
        "event": message.event,
        "occurred_at": message.payload.get("occurred_at"),
        "ticket_id": message.payload.get("ticket_id"),
        "title": message.payload.get("title", ""),
        "body": message.payload.get("body", ""),
        "url": message.payload.get("link", ""),
        "language": message.payload.get("language", ""),
        "data": message.payload.get("fields", {}),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class WebhookChannel:
    def send(self, message: Outbound) -> str:
        body = body_of(message)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Baton-Webhook/1",
            "X-Baton-Event": message.event,
            "X-Baton-Timestamp": str(int(clock.now().timestamp())),
            "X-Baton-Idempotency-Key": message.idempotency_key,
        }
        if message.endpoint_secret:
            headers["X-Baton-Signature"] = signature(message.endpoint_secret, body)
        response = http.request(
            "POST", message.endpoint_url, body=body, headers=headers, timeout=float(conf.get("HTTP_TIMEOUT"))
        )
        if not response.ok:
            raise DeliveryError(f"Webhook answered HTTP {response.status}: {response.snippet()}")
        return ""
