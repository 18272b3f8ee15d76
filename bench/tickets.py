"""Ticket benchmark: creation throughput through the API, and to-do / list latency at 100,000 tickets.

    .venv/bin/python bench/tickets.py                       # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baton_bench .venv/bin/python bench/tickets.py

Prints ONE JSON object. See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARS = {"create_per_second": 200.0, "todo_p95_ms": 50.0, "list_p95_ms": 100.0}


# ---------------------------------------------------------------------------- database set-up


def _configure_environment(var_dir: Path) -> None:
    """Production-like settings: DEBUG off (no query log), the host the test client uses allowed."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "baton.config.settings"
    os.environ["BATON_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.pop("BATON_DEBUG", None)


def _postgres_admin(url: str) -> tuple[str, Callable[[str], None]]:
    """The database name and a function running one statement in the maintenance database."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = str(cfg["NAME"])

    def run(sql: str) -> None:
        with psycopg.connect(
            host=cfg.get("HOST") or None,
            port=int(cfg["PORT"]) if cfg.get("PORT") else None,
            user=cfg.get("USER") or None,
            password=cfg.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    return name, run


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------- measuring


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _summary_ms(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "p50_ms": round(_percentile(ms, 0.5), 2),
        "p95_ms": round(_percentile(ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else 0.0,
        "max_ms": round(max(ms), 2) if ms else 0.0,
        "requests": len(ms),
    }


@contextmanager
def _quiet_engine_logs() -> Iterator[None]:
    """SpiffWorkflow logs each task state change at INFO (see the report); keep it out of the timing."""
    import logging

    logger = logging.getLogger("spiff")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Endpoints:
    """The four read endpoints, each fetched by a signed-in client."""

    def __init__(self, web: Any, api: Any, token: str) -> None:
        self.web = web
        self.api = api
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def calls(self) -> dict[str, Callable[[], Any]]:
        return {
            "todo_page": lambda: self.web.get("/"),
            "api_todo": lambda: self.api.get("/api/v1/todo", **self.auth),
            "ticket_list_page": lambda: self.web.get("/tickets/"),
            "api_tickets": lambda: self.api.get("/api/v1/tickets", **self.auth),
        }


def _check(response: Any, what: str) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{what}: HTTP {response.status_code}: {response.content[:500]!r}")


def count_queries(endpoints: Endpoints) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, int] = {}
    for name, call in endpoints.calls().items():
        _check(call(), name)  # warm
        with CaptureQueriesContext(connection) as ctx:
            _check(call(), name)
        counts[name] = len(ctx.captured_queries)
    return counts


def time_endpoints(endpoints: Endpoints, requests: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, call in endpoints.calls().items():
        for _ in range(5):
            _check(call(), name)
        samples: list[float] = []
        for _ in range(requests):
            started = time.perf_counter()
            response = call()
            samples.append(time.perf_counter() - started)
            _check(response, name)
        out[name] = _summary_ms(samples)
    return out


# ---------------------------------------------------------------------------- creating through the API


def create_through_api(client: Any, token: str, targets: list[tuple[int, int]], count: int) -> dict[str, Any]:
    """POST /api/v1/tickets ``count`` times; each runs the whole service (flow, first step, due, event)."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        site_id, asset_id = targets[i % len(targets)]
        body = json.dumps(
            {
                "title": f"冷柜不制冷 #{i}",
                "description": "箱温 -5℃，请尽快处理。",
                "fault_category": "not_cooling",
                "priority": ("normal", "high", "urgent", "low")[i % 4],
                "site_id": site_id,
                "asset_id": asset_id,
            }
        )
        t0 = time.perf_counter()
        response = client.post("/api/v1/tickets", data=body, content_type="application/json", **auth)
        samples.append(time.perf_counter() - t0)
        if response.status_code != 201:
            raise SystemExit(f"create: HTTP {response.status_code}: {response.content[:500]!r}")
    elapsed = time.perf_counter() - started
    return {
        "tickets": count,
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed, 1),
        **_summary_ms(samples),
    }


# ---------------------------------------------------------------------------- bulk loading


