"""SLA rows: business calendars, policies, per-ticket clocks with their timers, escalation.

``calendars`` holds the calendar definitions, ``policies`` what a ticket is promised (SLA policies,
escalation policies and levels), ``clocks`` what each ticket's clocks and timers are doing.
"""

from .calendars import BusinessCalendar, CalendarHoliday, HolidayKind, Weekday, WorkingPeriod
from .clocks import ClockState, SlaClock, SlaTimer, TimerKind
from .policies import (
    EscalationAnchor,
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    SlaPolicy,
    SlaStepTarget,
)

__all__ = [
    "BusinessCalendar",
    "CalendarHoliday",
    "ClockState",
    "EscalationAnchor",
    "EscalationLevel",
    "EscalationPolicy",
    "EscalationTarget",
    "HolidayKind",
    "SlaClock",
    "SlaPolicy",
    "SlaStepTarget",
    "SlaTimer",
    "TimerKind",
    "Weekday",
    "WorkingPeriod",
]
