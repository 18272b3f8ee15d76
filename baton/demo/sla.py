"""The demo's time rules: store hours, an office calendar, the store SLA and two escalation chains.

* Stores open 10:00–22:00 every day (their own calendar; statutory holidays do not close them);
  the head office works Monday–Friday 09:00–18:00 with Chinese statutory holidays and 调休.
* Store SLA (门店报修时效): dispatched within 30 minutes, repaired within 4 store hours, a warning
  at 80 %, alerts on breach.
* Not dispatched within 15 minutes ⇒ alert the repair supervisor (维修主管: the region's dispatcher,
  who heads the repair team) in-app and by SMS.
* Untouched for 2 hours (a repair step nobody accepted) ⇒ SMS to the owner and their superior.
"""

from __future__ import annotations

from datetime import time, timedelta

from baton.accounts.models import Department
from baton.customers.models import Site
from baton.sla import services
from baton.sla.models import EscalationAnchor, EscalationLevel, EscalationPolicy, EscalationTarget, SlaPolicy
from baton.sla.services import PeriodSpec

from .data import ROOT_CODE


def seed_sla() -> None:
    """Create the demo's calendars, SLA policy and escalation policies (once, idempotent)."""
    if SlaPolicy.objects.filter(name="门店报修时效").exists():
        return
    stores = services.create_calendar(
        code="store",
        name="门店营业时间 10:00–22:00",
        periods=[PeriodSpec(day, time(10), time(22)) for day in range(7)],
        use_statutory_holidays=False,
    )
    office = services.create_calendar(
        code="office",
        name="总部办公时间",
        periods=[PeriodSpec(day, time(9), time(18)) for day in range(5)],
    )
    Site.objects.update(calendar=stores)
    Department.objects.filter(code=ROOT_CODE).update(calendar=office)
    SlaPolicy.objects.create(
        name="门店报修时效",
        order=10,
        ticket_type="store_repair",
        dispatch_target=timedelta(minutes=30),
        resolve_target=timedelta(hours=4),
        resolve_business=True,
        warning_percent=80,
        notify_on_breach=True,
    )
    not_dispatched = EscalationPolicy.objects.create(
        name="15 分钟未派工提醒维修主管", step_key="Task_dispatch"
    )
    EscalationLevel.objects.create(
        policy=not_dispatched,
        level=1,
        anchor=EscalationAnchor.STEP_START,
        delay=timedelta(minutes=15),
        targets=[EscalationTarget.DISPATCHER],
        channels=["in_app", "sms"],
    )
    untouched = EscalationPolicy.objects.create(name="2 小时未处理短信提醒", step_key="Task_repair")
    EscalationLevel.objects.create(
        policy=untouched,
        level=1,
        anchor=EscalationAnchor.STEP_START,
        delay=timedelta(hours=2),
        targets=[EscalationTarget.OWNER, EscalationTarget.SUPERIOR],
        channels=["sms"],
    )