class RawInserter:
    """``executemany`` INSERTs of plain tuples: the ORM's per-object work would dominate the load time."""

    def __init__(self, model: Any, cursor: Any, *, with_pk: bool) -> None:
        from django.db import connection
        from django.db.models import DateTimeField, JSONField

        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults = {f.attname: None if f.primary_key else f.get_default() for f in self.fields}
        ops = connection.ops
        self.adapters: list[Callable[[Any], Any] | None] = []
        for f in self.fields:
            if isinstance(f, DateTimeField):
                self.adapters.append(ops.adapt_datetimefield_value)
            elif isinstance(f, JSONField):
                self.adapters.append(functools.partial(ops.adapt_json_value, encoder=f.encoder))
            else:
                self.adapters.append(None)
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        table = ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
        self.cursor = cursor
        self.rows: list[tuple[Any, ...]] = []

    def add(self, **values: Any) -> None:
        """One row; keys that are not columns of the model (e.g. a proposed field) are ignored."""
        row = {**self.defaults, **values}
        self.rows.append(
            tuple(
                adapt(row[f.attname]) if adapt and row[f.attname] is not None else row[f.attname]
                for f, adapt in zip(self.fields, self.adapters, strict=True)
            )
        )

    def flush(self) -> int:
        count = len(self.rows)
        if self.rows:
            self.cursor.executemany(self.sql, self.rows)
            self.rows = []
        return count


