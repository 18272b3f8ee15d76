"""Helpers for SLA tests: policies, a store calendar, reading clocks and timers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from baton.sla import services
from baton.sla.models import EscalationLevel, EscalationPolicy, SlaClock, SlaPolicy, SlaStepTarget, SlaTimer
from baton.sla.services import PeriodSpec

#: Monday 2026-11-23 10:00 in Shanghai.
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def store_policy(**overrides: Any) -> SlaPolicy:
    """The demo's store SLA: dispatched within 30 minutes, repaired within 4 hours, warning at 80 %."""
    values: dict[str, Any] = {
        "name": "store",
        "ticket_type": "store_repair",
        "dispatch_target": timedelta(minutes=30),
        "resolve_target": timedelta(hours=4),
        "warning_percent": 80,
    }
    values.update(overrides)
    steps = values.pop("steps", {})
    policy = SlaPolicy.objects.create(**values)
    for key, (target, business) in steps.items():
        SlaStepTarget.objects.create(policy=policy, step_key=key, target=target, business=business)
    return policy


def store_calendar(code: str = "store") -> Any:
    """Open 10:00–22:00 every day, statutory holidays ignored (a shop)."""
    return services.create_calendar(
        code=code,
        name="Store hours",
        periods=[PeriodSpec(d, time(10), time(22)) for d in range(7)],
        use_statutory_holidays=False,
    )


def escalation(step_key: str, *levels: tuple[str, timedelta, list[str], list[str]]) -> EscalationPolicy:
    policy = EscalationPolicy.objects.create(name=f"esc {step_key}", step_key=step_key)
    for number, (anchor, delay, targets, channels) in enumerate(levels, start=1):
        EscalationLevel.objects.create(
            policy=policy, level=number, anchor=anchor, delay=delay, targets=targets, channels=channels
        )
    return policy


def clocks_of(ticket: Any) -> dict[str, SlaClock]:
    return {c.kind: c for c in SlaClock.objects.filter(ticket=ticket).order_by("pk")}


def pending(ticket: Any) -> list[tuple[str, str, datetime]]:
    rows = SlaTimer.objects.filter(ticket=ticket, fired_at__isnull=True).select_related("clock")
    return sorted((t.clock.kind, t.kind, t.due_at) for t in rows)
