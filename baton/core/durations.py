"""ISO-8601 durations as flows write them (PT30M, PT4H, P2D, P1DT12H)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse a day-time ISO duration; raise ValueError for anything else (no months or years)."""
    match = _DURATION.match((text or "").strip().upper())
    if not match or text.strip().upper() in {"P", "PT"} or text.strip().upper().endswith("T"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    return timedelta(**parts)
