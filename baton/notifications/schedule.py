"""When to send: quiet hours and retry backoff, as pure functions of the time they are given.

Kept free of the database and of the clock so the rules can be tested at any instant and reused by
the outbox, the API and the preference form alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_until(moment: datetime, start: time | None, end: time | None, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet period ``moment`` falls in (UTC), or ``None`` when it is not quiet.

    ``start``/``end`` are wall-clock times in ``tz``; ``start > end`` spans midnight; equal or
    missing means no quiet hours. The end is computed on the local calendar, so a quiet night
    around a daylight-saving change still ends at the wall-clock time the user chose.
    """
    if start is None or end is None or start == end:
        return None
    local = moment.astimezone(tz)
    now = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= now < end:
            return None
        end_day = local.date()
    else:
        if now >= start:
            end_day = local.date() + timedelta(days=1)
        elif now < end:
            end_day = local.date()
        else:
            return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def retry_delay(attempts: int, *, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed try: base, 2×base, 4×base … capped.

    Exponential so a receiver that is down for long is not hammered; capped so a message parked by a
    long outage still goes out within the cap of the receiver coming back.
    """
    exponent = max(attempts - 1, 0)
    seconds = cap_seconds if exponent >= 32 else min(base_seconds * 2**exponent, cap_seconds)
    return timedelta(seconds=seconds)
