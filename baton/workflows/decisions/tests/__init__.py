"""Tests for decision tables: the table model, deploy, triage of new tickets, API and pages."""

from __future__ import annotations

from typing import Any


def triage_table(
    rules: list[tuple[str, str, str, str]] | None = None, hit_policy: str = "FIRST"
) -> dict[str, Any]:
    """customer level × fault category → priority, department code (cells as typed in the editor)."""
    rows = (
        rules
        if rules is not None
        else [
            ('? in ["vip", "strategic"]', '"down"', '"urgent"', '"S"'),
            ('"vip"', "-", '"high"', ""),
        ]
    )
    return {
        "hit_policy": hit_policy,
        "inputs": [
            {"label": "客户等级", "expression": "customer_level"},
            {"label": "故障类型", "expression": "fault_category"},
        ],
        "outputs": [{"label": "优先级", "name": "priority"}, {"label": "部门", "name": "department"}],
        "rules": [{"inputs": [a, b], "outputs": [c, d], "note": ""} for a, b, c, d in rows],
    }
