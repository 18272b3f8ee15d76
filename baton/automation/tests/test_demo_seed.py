"""The demo's automation seed: the VIP 设备停机 rule, duty, skills, roster and strategies work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from baton.automation.models import DispatchSetting, DutyMapping, RosterEntry, Rule, TechnicianSkill
from baton.demo.automation import seed_automation
from baton.demo.builder import build_company
from baton.tickets import services
from baton.tickets.models import Step, StepState

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@time_machine.travel(NOON, tick=False)
def test_seed_rule_and_strategies_work_on_the_demo_company():
    company = build_company()
    seed_automation()
    assert Rule.objects.filter(enabled=True).count() == 1
    assert DutyMapping.objects.count() == 1
    assert TechnicianSkill.objects.count() == 24
    assert RosterEntry.objects.count() == 3 * 8
    assert sorted(DispatchSetting.objects.values_list("department__code", "strategy")) == [
        ("HD", "round_robin"),
        ("HN", "roster"),
    ]
    vip = next(s for s in company.stores if s.site.customer and s.site.customer.level == "vip")
    ticket = services.create_ticket(
        requester=vip.manager, title="炸炉停机", asset=vip.assets[0], fault_category="down"
    )
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    step = Step.objects.get(ticket=ticket, state=StepState.ACTIVE)
    assert step.key == "Task_repair"
    assert step.owner.username.startswith("tech_")
    # in the south, whoever is on the day shift (tech 1, 08:00–16:00) gets a normal ticket
    south = next(s for s in company.stores if s.site.region.code == "HN")
    other = services.create_ticket(requester=south.manager, title="不制冷", asset=south.assets[0])
    assert Step.objects.get(ticket=other, state=StepState.ACTIVE).owner.username == "tech_south1"