def bulk_load(company: Any, total: int, *, now: datetime, chunk: int = 5000) -> dict[str, Any]:
    """Insert ``total`` consistent tickets with plain INSERTs (NOT through the services).

    Each ticket gets its steps (completed ones for its history, one active step while open,
    owned as the flow would own it, with a due time), its participants and one hash-chained
    ``created`` event (``audit_seq``/``audit_head`` set), so ``baton audit verify`` passes. No
    flow instance is stored: these rows exist to be read, not worked on.
    """
    import random

    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from baton.core.hashing import GENESIS, chain_hash
    from baton.tickets.events import _payload
    from baton.tickets.models import Participant, Status, Step, StepState, Ticket, TicketEvent

    rng = random.Random(7)
    stores = company.stores
    region_of = {r.region.pk: r for r in company.regions.values()}
    statuses = (
        [Status.CLOSED] * 90
        + [Status.WAITING_DISPATCH] * 3
        + [Status.IN_REPAIR] * 4
        + [Status.WAITING_ACCEPTANCE] * 3
    )
    history = {
        Status.WAITING_DISPATCH: ([], "dispatch"),
        Status.IN_REPAIR: (["dispatch"], "repair"),
        Status.WAITING_ACCEPTANCE: (["dispatch", "repair"], "acceptance"),
        Status.CLOSED: (["dispatch", "repair", "acceptance"], None),
    }
    sla = {"dispatch": timedelta(minutes=30), "repair": timedelta(hours=4), "acceptance": timedelta(days=2)}
    names = {
        "dispatch": ("Task_dispatch", "派工 Dispatch", "assign"),
        "repair": ("Task_repair", "维修 Repair", "done"),
        "acceptance": ("Task_acceptance", "验收 Acceptance", "accept"),
    }
    counts = {"tickets": 0, "steps": 0, "participants": 0, "events": 0}
    next_id = (Ticket.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    started = time.perf_counter()
    while counts["tickets"] < total:
        n = min(chunk, total - counts["tickets"])
        with transaction.atomic(), connection.cursor() as cursor:
            tickets = RawInserter(Ticket, cursor, with_pk=True)
            steps = RawInserter(Step, cursor, with_pk=False)
            participants = RawInserter(Participant, cursor, with_pk=False)
            events = RawInserter(TicketEvent, cursor, with_pk=False)
            for _ in range(n):
                ticket_id = next_id
                next_id += 1
                store = rng.choice(stores)
                asset = rng.choice(store.assets)
                region = region_of[store.site.region_id]
                status = rng.choice(statuses)
                done, active = history[status]
                created = now - timedelta(
                    minutes=rng.uniform(5, 60 * 24 * (365 if status == Status.CLOSED else 7))
                )
                owners = {
                    "dispatch": region.dispatcher,
                    "repair": rng.choice(region.technicians),
                    "acceptance": store.manager,
                }
                moment = created
                for key in done:
                    end = moment + timedelta(minutes=rng.uniform(5, 240))
                    task, name, outcome = names[key]
                    steps.add(
                        ticket_id=ticket_id,
                        key=task,
                        name=name,
                        task_id=task,
                        state=StepState.COMPLETED,
                        owner_id=owners[key].pk,
                        department_id=region.department.pk,
                        due_at=moment + sla[key],
                        entered_at=moment,
                        accepted_at=moment,
                        completed_at=end,
                        completed_by_id=owners[key].pk,
                        outcome=outcome,
                    )
                    moment = end
                if active is not None:
                    task, name, _ = names[active]
                    steps.add(
                        ticket_id=ticket_id,
                        key=task,
                        name=name,
                        task_id=task,
                        state=StepState.ACTIVE,
                        owner_id=owners[active].pk,
                        department_id=region.department.pk,
                        due_at=moment + sla[active],
                        entered_at=moment,
                    )
                for uid in sorted({owners[key].pk for key in [*done, *([active] if active else [])]}):
                    participants.add(ticket_id=ticket_id, user_id=uid, department_id=region.department.pk)
                title = f"{asset.name}故障 #{ticket_id}"
                priority = rng.choice(("low", "normal", "normal", "high", "urgent"))
                event = TicketEvent(
                    ticket_id=ticket_id,
                    seq=1,
                    kind="created",
                    actor_id=store.manager.pk,
                    data={"title": title, "priority": priority, "bulk": True},
                    created_at=created,
                    prev_hash=GENESIS,
                )
                event.hash = chain_hash(GENESIS, _payload(event))
                closed_at = moment if status == Status.CLOSED else None
                tickets.add(
                    id=ticket_id,
                    number=f"BK-{created:%Y%m%d}-{ticket_id:07d}",
                    title=title,
                    description="bulk-loaded for the benchmark",
                    type="store_repair",
                    fault_category="other",
                    priority=priority,
                    status=status,
                    site_id=store.site.pk,
                    asset_id=asset.pk,
                    customer_id=store.site.customer_id,
                    department_id=region.department.pk,
                    requester_id=store.manager.pk,
                    channel="mobile",
                    asset_model=asset.model,
                    due_at=created + timedelta(hours=24),
                    created_at=created,
                    updated_at=closed_at or moment,
                    closed_at=closed_at,
                    satisfaction=rng.choice((3, 4, 5, 5)) if closed_at else None,
                    audit_seq=1,
                    audit_head=event.hash,
                )
                events.add(
                    ticket_id=ticket_id,
                    seq=1,
                    kind=event.kind,
                    actor_id=event.actor_id,
                    data=event.data,
                    created_at=created,
                    prev_hash=GENESIS,
                    hash=event.hash,
                )
            counts["tickets"] += tickets.flush()
            counts["steps"] += steps.flush()
            counts["participants"] += participants.flush()
            counts["events"] += events.flush()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
            cursor.execute(sql)
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


def analyze() -> None:
    """Refresh planner statistics (and the visibility map), as autovacuum or ``PRAGMA optimize`` would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def dispatch_some(count: int) -> int:
    """Dispatch the oldest waiting tickets through the service, so the dispatcher's queue is not empty."""
    from baton.accounts.models import User
    from baton.tickets import services
    from baton.tickets.models import Status, Step, StepState, Ticket

    techs = list(User.objects.filter(username__startswith="tech_north").order_by("username"))
    done = 0
    waiting = Ticket.objects.filter(status=Status.WAITING_DISPATCH, department__code="HB").order_by("pk")
    for i, ticket in enumerate(waiting[:count]):
        step = Step.objects.select_related("owner").get(ticket=ticket, state=StepState.ACTIVE)
        services.complete_step(
            ticket=ticket,
            step_id=step.pk,
            actor=step.owner,
            outcome="assign",
            values={"technician": techs[i % len(techs)].pk},
        )
        done += 1
    return done


# ---------------------------------------------------------------------------- main


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from baton.accounts.models import User
    from baton.accounts.services import create_api_token
    from baton.core import clock
    from baton.demo.builder import build_company
    from baton.tickets.models import Status, Step, StepState, Ticket

    call_command("migrate", verbosity=0)
    company = build_company()
    agent = User.objects.get(username="agent1")
    dispatcher = User.objects.get(username="dispatcher_north")
    _, agent_token = create_api_token(user=agent, name="bench")
    _, dispatcher_token = create_api_token(user=dispatcher, name="bench")
    targets = [(store.site.pk, asset.pk) for store in company.stores for asset in store.assets]

    web = Client()
    web.force_login(dispatcher)
    reader = Endpoints(web, Client(), dispatcher_token)
    creator = Client()

    result: dict[str, Any] = {
        "database": connection.vendor,
        "server": "in-process django.test.Client (full middleware and URL routing, no network)",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    with _quiet_engine_logs():
        create_through_api(creator, agent_token, targets, 50)  # warm-up, and the "50 tickets" database
        dispatch_some(20)  # so the dispatcher's department queue is not empty either
        result["queries_per_request_at_50"] = count_queries(reader)
        load_before = os.getloadavg()
        cpu = time.process_time()
        result["create"] = create_through_api(creator, agent_token, targets, args.create)
        result["create"]["cpu_seconds"] = round(time.process_time() - cpu, 2)
        result["create"]["load_average_before"] = [round(x, 2) for x in load_before]
    existing = Ticket.objects.count()
    result["bulk_load"] = bulk_load(company, max(0, args.tickets - existing), now=clock.now())
    result["tickets_in_database"] = Ticket.objects.count()
    if args.analyze:
        analyze()
    result["analyzed"] = args.analyze
    open_steps = Step.objects.filter(state=StepState.ACTIVE)
    result["reader"] = {
        "user": "dispatcher_north (派工主管, scope 华北区)",
        "own_active_steps": open_steps.filter(owner=dispatcher).count(),
        "queue_active_steps": open_steps.filter(ticket__department__code="HB")
        .exclude(owner=dispatcher)
        .count(),
        "visible_tickets": Ticket.objects.filter(department__code="HB").count(),
        "open_tickets_total": Ticket.objects.exclude(status=Status.CLOSED).count(),
    }
    result[f"queries_per_request_at_{result['tickets_in_database']}"] = count_queries(reader)
    load_before = os.getloadavg()
    result["latency_at_full_size"] = time_endpoints(reader, args.requests)
    result["latency_load_average_before"] = [round(x, 2) for x in load_before]
    lat = result["latency_at_full_size"]
    result["bars"] = {
        # The creation bar is set for SQLite in one process; on PostgreSQL the figure is reported only.
        "create_per_second >= 200 (SQLite)": (
            result["create"]["per_second"] >= BARS["create_per_second"]
            if connection.vendor == "sqlite"
            else "not a bar on PostgreSQL"
        ),
        "todo p95 <= 50 ms (page and API)": max(lat["todo_page"]["p95_ms"], lat["api_todo"]["p95_ms"])
        <= BARS["todo_p95_ms"],
        "list p95 <= 100 ms (page and API)": max(
            lat["ticket_list_page"]["p95_ms"], lat["api_tickets"]["p95_ms"]
        )
        <= BARS["list_p95_ms"],
        "queries do not grow with rows": result["queries_per_request_at_50"]
        == result[f"queries_per_request_at_{result['tickets_in_database']}"],
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the database for the reads")
    parser.add_argument("--create", type=int, default=1000, help="tickets created through the API (timed)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per read endpoint")
    parser.add_argument(
        "--no-analyze", dest="analyze", action="store_false", help="skip ANALYZE after the bulk load"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="baton-bench-"))
    _configure_environment(var_dir)
    url = os.environ.get("DATABASE_URL", "")
    drop: Callable[[], None] | None = None
    if url.startswith(("postgres://", "postgresql://")):
        name, admin = _postgres_admin(url)
        admin(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
        admin(f"CREATE DATABASE {_quote_ident(name)}")

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            admin(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")

    started = time.perf_counter()
    try:
        result = run(args)
        result["total_seconds"] = round(time.perf_counter() - started, 1)
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if not args.keep:
            if drop is not None:
                drop()
            shutil.rmtree(var_dir, ignore_errors=True)
        else:
            print(f"kept: {url or var_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
