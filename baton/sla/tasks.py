"""Celery task for SLA timers: a thin wrapper around ``services.timers.sweep_all``.

Scheduled every 15 seconds (``baton/config/schedule.py``), so a timer fires well within 60 seconds
of its due time; the embedded ``baton worker`` runs the same function. Any number of workers may
run it at once: each claims disjoint timers (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

from celery import shared_task

from .services import timers


@shared_task(name="baton.sla.tasks.sweep_sla_timers")
def sweep_sla_timers() -> int:
    """Fire every due warning, breach and escalation timer; returns how many were claimed."""
    return timers.sweep_all()
