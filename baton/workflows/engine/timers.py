"""Timer texts and the engine's notion of "now".

bpmn-js writes timers as bare ISO-8601 text (``PT30M``, ``2026-01-01T00:00:00Z``), but
Spiff hands every timer text to the script engine. We accept such literals as they are
(without evaluating anything) and treat any other text as a CEL expression that must
produce one. A date without a time zone is refused: Spiff would read it in the server's
local zone, computed once at import time.

Spiff's timer module reads ``datetime.now(timezone.utc)`` from its own module global and
offers no clock hook. :func:`install_clock` swaps that global for a ``datetime`` subclass
whose ``now`` asks :func:`baton.core.clock.now`, so every due time the engine computes
follows Baton's clock (and time-machine in tests). It refuses to patch a module that no
longer looks as expected, so an upgrade cannot silently disable it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)

from baton.core import clock

TimerKind = Literal["duration", "date", "cycle"]

_DURATION = (
    r"P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"
)
_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})"
_PATTERNS: dict[TimerKind, re.Pattern[str]] = {
    "duration": re.compile(f"^{_DURATION}$"),
    "date": re.compile(f"^{_DATETIME}$"),
    "cycle": re.compile(f"^R\\d*/(?:{_DURATION}|{_DATETIME})(?:/(?:{_DURATION}|{_DATETIME}))?$"),
}
_NAIVE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EXPLANATION: dict[TimerKind, str] = {
    "duration": "an ISO-8601 duration such as PT30M or P2D",
    "date": "an ISO-8601 date and time with a time zone, such as 2026-01-01T09:00:00+08:00",
    "cycle": "an ISO-8601 repetition such as R3/PT1H",
}


def timer_kind(definition: TimerEventDefinition) -> TimerKind:
    if isinstance(definition, DurationTimerEventDefinition):
        return "duration"
    if isinstance(definition, CycleTimerEventDefinition):
        return "cycle"
    return "date"


def is_iso_literal(text: str) -> bool:
    """True when ``text`` is an ISO-8601 duration, zoned date-time or repetition."""
    return any(pattern.match(text) for pattern in _PATTERNS.values())


def check_timer_value(kind: TimerKind, value: str) -> str:
    """Return ``value`` if Spiff can use it for a timer of ``kind``; else raise ValueError."""
    text = value.strip()
    if not _PATTERNS[kind].match(text):
        hint = " (add Z or an offset like +08:00)" if _NAIVE_DATETIME.match(text) else ""
        raise ValueError(f"{text!r} is not {_EXPLANATION[kind]}{hint}.")
    try:
        if kind == "duration":
            TimerEventDefinition.parse_iso_duration(text)
        elif kind == "date":
            datetime.fromisoformat(text)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(text)
    except Exception as exc:  # Spiff raises bare Exception for bad durations
        raise ValueError(f"{text!r} is not {_EXPLANATION[kind]}: {exc}") from None
    return text


def timer_value_from_result(kind: TimerKind, result: object) -> str:
    """Turn what a timer's CEL expression returned into the ISO text Spiff expects."""
    if isinstance(result, timedelta) and kind == "duration":
        seconds = result.total_seconds()
        if seconds < 0:
            raise ValueError("A timer duration cannot be negative.")
        result = f"PT{seconds:.6f}".rstrip("0").rstrip(".") + "S"
    elif isinstance(result, datetime) and kind == "date":
        result = (result if result.tzinfo else result.replace(tzinfo=UTC)).isoformat()
    if not isinstance(result, str):
        raise ValueError(f"A timer expression must give {_EXPLANATION[kind]}, not {type(result).__name__}.")
    return check_timer_value(kind, result)


def parse_due(value: str) -> datetime:
    """Parse a due time as Spiff stores it (ISO text) into an aware UTC datetime."""
    due = datetime.fromisoformat(value)
    return (due if due.tzinfo else due.replace(tzinfo=UTC)).astimezone(UTC)


class _ClockDatetime(datetime):
    """``datetime`` whose ``now`` is Baton's clock; only Spiff's timer module sees it."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _ClockDatetime:
        current = clock.now()
        local = current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)
        return cls.combine(local.date(), local.timetz())


def install_clock() -> None:
    """Route Spiff's timer module through :func:`baton.core.clock.now` (idempotent)."""
    current = getattr(spiff_timer, "datetime", None)
    if current is _ClockDatetime:
        return
    if current is not datetime:
        raise RuntimeError(
            "SpiffWorkflow's timer module no longer uses a module-global datetime; "
            "re-check baton.workflows.engine.timers.install_clock for this version."
        )
    spiff_timer.datetime = _ClockDatetime
