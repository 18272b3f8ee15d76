"""Per-robot rate limits, shared by every worker through the database.

Group robots throttle hard: DingTalk allows 20 posts a minute per robot and then silences it for
10 minutes; WeCom allows 20 a minute; Feishu 100 a minute and 5 a second. So the limit is a sliding
window (a fixed per-minute counter would allow 40 posts across a minute boundary) kept as a log of
recent send times in one row per endpoint, locked while a slot is taken. A message that finds no
slot is not failed: the outbox moves it to the moment a slot frees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from .models import DeliveryRateWindow


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: float


#: Documented per-robot limits of each provider.
LIMITS: dict[str, tuple[RateLimit, ...]] = {
    "dingtalk": (RateLimit(20, 60),),
    "wecom": (RateLimit(20, 60),),
    "feishu": (RateLimit(100, 60), RateLimit(5, 1)),
}


def _window(limit: RateLimit, margin: float) -> float:
    # The margin covers the gap between taking a slot and the post reaching the provider; capped at
    # a tenth of the window so it never halves a short (per-second) limit.
    return limit.seconds + min(margin, limit.seconds / 10)


def reserve(key: str, limits: Sequence[RateLimit], *, now: datetime, margin: float = 0.0) -> datetime | None:
    """Take a send slot for ``key`` at ``now``.

    Returns ``None`` when the slot is taken (the caller may send now), otherwise the earliest moment
    a slot frees (the caller should try again then). Runs in its own short transaction so the lock
    is held only while counting.
    """
    if not limits:
        return None
    stamp = now.timestamp()
    horizon = max(_window(limit, margin) for limit in limits)
    with transaction.atomic():
        row, _ = DeliveryRateWindow.objects.select_for_update().get_or_create(
            key=key, defaults={"recent": [], "updated_at": now}
        )
        recent = sorted(float(t) for t in row.recent if float(t) > stamp - horizon)
        free_at: float | None = None
        for limit in limits:
            span = _window(limit, margin)
            inside = [t for t in recent if t > stamp - span]
            if len(inside) >= limit.count:
                # The oldest sends must leave the window until fewer than ``count`` remain.
                candidate = inside[len(inside) - limit.count] + span
                free_at = candidate if free_at is None else max(free_at, candidate)
        if free_at is None:
            recent.append(stamp)
        row.recent = recent
        row.updated_at = now
        row.save(update_fields=["recent", "updated_at"])
    return None if free_at is None else datetime.fromtimestamp(free_at, UTC)
