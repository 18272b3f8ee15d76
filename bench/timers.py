"""SLA timer benchmark on PostgreSQL: firing 10,000 due timers with 1 and 2 worker processes among
1,000,000 open tickets, and the cost of a sweep when nothing is due at 10,000 vs 1,000,000 open tickets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baton_bench_timers .venv/bin/python bench/timers.py
    ... bench/timers.py --open 100000 --due 2000          # smaller and faster

The script DROPS and re-creates the database named in DATABASE_URL (and drops it at the end unless
``--keep``). Prints ONE JSON object; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/baton_bench_timers"
CHUNK = 100_000


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _environment(url: str, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="baton.config.settings",
        BATON_VAR_DIR=var_dir,
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(40),
        PYTHONPATH=str(ROOT),
    )
    env.pop("BATON_DEBUG", None)
    return env


def _admin(url: str, sql: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    with psycopg.connect(
        host=cfg.get("HOST") or None,
        port=int(cfg["PORT"]) if cfg.get("PORT") else None,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql.format(name=str(cfg["NAME"]).replace('"', '""')))


# ---------------------------------------------------------------------------- one worker process


def worker() -> None:
    """``--worker``: one process sweeping until nothing is due; prints its own JSON line."""
    import django

    django.setup()
    from baton.sla.services import timers

    started = time.perf_counter()
    claimed = timers.sweep_all(max_batches=100_000)
    print(json.dumps({"claimed": claimed, "seconds": round(time.perf_counter() - started, 3)}), flush=True)


# ---------------------------------------------------------------------------- the benchmark


def _bulk_open_tickets(cursor: Any, start: int, stop: int, org: dict[str, list[int]]) -> None:
    """Open tickets ``start``..``stop`` with a running resolve clock and its pending breach timer."""
    cursor.execute(
        """
        INSERT INTO tickets_ticket (number, title, description, type, fault_category, priority, status,
            site_id, customer_id, department_id, requester_id, channel, asset_model, resolution, due_at,
            created_at, updated_at, satisfaction_comment, is_drill, version, audit_seq, audit_head)
        SELECT 'BT-' || lpad(g::text, 8, '0'), 'bench ticket ' || g, '', 'store_repair', 'other', 'normal',
            'in_repair', (%(sites)s::bigint[])[1 + g %% %(n)s], (%(customers)s::bigint[])[1 + g %% %(n)s],
            (%(departments)s::bigint[])[1 + g %% %(n)s], (%(requesters)s::bigint[])[1 + g %% %(n)s],
            'web', '', '',
            now() + interval '1 day' + (g %% 43200) * interval '1 minute', now() - interval '1 hour',
            now() - interval '1 hour', '', false, 1, 0, ''
        FROM generate_series(%(start)s, %(stop)s) AS g
        """,
        {**org, "n": len(org["sites"]), "start": start, "stop": stop},
    )
    cursor.execute(
        """
        INSERT INTO sla_slaclock (ticket_id, kind, business, target, own_target, warning_percent, started_at,
            paused_total, pauses, due_at, state)
        SELECT id, 'resolve', false, interval '4 hours', interval '4 hours', 0, created_at, interval '0',
            '[]'::jsonb, due_at, 'running'
        FROM tickets_ticket WHERE number BETWEEN %(lo)s AND %(hi)s
        """,
        {"lo": f"BT-{start:08d}", "hi": f"BT-{stop:08d}"},
    )
    cursor.execute(
        """
        INSERT INTO sla_slatimer (clock_id, ticket_id, kind, due_at)
        SELECT c.id, c.ticket_id, 'breach', c.due_at
        FROM sla_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id
        WHERE t.number BETWEEN %(lo)s AND %(hi)s
        """,
        {"lo": f"BT-{start:08d}", "hi": f"BT-{stop:08d}"},
    )


def _load_to(target: int, loaded: int, org: dict[str, list[int]]) -> int:
    from django.db import connection, transaction

    while loaded < target:
        stop = min(target, loaded + CHUNK)
        with transaction.atomic(), connection.cursor() as cursor:
            _bulk_open_tickets(cursor, loaded + 1, stop, org)
        loaded = stop
        _log(f"  {loaded:,} open tickets with running clocks")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE sla_slaclock")
        cursor.execute("VACUUM ANALYZE sla_slatimer")
    return loaded


def _idle_sweep(samples: int) -> dict[str, Any]:
    """Sweeps when nothing is due: latency and the buffers the claim query touches."""
    from django.db import connection

    from baton.sla.services import timers

    times = []
    for _ in range(samples):
        started = time.perf_counter()
        assert timers.sweep() == 0
        times.append((time.perf_counter() - started) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT t.id FROM sla_slatimer t "
            "JOIN tickets_ticket k ON k.id = t.ticket_id WHERE t.fired_at IS NULL AND t.due_at <= now() "
            "ORDER BY t.due_at, t.id LIMIT 50 FOR UPDATE OF t, k SKIP LOCKED"
        )
        plan = cursor.fetchone()[0][0]
    text = json.dumps(plan)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
        "claim_shared_buffers": plan["Plan"].get("Shared Hit Blocks", 0)
        + plan["Plan"].get("Shared Read Blocks", 0),
        "uses_pending_index": "ix_sla_timer_pending" in text,
    }


def _make_due(count: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH picked AS (
                SELECT id, clock_id FROM sla_slatimer WHERE fired_at IS NULL ORDER BY id DESC LIMIT %s
            ), moved AS (
                UPDATE sla_slatimer t SET due_at = now() - interval '1 minute'
                FROM picked WHERE t.id = picked.id
                RETURNING t.id, t.clock_id
            )
            UPDATE sla_slaclock c SET due_at = now() - interval '1 minute'
            FROM moved WHERE c.id = moved.clock_id
            RETURNING moved.id
            """,
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


