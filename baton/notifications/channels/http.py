"""A small HTTP client for robots, webhooks and SMS APIs (standard library only).

Redirects are not followed: a webhook that answers 3xx is misconfigured, and following a redirect
would re-send a signed body to an address the admin never entered. Only http and https are allowed.
Network failures become retryable :class:`DeliveryError`; HTTP error statuses are returned, so each
channel decides what a status means.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .base import DeliveryError

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None

    def snippet(self) -> str:
        return self.body[:300].decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float
) -> Response:
    if urlsplit(url).scheme not in {"http", "https"}:
        raise DeliveryError(f"Only http(s) URLs can be called, not {url[:80]!r}.", permanent=True)
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.read(MAX_BODY))
    except urllib.error.HTTPError as exc:
        with exc:
            return Response(exc.code, exc.read(MAX_BODY) if exc.fp else b"")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{method} {urlsplit(url).netloc} failed: {reason}") from exc


def post_json(url: str, payload: Any, *, headers: dict[str, str] | None = None, timeout: float) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return request("POST", url, body=body, headers=all_headers, timeout=timeout)
