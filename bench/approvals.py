"""Approval engine benchmark: the engine's share of 驳回至 (reset to a chosen step) and of a
completion, and how the lean instance JSON grows (or not) with reject → redo loops.

    .venv/bin/python bench/approvals.py [--loops 50] [--rounds 200]

Engine only (no database): restore the lean JSON, act, dump, as one request does. Prints ONE
JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loops", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baton.config.settings_test")
    import django

    django.setup()
    logging.getLogger("spiff").setLevel(logging.WARNING)
    from baton.tickets.tests.approval_flows import approval_flow
    from baton.workflows import engine

    flow = engine.compile_flow(approval_flow(mode="all"))

    def at_approval() -> engine.FlowInstance:
        running = engine.start_instance(flow, {})
        for _ in range(2):
            running.complete(running.active_tasks()[0].task_id, {})
        return running

    state = at_approval().dump()
    send_back, complete = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        running = engine.load_instance(flow, state)
        running.send_back(running.active_tasks()[0].task_id, "Task_request")
        running.dump()
        send_back.append(time.perf_counter() - started)
        started = time.perf_counter()
        running = engine.load_instance(flow, state)
        running.complete(running.active_tasks()[0].task_id, {"outcome": "approve"})
        running.dump()
        complete.append(time.perf_counter() - started)

    running = at_approval()
    sizes = [len(running.dump())]
    for _ in range(args.loops):
        running.send_back(running.active_tasks()[0].task_id, "Task_request")
        for _ in range(2):
            running.complete(running.active_tasks()[0].task_id, {})
        sizes.append(len(running.dump()))
    print(
        json.dumps(
            {
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                "rounds": args.rounds,
                "send_back_load_reset_dump": _ms(send_back),
                "approve_load_complete_dump": _ms(complete),
                "state_bytes": {"before": sizes[0], "after_loops": sizes[-1], "loops": args.loops},
            }
        )
    )


if __name__ == "__main__":
    main()
