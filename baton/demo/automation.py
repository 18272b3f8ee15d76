"""The demo's automation: the seed rule, department duty, technicians' skills, a duty roster and
per-region dispatch strategies.

- Rule "VIP 客户设备停机 ⇒ 紧急并立即派工": a VIP customer's 设备停机 ticket becomes urgent and is
  dispatched at once to the least loaded technician.
- Department duty: software faults (POS, ordering screens) are the duty of 华东区, whose technicians
  know the systems; a region whose dispatch strategy is "department duty" hands them over there.
- Skills: every technician repairs two or three fault categories.
- Dispatch: 华北区 keeps manual dispatch (its dispatcher's to-do list is part of the tour), 华东区
  uses round robin, 华南区 whoever is on duty now (an 8-hour three-shift roster for the next week).

Written after the history, so the historical tickets were dispatched by people as they were.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction

from baton.accounts.models import Department, User
from baton.automation import services as automation
from baton.automation.models import DispatchSetting, DutyMapping, RosterEntry, Strategy, TechnicianSkill
from baton.core import clock
from baton.tickets.models import FaultCategory
from baton.tickets.services import clock_zone

from . import data

SEED_RULE = {
    "name": "VIP 客户设备停机 ⇒ 紧急并立即派工",
    "enabled": True,
    "order": 10,
    "trigger": "created",
    "condition": 'customer_level == "vip" && fault_category == "down"',
    "actions": [
        {"type": "set_priority", "priority": "urgent"},
        {"type": "dispatch", "strategy": "least_loaded"},
    ],
}
SKILLS = [
    (FaultCategory.NOT_COOLING, FaultCategory.LEAK, FaultCategory.NOISE),
    (FaultCategory.NO_POWER, FaultCategory.DOWN),
    (FaultCategory.DOWN, FaultCategory.SOFTWARE, FaultCategory.OTHER),
]
STRATEGIES = {"east": Strategy.ROUND_ROBIN, "south": Strategy.ROSTER}
SHIFTS = [(time(8), 8), (time(16), 8), (time(0), 8)]  # tech 1 days, tech 2 evenings, tech 3 nights
ROSTER_DAYS = 7


@transaction.atomic
def seed_automation() -> None:
    admin = User.objects.get(username="admin")
    automation.create_rule(actor=admin, data=SEED_RULE)
    departments = {r.key: Department.objects.get(code=r.code) for r in data.REGIONS}
    DutyMapping.objects.create(fault_category=FaultCategory.SOFTWARE, department=departments["east"])
    for key, strategy in STRATEGIES.items():
        DispatchSetting.objects.create(department=departments[key], strategy=strategy)
    today = clock.now().astimezone(clock_zone()).date()
    for region in data.REGIONS:
        for i in range(1, len(region.technicians) + 1):
            tech = User.objects.get(username=f"tech_{region.key}{i}")
            TechnicianSkill.objects.bulk_create(
                [TechnicianSkill(user=tech, fault_category=c) for c in SKILLS[(i - 1) % len(SKILLS)]]
            )
            if region.key != "south":
                continue
            start, hours = SHIFTS[(i - 1) % len(SHIFTS)]
            RosterEntry.objects.bulk_create(
                [
                    RosterEntry(
                        department=departments["south"],
                        user=tech,
                        starts_at=(
                            begins := datetime.combine(today + timedelta(days=d), start, clock_zone())
                        ),
                        ends_at=begins + timedelta(hours=hours),
                    )
                    for d in range(-1, ROSTER_DAYS)
                ]
            )
