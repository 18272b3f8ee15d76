"""Celery tasks for tickets: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="baton.tickets.tasks.sweep_timers")
def sweep_timers() -> int:
    """Fire every flow timer that is due (each ticket in its own transaction)."""
    total = 0
    while True:
        fired = services.fire_due_timers(limit=200)
        total += fired
        if fired < 200:
            return total
