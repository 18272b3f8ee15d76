"""Celery task for the outbox: a thin wrapper around ``services.deliver_due``.

Scheduled every few seconds (``baton/config/schedule.py``); the embedded ``baton worker`` runs the
same function. Safe to run on many workers at once: each claims disjoint rows.
"""

from __future__ import annotations

from celery import shared_task

from . import services

BATCH = 100
#: Rounds per run, so one run cannot hold a worker for ever when a large backlog builds up.
MAX_ROUNDS = 20


@shared_task(name="baton.notifications.tasks.deliver_notifications")
def deliver_notifications() -> int:
    """Send due notifications until fewer than a full batch went out; returns how many were sent."""
    total = 0
    for _ in range(MAX_ROUNDS):
        sent = services.deliver_due(limit=BATCH)
        total += sent
        if sent < BATCH:
            break
    return total


@shared_task(name="baton.notifications.tasks.purge_outbox")
def purge_outbox() -> int:
    """Delete old sent outbox rows (hourly is plenty)."""
    return services.purge_sent()
