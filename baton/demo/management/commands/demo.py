"""``baton demo``: build the demo restaurant chain 味道连锁餐饮 and print who can sign in."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from baton.core.errors import BatonError
from baton.demo.builder import DemoSummary, build_demo
from baton.demo.data import COMPANY_NAME, DEMO_PASSWORD


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def login_table(summary: DemoSummary) -> str:
    header = ("username", "role", "角色", "what to try / 试试")
    rows = [(x.username, x.role, x.role_zh, x.try_this) for x in summary.logins]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join([*(_pad(row[i], widths[i]) for i in range(3)), row[3]]).rstrip())
        if row is header:
            lines.append("  ".join("-" * w for w in [*widths, _width(header[3])]))
    return "\n".join(lines)


class Command(BaseCommand):
    help = f"Build the demo company {COMPANY_NAME} (skipped when it already exists)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = build_demo(stdout=self.stdout)
        except BatonError as exc:
            raise CommandError(exc.message) from exc
        if summary.created:
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(summary.tickets_by_status.items()))
            self.stdout.write(
                f"\n演示数据已生成 in {summary.seconds:.1f}s: {summary.regions} 区域, {summary.sites} 门店, "
                f"{summary.assets} 台设备, {summary.users} 位用户, {summary.tickets} 张工单 ({statuses})."
            )
        self.stdout.write(
            "\n打开 Open http://127.0.0.1:8000/ (`baton run`) · API 文档 http://127.0.0.1:8000/api/v1/docs\n"
            f"所有演示账号的密码 Every demo log-in's password: {DEMO_PASSWORD}\n"
        )
        self.stdout.write(login_table(summary))
        self.stdout.write(
            "\n其余账号 More: agent2, dispatcher_east/south, tech_north2..3, tech_east1..3, tech_south1..3, "
            "manager_east/south, store_<门店代码> (store_sh01, store_gz02, …)."
        )
