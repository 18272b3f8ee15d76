"""Every write of the SLA app: calendars, clocks, timers, escalation, recomputing.

``calendars`` (business calendar definitions), ``clocks`` (per-ticket clocks and their timers),
``timers`` (the sweep), ``escalation`` (who hears about a stalled step), ``recompute`` (after a
policy or calendar changed), ``policies`` (writing SLA and escalation policies).
"""

from .calendars import (
    HolidaySpec,
    PeriodSpec,
    create_calendar,
    delete_calendar,
    remove_calendar_holiday,
    set_calendar_holiday,
    update_calendar,
    validate_calendar,
)

__all__ = [
    "HolidaySpec",
    "PeriodSpec",
    "create_calendar",
    "delete_calendar",
    "remove_calendar_holiday",
    "set_calendar_holiday",
    "update_calendar",
    "validate_calendar",
]