def _fire_with(workers: int, due: list[int], env: dict[str, str]) -> dict[str, Any]:
    from baton.notifications.models import Notification
    from baton.sla.models import SlaTimer

    before = Notification.objects.filter(event="sla_breach").count()
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(workers)
    ]
    reports = []
    for process in processes:
        out, _ = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise SystemExit(f"a worker failed with {process.returncode}")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    seconds = time.perf_counter() - started
    unfired = SlaTimer.objects.filter(pk__in=due, fired_at__isnull=True).count()
    alerts = Notification.objects.filter(event="sla_breach").count() - before
    return {
        "workers": workers,
        "timers": len(due),
        "seconds_wall": round(seconds, 2),
        "seconds_in_workers": [r["seconds"] for r in reports],
        "claimed_per_worker": [r["claimed"] for r in reports],
        "timers_per_second": round(len(due) / max(r["seconds"] for r in reports), 1),
        "unfired_after": unfired,
        "alerts": alerts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=1_000_000, help="open tickets at full size (default 1M)")
    parser.add_argument("--small", type=int, default=10_000, help="open tickets for the small idle sweep")
    parser.add_argument("--due", type=int, default=10_000, help="timers due per firing run (default 10k)")
    parser.add_argument("--samples", type=int, default=200, help="idle sweeps timed at each size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench/timers.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    var_dir = tempfile.mkdtemp(prefix="baton-bench-timers-")
    env = _environment(url, var_dir)
    os.environ.update(env)
    _admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(url, 'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from baton.customers.models import Site
        from baton.demo.builder import build_company

        build_company()
        sites = list(Site.objects.select_related("region").order_by("pk"))
        org = {
            "sites": [s.pk for s in sites],
            "customers": [s.customer_id for s in sites],
            "departments": [s.region.department_id for s in sites],
            "requesters": [s.manager_id for s in sites],
        }
        _log(f"loading {args.small:,} open tickets")
        loaded = _load_to(args.small, 0, org)
        idle_small = _idle_sweep(args.samples)
        _log(f"loading up to {args.open:,} open tickets")
        loaded = _load_to(args.open, loaded, org)
        idle_large = _idle_sweep(args.samples)
        _log(f"firing {args.due:,} due timers with 1 worker")
        one = _fire_with(1, _make_due(args.due), env)
        _log(f"firing {args.due:,} due timers with 2 workers")
        two = _fire_with(2, _make_due(args.due), env)
        result = {
            "benchmark": "sla_timers",
            "database": "postgresql",
            "open_tickets": loaded,
            "pending_timers": loaded - 2 * args.due,
            "idle_sweep": {f"open_{args.small}": idle_small, f"open_{loaded}": idle_large},
            "fire": {"one_worker": one, "two_workers": two},
            "bars": {
                "idle_sweep_does_not_grow": idle_large["claim_shared_buffers"]
                <= idle_small["claim_shared_buffers"] + 2,
                "every_timer_fired_once": one["unfired_after"] == 0
                and two["unfired_after"] == 0
                and one["alerts"] == args.due
                and two["alerts"] == args.due,
            },
            "seconds_total": round(time.perf_counter() - started, 1),
            "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
        print(json.dumps(result, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
