"""``baton worker``: the embedded worker, for a machine without a broker.

It runs the periodic schedule (``baton/config/schedule.py``) in-process, calling the same task
functions the Celery workers run, until SIGTERM/SIGINT. Production runs Celery workers and one
beat instead (docs/operations.md).
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string

from baton.config.schedule import SCHEDULE

log = logging.getLogger("baton.worker")


class Command(BaseCommand):
    help = "Run the embedded worker: the periodic schedule, in-process, without a broker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every scheduled task once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        tasks = {name: import_string(entry["task"]) for name, entry in SCHEDULE.items()}
        next_run = dict.fromkeys(SCHEDULE, 0.0)
        log.info("worker started", extra={"tasks": sorted(tasks)})
        while not stopping:
            for name, task in tasks.items():
                if time.monotonic() < next_run[name] or stopping:
                    continue
                try:
                    result = task()
                    if result:
                        log.info("task ran", extra={"task": name, "result": result})
                except Exception:
                    log.exception("scheduled task failed", extra={"task": name})
                next_run[name] = time.monotonic() + SCHEDULE[name]["every"]
            if options["once"]:
                break
            close_old_connections()  # between rounds: drop connections that expired or broke
            time.sleep(0.5)
        log.info("worker stopped")
