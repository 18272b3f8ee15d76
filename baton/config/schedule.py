"""The one periodic schedule. Celery beat and the embedded worker (``baton worker``) both read it.

Each entry names a Celery task by its dotted path and how often it runs, in seconds.
"""

from __future__ import annotations

from typing import TypedDict


class Entry(TypedDict):
    task: str
    every: float


SCHEDULE: dict[str, Entry] = {
    "sweep-flow-timers": {"task": "baton.tickets.tasks.sweep_timers", "every": 15.0},
    "sweep-sla-timers": {"task": "baton.sla.tasks.sweep_sla_timers", "every": 15.0},
    "deliver-notifications": {"task": "baton.notifications.tasks.deliver_notifications", "every": 5.0},
    "run-scheduled-rules": {"task": "baton.automation.tasks.run_scheduled_rules", "every": 60.0},
    "purge-outbox": {"task": "baton.notifications.tasks.purge_outbox", "every": 3600.0},
}
