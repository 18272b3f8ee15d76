"""Build the demo company 味道连锁餐饮: org tree, people with every role, stores, equipment, history.

``build_demo()`` is idempotent: when the company's root department exists it only reports
what is there. Structure (departments, users, customers, stores, equipment) is written in one
transaction; the 300 historical tickets are then written through the real ticket services,
one transaction per ticket, at past moments pinned with ``clock.pinned`` (see ``history``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count

from baton.accounts import services as accounts
from baton.accounts.models import Department, Role, RoleAssignment, User
from baton.assets.models import Asset
from baton.core import clock
from baton.core.errors import BatonError
from baton.customers.models import Customer, Region, Site
from baton.notifications import services as notifications
from baton.notifications.models import Notification
from baton.tickets.models import Ticket
from baton.workflows import services as flows

from . import data
from .automation import seed_automation
from .company import Company, load_company
from .data import DEMO_PASSWORD, ROOT_CODE, Login
from .decisions import seed_triage_decision
from .history import build_history
from .sla import seed_sla


class DemoConflict(BatonError):
    """The database holds data that collides with the demo (e.g. a user named ``admin``)."""

    status = 409
    code = "demo_conflict"


class DemoIncomplete(BatonError):
    """Writing the historical tickets failed after the structure was committed."""

    status = 500
    code = "demo_incomplete"


@dataclass
class DemoSummary:
    created: bool
    seconds: float = 0.0
    departments: int = 0
    users: int = 0
    users_by_role: dict[str, int] = field(default_factory=dict)
    regions: int = 0
    sites: int = 0
    customers: int = 0
    assets: int = 0
    tickets: int = 0
    tickets_by_status: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=data.logins)


def demo_exists() -> bool:
    return Department.objects.filter(code=ROOT_CODE).exists()


def _usernames() -> list[str]:
    names = ["admin", "director", "agent1", "agent2", "approver"]
    for region in data.REGIONS:
        names += [f"manager_{region.key}", f"dispatcher_{region.key}"]
        names += [f"tech_{region.key}{i}" for i in range(1, len(region.technicians) + 1)]
    names += [f"store_{store.code.lower()}" for store in data.STORES]
    names += [c.portal_user for c in data.CUSTOMERS if c.portal_user]
    return names


class _People:
    """Creates users sharing one password hash (hashing once keeps the build fast)."""

    def __init__(self) -> None:
        self.password = make_password(DEMO_PASSWORD)
        self.serial = 0

    def make(
        self,
        username: str,
        name: str,
        phone: str,
        *,
        department: Department | None,
        superior: User | None = None,
        customer: Customer | None = None,
        employee_prefix: str = "WD",
        superuser: bool = False,
    ) -> User:
        self.serial += 1
        return User.objects.create(
            username=username,
            password=self.password,
            name=name,
            first_name=name[1:],
            last_name=name[:1],
            email="",  # set after the history (see _settle_notifications): no e-mail for the past
            phone=phone,
            employee_no=None if customer else f"{employee_prefix}{self.serial:04d}",
            department=department,
            superior=superior,
            customer=customer,
            is_staff=superuser,
            is_superuser=superuser,
        )


def _dept(code: str, name: str, parent: Department | None = None) -> Department:
    return accounts.create_department(code=code, name=name, parent=parent)


def _set_heads(department: Department, *, manager: User | None, dispatcher: User | None = None) -> None:
    department.manager = manager
    department.dispatcher = dispatcher
    department.save(update_fields=["manager", "dispatcher"])


def _install_date(rng: random.Random, today: date) -> date:
    return today - timedelta(days=rng.randint(120, 6 * 365))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@contextmanager
def _quiet_engine_logs() -> Iterator[None]:
    """SpiffWorkflow logs every task state change at INFO: thousands of lines for the history."""
    logger = logging.getLogger("spiff")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def _refuse_collisions() -> None:
    taken = sorted(User.objects.filter(username__in=_usernames()).values_list("username", flat=True))
    codes = [ROOT_CODE, *(r.code for r in data.REGIONS)]
    taken += sorted(Department.objects.filter(code__in=codes).values_list("code", flat=True))
    taken += sorted(
        Region.objects.filter(code__in=[r.code for r in data.REGIONS]).values_list("code", flat=True)
    )
    taken += sorted(
        Customer.objects.filter(code__in=[c.code for c in data.CUSTOMERS]).values_list("code", flat=True)
    )
    taken += sorted(
        Site.objects.filter(code__in=[s.code for s in data.STORES]).values_list("code", flat=True)
    )
    if taken:
        raise DemoConflict(
            f"The demo cannot be loaded here; these already exist: {', '.join(taken)}. "
            "Use an empty database (e.g. a new BATON_VAR_DIR)."
        )


@transaction.atomic
def _build_structure(rng: random.Random) -> None:
    people = _People()
    hq = _dept(ROOT_CODE, f"{data.COMPANY_NAME}总部")
    service_center = _dept("WD-CS", "客服中心", hq)
    finance = _dept("WD-FIN", "财务部", hq)

    admin = people.make("admin", "周敏", "13800000001", department=hq, superuser=True)
    director = people.make("director", "陈建国", "13800000002", department=hq)
    agent1 = people.make("agent1", "李娜", "13800000011", department=service_center, superior=director)
    agent2 = people.make("agent2", "王芳", "13800000012", department=service_center, superior=director)
    approver = people.make("approver", "刘洋", "13800000021", department=finance, superior=director)
    accounts.grant_role(user=admin, role=Role.ADMIN, department=hq)
    accounts.grant_role(user=director, role=Role.MANAGER, department=hq)
    for agent in (agent1, agent2):
        accounts.grant_role(user=agent, role=Role.AGENT, department=hq)
    accounts.grant_role(user=approver, role=Role.APPROVER, department=hq)
    _set_heads(hq, manager=director)
    _set_heads(service_center, manager=agent1)
    _set_heads(finance, manager=approver)

    customers = {
        c.code: Customer.objects.create(code=c.code, name=c.name, level=c.level) for c in data.CUSTOMERS
    }
    for c in data.CUSTOMERS:
        if c.portal_user:
            portal = people.make(
                c.portal_user, c.portal_name, c.portal_phone, department=None, customer=customers[c.code]
            )
            accounts.grant_role(user=portal, role=Role.CUSTOMER, department=None)

    regions: dict[str, tuple[Region, Department, User]] = {}
    for r in data.REGIONS:
        region_dept = _dept(r.code, r.name, hq)
        dispatch_team = _dept(f"{r.code}-DSP", f"{r.name}派工组", region_dept)
        repair_team = _dept(f"{r.code}-REP", f"{r.name}维修组", region_dept)
        manager = people.make(f"manager_{r.key}", *r.manager, department=region_dept, superior=director)
        dispatcher = people.make(
            f"dispatcher_{r.key}", *r.dispatcher, department=dispatch_team, superior=manager
        )
        accounts.grant_role(user=manager, role=Role.MANAGER, department=region_dept)
        accounts.grant_role(user=dispatcher, role=Role.DISPATCHER, department=region_dept)
        for i, (name, phone) in enumerate(r.technicians, start=1):
            tech = people.make(f"tech_{r.key}{i}", name, phone, department=repair_team, superior=dispatcher)
            accounts.grant_role(user=tech, role=Role.TECHNICIAN, department=region_dept)
        _set_heads(region_dept, manager=manager, dispatcher=dispatcher)
        _set_heads(dispatch_team, manager=dispatcher, dispatcher=dispatcher)
        _set_heads(repair_team, manager=dispatcher, dispatcher=dispatcher)
        region = Region.objects.create(code=r.code, name=r.name, department=region_dept)
        regions[r.key] = (region, region_dept, manager)

    today = clock.now().date()
    assets: list[Asset] = []
    for s in data.STORES:
        region, region_dept, region_manager = regions[s.region]
        store_manager = people.make(
            f"store_{s.code.lower()}",
            *s.manager,
            department=None,
            superior=region_manager,
            employee_prefix="MD",
        )
        accounts.grant_role(user=store_manager, role=Role.REQUESTER, department=region_dept)
        site = Site.objects.create(
            code=s.code,
            name=s.name,
            region=region,
            customer=customers[s.customer],
            address=s.address,
            revenue_per_hour=s.revenue_per_hour,
            manager=store_manager,
        )
        for equipment in data.EQUIPMENT:
            model, prefix = rng.choice(equipment.models)
            installed = _install_date(rng, today)
            assets.append(
                Asset(
                    code=f"{s.code}-{equipment.suffix}",
                    name=equipment.name,
                    serial_number=f"{prefix}{installed:%y%m}{rng.randrange(100000, 999999)}",
                    model=model,
                    category=equipment.category,
                    site=site,
                    customer=site.customer,
                    install_date=installed,
                    warranty_end=_years_later(installed, equipment.warranty_years),
                )
            )
    Asset.objects.bulk_create(assets)


def demo_email(username: str) -> str:
    return f"{username}@weidao.example"


def _settle_notifications(company: Company) -> None:
    """The history happened in the past: nothing of it should be e-mailed now.

    Users get no e-mail address while the history is written, so the services queue in-app
    notifications only (no outbox messages for a worker to send on first start); then they get
    their addresses, and notifications older than a day are marked read, as people would have.
    """
    for username in _usernames():
        User.objects.filter(username=username).update(email=demo_email(username))
    cutoff = clock.now() - timedelta(days=1)
    for user in company.users.values():
        old = list(Notification.objects.filter(user=user, created_at__lt=cutoff).values_list("pk", flat=True))
        if old:
            notifications.mark_read(user=user, ids=old)


def summarise(*, created: bool, seconds: float = 0.0) -> DemoSummary:
    roles = dict(
        RoleAssignment.objects.values("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    statuses = dict(Ticket.objects.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return DemoSummary(
        created=created,
        seconds=round(seconds, 2),
        departments=Department.objects.count(),
        users=User.objects.count(),
        users_by_role={role: roles.get(role, 0) for role in Role.values},
        regions=Region.objects.count(),
        sites=Site.objects.count(),
        customers=Customer.objects.count(),
        assets=Asset.objects.count(),
        tickets=Ticket.objects.count(),
        tickets_by_status=statuses,
    )


def build_company() -> Company:
    """Only the structure (org, people, customers, stores, equipment), no history: for ``bench/``."""
    _refuse_collisions()
    flows.ensure_default_flows()
    _build_structure(random.Random(data.SEED))  # noqa: S311 - reproducible demo data, not secrets
    return load_company()


def build_demo(stdout: Any | None = None) -> DemoSummary:
    """Build the demo company unless it exists; return what the database holds afterwards.

    ``stdout`` is anything with ``write(str)`` (a file, ``io.StringIO``, a command's stdout).
    """

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    if demo_exists():
        say(
            f"演示公司「{data.COMPANY_NAME}」已存在，未做任何改动。"
            " The demo company already exists; nothing changed."
        )
        return summarise(created=False)
    _refuse_collisions()
    started = time.perf_counter()
    rng = random.Random(data.SEED)  # noqa: S311 - reproducible demo data, not secrets
    flows.ensure_default_flows()
    _build_structure(rng)
    seed_sla()
    say(f"组织、人员、门店、设备已创建 ({time.perf_counter() - started:.1f}s)")
    company = load_company()
    try:
        with _quiet_engine_logs():
            count = build_history(company, rng, now=clock.now())
    except Exception as exc:
        raise DemoIncomplete(
            f"The demo's history stopped part-way ({exc}); the company exists but not all tickets do. "
            "Start again with an empty database (e.g. a new BATON_VAR_DIR)."
        ) from exc
    _settle_notifications(company)
    seed_automation()
    seed_triage_decision()
    say(f"历史工单 {count} 张已生成 ({time.perf_counter() - started:.1f}s)")
    return summarise(created=True, seconds=time.perf_counter() - started)
