"""Ticket creation through a real server: gunicorn as ``baton run`` starts it, over HTTP.

    .venv/bin/python bench/server.py [--create 1000] [--threads 4]

A fresh SQLite database in a temporary directory (or ``DATABASE_URL``, which is used as it is:
point it at a database that exists for benchmarking), the demo company's structure, and one
gunicorn worker with ``--threads`` threads. One client sends ``POST /api/v1/tickets`` one after
the other over one keep-alive connection, the way an integration would. Prints ONE JSON object:
tickets per second, p50/p95 latency as the client saw it.

``bench/tickets.py`` measures the same request through Django's in-process test client (no HTTP,
no WSGI server, the database connection kept); this script adds what a deployment adds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tickets import _configure_environment, _percentile  # noqa: E402 - after the path is set


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare() -> tuple[str, list[int]]:
    """Migrate, build the demo company's structure; an API token for agent1 and every asset id."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from baton.accounts.models import User
    from baton.accounts.services import create_api_token
    from baton.demo.builder import build_company

    call_command("migrate", verbosity=0)
    company = build_company()
    _, secret = create_api_token(user=User.objects.get(username="agent1"), name="bench")
    assets = [asset.pk for store in company.stores for asset in store.assets]
    connections.close_all()
    return secret, assets


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def _create(port: int, secret: str, assets: list[int], count: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    samples: list[float] = []
    for i in range(count):
        body = json.dumps(
            {
                "title": f"冷柜不制冷 #{i}",
                "description": "箱温 -5℃，请尽快处理。",
                "fault_category": "not_cooling",
                "priority": ("normal", "high", "urgent", "low")[i % 4],
                "asset_id": assets[i % len(assets)],
            }
        )
        started = time.perf_counter()
        conn.request("POST", "/api/v1/tickets", body=body.encode(), headers=headers)
        response = conn.getresponse()
        content = response.read()
        samples.append(time.perf_counter() - started)
        if response.status != 201:
            raise SystemExit(f"create: HTTP {response.status}: {content[:500]!r}")
    conn.close()
    return samples


def run(args: argparse.Namespace, var_dir: Path) -> dict[str, Any]:
    _configure_environment(var_dir)
    os.environ["BATON_LOG_LEVEL"] = "WARNING"  # no access or engine log lines in the timing
    secret, assets = _prepare()
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "baton.config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=dict(os.environ), cwd=ROOT)
    try:
        _wait_until_up(port, server)
        _create(port, secret, assets, 50)  # warm-up
        load_before = os.getloadavg()
        started = time.perf_counter()
        samples = _create(port, secret, assets, args.create)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    ms = [s * 1000 for s in samples]
    return {
        "database": "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        "server": f"gunicorn, 1 worker × {args.threads} threads; one client, one keep-alive connection",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "create": {
            "tickets": args.create,
            "seconds": round(elapsed, 2),
            "per_second": round(args.create / elapsed, 1),
            "p50_ms": round(_percentile(ms, 0.5), 2),
            "p95_ms": round(_percentile(ms, 0.95), 2),
            "load_average_before": [round(x, 2) for x in load_before],
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--create", type=int, default=1000, help="timed POST /api/v1/tickets requests")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads (baton run uses 4)")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="baton-http-bench-"))
    try:
        print(json.dumps(run(args, var_dir), ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
