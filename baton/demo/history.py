"""Sixty days of repair history, written through the real ticket services at pinned past moments.

Each ticket is first *planned* (a list of actions with the delay before each), then its start
is chosen so the last action lies in the past, and the plan is *played* inside one
transaction: every action runs in ``clock.pinned(moment)`` through ``baton.tickets.services``,
so steps, owners, due times, statuses and the hash-chained audit trail are exactly what real
use produces. Open tickets end in the state they were planned for: 待派工 (waiting_dispatch),
维修中 (in_repair) or 待验收 (waiting_acceptance).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from baton.accounts.models import User
from baton.assets.models import Asset
from baton.core import clock
from baton.tickets import services
from baton.tickets.models import Channel, Status, Step, StepState, Ticket

from . import data
from .company import Company, RegionPeople, StoreInfo

LOCAL = ZoneInfo("Asia/Shanghai")
TOTAL = 300
TARGETS: dict[str, int] = {
    Status.WAITING_DISPATCH: 45,  # 15 %
    Status.IN_REPAIR: 60,  # 20 %
    Status.WAITING_ACCEPTANCE: 30,  # 10 %
    Status.CLOSED: 165,  # 55 %
}
DAYS = 60
FEATURED_STORE = "BJ01"
CATEGORY_WEIGHTS = {"fryer": 25, "freezer": 25, "ice_maker": 15, "air_conditioner": 15, "pos": 20}
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_BIAS = (3, 2, 1, 1)  # most faults are routine
RATING_WEIGHTS = {5: 50, 4: 32, 3: 12, 2: 4, 1: 2}
# Local hours at which stores report faults: opening, lunch and dinner peaks.
REPORT_HOURS = (8, 9, 10, 10, 11, 11, 11, 12, 12, 13, 14, 15, 16, 17, 17, 18, 18, 19, 20, 21)


class HistoryMismatch(RuntimeError):
    """A played ticket did not end in its planned status: the flow differs from what the demo expects."""


@dataclass
class Act:
    kind: str  # create | note | accept | collaborate | assign | reassign | return | done | reject | rate
    after: timedelta  # delay since the previous action
    text: str = ""
    user: User | None = None  # note author, technician to assign or reassign to
    rating: int = 0
    internal: bool = False


@dataclass
class Plan:
    target: str
    store: StoreInfo
    region: RegionPeople
    asset: Asset
    fault: data.Fault
    priority: str
    channel: str
    created_by: User | None
    acts: list[Act] = field(default_factory=list)
    start: datetime | None = None


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def _spread(rng: random.Random, *ranges: tuple[int, float, float]) -> timedelta:
    """A duration from one of several (weight, low minutes, high minutes) ranges."""
    _, low, high = rng.choices(ranges, weights=[weight for weight, _, _ in ranges])[0]
    return _minutes(rng, low, high)


class Planner:
    """Decides what happens to each ticket and how long each action takes."""

    def __init__(self, company: Company, rng: random.Random, now: datetime) -> None:
        self.company = company
        self.rng = rng
        self.now = now

    # -- delays -----------------------------------------------------------------------------
    def dispatch_delay(self, priority: str) -> timedelta:
        fast, slow = {
            "urgent": ((2, 12), (30, 120)),
            "high": ((3, 25), (40, 180)),
            "normal": ((5, 35), (45, 300)),
            "low": ((10, 60), (90, 600)),
        }[priority]
        return _minutes(self.rng, *(slow if self.rng.random() < 0.1 else fast))

    def repair_duration(self, priority: str) -> timedelta:
        if self.rng.random() < 0.08:  # waiting for a spare part
            return _minutes(self.rng, 8 * 60, 30 * 60)
        low, high = {"urgent": (30, 150), "high": (45, 200), "normal": (60, 220), "low": (90, 400)}[priority]
        return _minutes(self.rng, low, high)

    def accept_delay(self) -> timedelta:
        return _minutes(self.rng, 60, 200) if self.rng.random() < 0.08 else _minutes(self.rng, 3, 30)

    def acceptance_delay(self) -> timedelta:
        return _minutes(self.rng, 180, 1200) if self.rng.random() < 0.1 else _minutes(self.rng, 10, 180)

    # -- building blocks ------------------------------------------------------------------------
    def dispatch_round(self, plan: Plan, exclude: User | None = None) -> User:
        if self.rng.random() < 0.12:
            plan.acts.append(
                Act(
                    "note",
                    _minutes(self.rng, 1, 8),
                    text=self.rng.choice(data.INTERNAL_NOTES),
                    user=plan.region.dispatcher,
                    internal=True,
                )
            )
        tech = self.rng.choice([t for t in plan.region.technicians if t != exclude])
        plan.acts.append(Act("assign", self.dispatch_delay(plan.priority), user=tech))
        return tech

    def take_on(self, plan: Plan, tech: User) -> User:
        """Possibly reassigned by the dispatcher, then accepted (接单) by the technician."""
        if self.rng.random() < 0.07:
            other = self.rng.choice([t for t in plan.region.technicians if t != tech])
            plan.acts.append(
                Act(
                    "reassign",
                    _minutes(self.rng, 5, 40),
                    text=self.rng.choice(data.REASSIGN_REASONS),
                    user=other,
                )
            )
            tech = other
        plan.acts.append(Act("accept", self.accept_delay()))
        if self.rng.random() < 0.06:  # a colleague joins as 协同人 (collaborator)
            helper = self.rng.choice([t for t in plan.region.technicians if t != tech])
            plan.acts.append(Act("collaborate", _minutes(self.rng, 5, 30), user=helper))
        if self.rng.random() < 0.3:
            plan.acts.append(
                Act("note", _minutes(self.rng, 10, 90), text=self.rng.choice(data.TECH_COMMENTS), user=tech)
            )
        return tech

    def returned(self, plan: Plan) -> None:
        plan.acts.append(Act("return", _minutes(self.rng, 10, 90), text=self.rng.choice(data.RETURN_REASONS)))

    def repaired(self, plan: Plan) -> None:
        plan.acts.append(Act("done", self.repair_duration(plan.priority), text=plan.fault.resolution))

    def repaired_until_done(self, plan: Plan) -> User:
        """Dispatch, take on and repair; sometimes the technician returns it first (退回)."""
        tech = self.take_on(plan, self.dispatch_round(plan))
        if self.rng.random() < 0.08:
            self.returned(plan)
            tech = self.take_on(plan, self.dispatch_round(plan, exclude=tech))
        self.repaired(plan)
        return tech

    # -- one ticket --------------------------------------------------------------------------
    def plan(self, target: str, store: StoreInfo | None = None) -> Plan:
        rng = self.rng
        stores = self.company.stores
        picked = rng.choices(stores, weights=[float(s.site.revenue_per_hour) for s in stores])[0]
        store = store or picked
        category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        asset = rng.choice([a for a in store.assets if a.category == category])
        fault = rng.choice(data.FAULTS[category])
        weights = [w * bias for w, bias in zip(fault.priority_weights, PRIORITY_BIAS, strict=True)]
        priority = rng.choices(PRIORITIES, weights=weights)[0]
        channel = rng.choices([Channel.MOBILE, Channel.PHONE, Channel.WEB], weights=[55, 25, 20])[0]
        plan = Plan(
            target=target,
            store=store,
            region=next(r for r in self.company.regions.values() if r.region.pk == store.site.region_id),
            asset=asset,
            fault=fault,
            priority=priority,
            channel=channel,
            created_by=rng.choice(self.company.agents) if channel == Channel.PHONE else None,
        )
        plan.acts.append(Act("create", timedelta(0)))
        if rng.random() < 0.15:
            plan.acts.append(
                Act("note", _minutes(rng, 2, 20), text=rng.choice(data.STORE_COMMENTS), user=store.manager)
            )
        dwell = self._play_out(plan)
        self._place(plan, dwell)
        return plan

    def _play_out(self, plan: Plan) -> timedelta:
        """Append the actions that bring the ticket to its target; return how long it has sat there."""
        rng = self.rng
        if plan.target == Status.WAITING_DISPATCH:
            if rng.random() < 0.2:  # returned by the technician, back in the dispatcher's queue
                self.take_on(plan, self.dispatch_round(plan))
                self.returned(plan)
            return _spread(rng, (70, 2, 25), (20, 30, 120), (10, 120, 1200))
        if plan.target == Status.IN_REPAIR:
            roll = rng.random()
            if roll < 0.1:  # repaired, rejected at acceptance, being reworked
                self.repaired_until_done(plan)
                plan.acts.append(Act("reject", self.acceptance_delay(), text=rng.choice(data.REJECT_REASONS)))
                plan.acts.append(Act("accept", self.accept_delay()))
            elif roll < 0.3:  # dispatched but not yet taken on
                plan.acts.append(
                    Act(
                        "assign", self.dispatch_delay(plan.priority), user=rng.choice(plan.region.technicians)
                    )
                )
            else:
                self.take_on(plan, self.dispatch_round(plan))
            return _spread(rng, (65, 5, 150), (25, 150, 600), (10, 600, 2400))
        if plan.target == Status.WAITING_ACCEPTANCE:
            self.repaired_until_done(plan)
            return _spread(rng, (70, 5, 240), (30, 240, 2400))
        # closed
        self.repaired_until_done(plan)
        rejected = rng.random() < 0.07
        if rejected:
            plan.acts.append(Act("reject", self.acceptance_delay(), text=rng.choice(data.REJECT_REASONS)))
            plan.acts.append(Act("accept", self.accept_delay()))
            self.repaired(plan)
        ratings = [r for r in RATING_WEIGHTS if not rejected or r <= 4]
        rating = rng.choices(ratings, weights=[RATING_WEIGHTS[r] for r in ratings])[0]
        plan.acts.append(
            Act("rate", self.acceptance_delay(), rating=rating, text=rng.choice(data.RATING_COMMENTS[rating]))
        )
        return timedelta(0)

    def _place(self, plan: Plan, dwell: timedelta) -> None:
        """Choose the start: closed tickets spread over the past days, open ones end ``dwell`` ago."""
        span = sum((act.after for act in plan.acts), timedelta(0))
        latest = self.now - dwell - span - timedelta(minutes=1)
        if plan.target != Status.CLOSED:
            plan.start = latest
            return
        day = (self.now - timedelta(days=self.rng.randint(1, DAYS))).astimezone(LOCAL)
        start = day.replace(
            hour=self.rng.choice(REPORT_HOURS),
            minute=self.rng.randrange(60),
            second=self.rng.randrange(60),
            microsecond=0,
        )
        if start > latest:
            start = latest - _minutes(self.rng, 30, 600)
        plan.start = start


# ---------------------------------------------------------------------------- playing a plan


def _active_step(ticket: Ticket) -> tuple[int, int]:
    rows = list(
        Step.objects.filter(ticket_id=ticket.pk, state=StepState.ACTIVE).values_list("pk", "owner_id")
    )
    if len(rows) != 1:
        raise HistoryMismatch(f"{ticket.number}: expected one active step, found {len(rows)}")
    return rows[0]


def play(plan: Plan, company: Company) -> Ticket:
    assert plan.start is not None
    moment = plan.start
    ticket: Ticket | None = None
    with transaction.atomic():
        for act in plan.acts:
            moment += act.after
            with clock.pinned(moment):
                if act.kind == "create":
                    ticket = services.create_ticket(
                        requester=plan.store.manager,
                        title=plan.fault.title.format(asset=plan.asset.name),
                        description=f"{plan.fault.description}（设备 {plan.asset.code}，{plan.asset.model}）",
                        fault_category=plan.fault.fault_category,
                        priority=plan.priority,
                        site=plan.store.site,
                        asset=plan.asset,
                        channel=plan.channel,
                        created_by=plan.created_by,
                    )
                    continue
                assert ticket is not None
                if act.kind == "note":
                    assert act.user is not None
                    services.add_comment(ticket=ticket, actor=act.user, body=act.text, internal=act.internal)
                    continue
                step_id, owner_id = _active_step(ticket)
                owner = company.users[owner_id]
                if act.kind == "accept":
                    services.accept_step(ticket=ticket, step_id=step_id, actor=owner)
                elif act.kind == "collaborate":
                    assert act.user is not None
                    services.add_collaborator(ticket=ticket, step_id=step_id, actor=owner, user=act.user)
                elif act.kind == "reassign":
                    assert act.user is not None
                    services.reassign_step(
                        ticket=ticket,
                        step_id=step_id,
                        actor=plan.region.dispatcher,
                        new_owner=act.user,
                        reason=act.text,
                    )
                else:
                    outcome, values, reason = _completion(act)
                    services.complete_step(
                        ticket=ticket,
                        step_id=step_id,
                        actor=owner,
                        outcome=outcome,
                        values=values,
                        reason=reason,
                    )
        assert ticket is not None
        status = Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk)
        if status != plan.target:
            raise HistoryMismatch(f"{ticket.number}: planned {plan.target}, the flow left it {status}")
    return ticket


def _completion(act: Act) -> tuple[str, dict[str, object], str]:
    if act.kind == "assign":
        assert act.user is not None
        return "assign", {"technician": act.user.pk}, ""
    if act.kind == "done":
        return "done", {"resolution": act.text}, ""
    if act.kind == "rate":
        return "accept", {"rating": act.rating, "rating_comment": act.text}, ""
    if act.kind in ("return", "reject"):
        return act.kind, {}, act.text
    raise ValueError(f"unknown action {act.kind}")


def build_history(company: Company, rng: random.Random, *, now: datetime) -> int:
    """Plan and play the demo's tickets, oldest first so numbers follow creation time."""
    targets = [status for status, count in TARGETS.items() for _ in range(count)]
    assert len(targets) == TOTAL
    rng.shuffle(targets)
    planner = Planner(company, rng, now)
    # The store named in the log-in table has something to accept and something being repaired.
    featured = next(s for s in company.stores if s.site.code == FEATURED_STORE)
    pending = {Status.WAITING_ACCEPTANCE, Status.IN_REPAIR}
    plans: list[Plan] = []
    for target in targets:
        plans.append(planner.plan(target, featured if target in pending else None))
        pending.discard(target)
    plans.sort(key=lambda p: p.start or now)
    for plan in plans:
        play(plan, company)
    return len(plans)
