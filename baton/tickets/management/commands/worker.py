"""``baton worker``: the background worker. Fires due flow timers until stopped (SIGTERM/SIGINT).

This is the embedded mode that needs no broker; Celery workers take over in production
(see docs/operations.md).
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from baton.tickets.services import fire_due_timers

log = logging.getLogger("baton.worker")


class Command(BaseCommand):
    help = "Run the background worker (fires due timers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true", help="sweep once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("worker started", extra={"interval": options["interval"]})
        while not stopping:
            try:
                fired = fire_due_timers(limit=200)
            except Exception:
                log.exception("timer sweep failed")
                fired = 0
            if fired:
                log.info("timers fired", extra={"count": fired})
            if options["once"]:
                break
            close_old_connections()  # between sweeps: drop connections that expired or broke
            if fired < 200:
                deadline = time.monotonic() + options["interval"]
                while not stopping and time.monotonic() < deadline:
                    time.sleep(0.2)
        log.info("worker stopped")
