"""Real worker processes against PostgreSQL (and Redis): Celery fires timers; a SIGKILL loses nothing.

These tests need committed data that another process can read, so they run with
``transaction=True`` and only on PostgreSQL (``DATABASE_URL``); the Celery one also needs Redis
(DB 13). Waiting is for subprocesses (with timeouts), never for a timer.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from baton.core import clock
from baton.notifications.models import Notification
from baton.sla.models import ClockState, SlaClock, SlaTimer, TimerKind
from baton.tickets.models import TicketEvent
from baton.tickets.tests.helpers import open_ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/13"


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… to run the worker tests")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="baton.config.settings_test",
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def _due_timers(org, tickets: int, per_ticket: int) -> list[int]:
    """``tickets`` real tickets, each with ``per_ticket`` extra clocks whose breach is a minute past due."""
    now = clock.now()
    ids = []
    for _ in range(tickets):
        ticket = open_ticket(org)
        clocks = SlaClock.objects.bulk_create(
            SlaClock(
                ticket=ticket,
                kind=f"bench{i}",
                target=timedelta(minutes=30),
                started_at=now - timedelta(minutes=31),
                due_at=now - timedelta(minutes=1),
                state=ClockState.RUNNING,
            )
            for i in range(per_ticket)
        )
        timers = SlaTimer.objects.bulk_create(
            SlaTimer(clock=c, ticket=ticket, kind=TimerKind.BREACH, due_at=now - timedelta(minutes=1))
            for c in clocks
        )
        ids += [t.pk for t in timers]
    return ids


def _alerts(timer_ids: list[int]) -> list[str]:
    keys = [f"sla:timer:{pk}:" for pk in timer_ids]
    rows = Notification.objects.filter(event="sla_breach").values_list("idempotency_key", flat=True)
    return sorted(k for k in rows if any(k.startswith(prefix) for prefix in keys))


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().strip() if ready else ""


STALL_AFTER = """
import django, sys, time
django.setup()
from baton.sla.services import timers
real, count = timers._fire, [0]
def fire(*args, **kwargs):
    count[0] += 1
    if count[0] == int(sys.argv[1]):
        print("MIDWAY", flush=True)
        time.sleep(600)  # a worker stuck mid-batch, holding its locks, until it is killed
    return real(*args, **kwargs)
timers._fire = fire
timers.sweep_all()
"""

SWEEP = (
    "import django; django.setup(); from baton.sla.tasks import sweep_sla_timers; print(sweep_sla_timers())"
)


def test_worker_killed_mid_sweep_of_500_timers_loses_none_and_doubles_none(org):
    _postgres_only()
    timer_ids = _due_timers(org, tickets=25, per_ticket=20)
    assert len(timer_ids) == 500
    worker = subprocess.Popen(
        [sys.executable, "-c", STALL_AFTER, "130"], env=_env(), stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert _read_line(worker, timeout=120) == "MIDWAY"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    fired_before = SlaTimer.objects.filter(pk__in=timer_ids, fired_at__isnull=False).count()
    assert fired_before == 100  # two batches of 50 committed; the third died with the worker
    assert len(_alerts(timer_ids)) == 100

    restarted = subprocess.run(
        [sys.executable, "-c", SWEEP],
        env=_env(),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    assert restarted.stdout.strip().splitlines()[-1] == "400"
    alerts = _alerts(timer_ids)
    assert len(alerts) == 500
    assert len(set(alerts)) == 500
    assert SlaTimer.objects.filter(pk__in=timer_ids, fired_at__isnull=True).count() == 0
    breached = TicketEvent.objects.filter(kind="sla_breached", data__clock__startswith="bench").count()
    assert breached == 500


@pytest.fixture
def celery_worker() -> Iterator[None]:
    if not _redis_up():
        pytest.skip("needs Redis at 127.0.0.1:6379 (DB 13) for the Celery worker")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "baton.config.celery",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def _wait_for(predicate, timeout: float) -> bool:
    """Poll the database while a worker process does its work (not a sleep waiting for a timer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_real_celery_worker_on_redis_fires_due_timers_and_not_future_ones(org, celery_worker):
    _postgres_only()
    from celery import Celery

    due = _due_timers(org, tickets=2, per_ticket=5)
    future = open_ticket(org)
    future_timers = list(SlaTimer.objects.filter(ticket=future).values_list("pk", flat=True))
    sender = Celery("test-sender", broker=REDIS_URL)
    sender.send_task("baton.sla.tasks.sweep_sla_timers")
    assert _wait_for(lambda: len(_alerts(due)) == 10, timeout=90)
    assert SlaTimer.objects.filter(pk__in=due, fired_at__isnull=True).count() == 0
    assert SlaTimer.objects.filter(pk__in=future_timers, fired_at__isnull=False).count() == 0
    later = _due_timers(org, tickets=1, per_ticket=1)  # proves the second run happened
    sender.send_task("baton.sla.tasks.sweep_sla_timers")
    assert _wait_for(lambda: len(_alerts(later)) == 1, timeout=90)
    assert len(_alerts(due)) == 10  # the second run fired none of the first ones again
    assert TicketEvent.objects.filter(ticket=future, kind__startswith="sla_").count() == 0
