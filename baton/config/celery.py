"""The Celery app for production workers (Redis broker).

    celery -A baton.config.celery worker -l info      # N of these, on any machines
    celery -A baton.config.celery beat -l info        # exactly one

Tasks are thin wrappers around services; timers and the outbox live in the database, so a
task that dies mid-way is simply redone (acks_late, reject on worker lost).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baton.config.settings")

app = Celery("baton")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
