"""The demo's triage decision 工单分级: customer level × fault category → priority (and department).

Seeded after the history, so the past tickets keep the priorities their requesters chose;
tickets opened in the demo from then on are triaged (see ``baton.workflows.decisions.triage``).
The department column is there to show routing; it is empty (the region's department) here.
"""

from __future__ import annotations

from typing import Any

from baton.workflows.decisions import services as decisions
from baton.workflows.decisions.models import DecisionDefinition, DecisionVersion

TRIAGE_KEY = "triage"
TRIAGE_TABLE: dict[str, Any] = {
    "hit_policy": "FIRST",
    "inputs": [
        {"label": "客户等级 Customer level", "expression": "customer_level"},
        {"label": "故障类型 Fault", "expression": "fault_category"},
    ],
    "outputs": [
        {"label": "优先级 Priority", "name": "priority"},
        {"label": "处理部门 Department", "name": "department"},
    ],
    "rules": [
        {
            "inputs": ['? in ["vip", "strategic"]', '"down"'],
            "outputs": ['"urgent"', ""],
            "note": "重点客户设备停机 Key customer, equipment down",
        },
        {
            "inputs": ['? in ["vip", "strategic"]', '? in ["not_cooling", "no_power", "leak"]'],
            "outputs": ['"high"', ""],
            "note": "重点客户影响营业 Key customer, business affected",
        },
        {"inputs": ["-", '"down"'], "outputs": ['"high"', ""], "note": "设备停机 Equipment down"},
        {"inputs": ["-", '"noise"'], "outputs": ['"low"', ""], "note": "异响 Noise only"},
    ],
}


def seed_triage_decision() -> DecisionVersion | None:
    """Deploy 工单分级 unless a decision with its key exists (idempotent)."""
    if DecisionDefinition.objects.filter(key=TRIAGE_KEY).exists():
        return None
    return decisions.deploy_decision(
        key=TRIAGE_KEY, name="工单分级 Ticket triage", table=TRIAGE_TABLE, triage=True
    )
