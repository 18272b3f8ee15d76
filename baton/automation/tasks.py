"""Celery tasks for automation: thin wrappers around the runner."""

from __future__ import annotations

from celery import shared_task

from . import runner


@shared_task(name="baton.automation.tasks.run_scheduled_rules")
def run_scheduled_rules() -> int:
    """Run the schedule rules that are due over the open tickets they match."""
    return runner.run_scheduled()
