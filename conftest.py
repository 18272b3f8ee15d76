"""Shared fixtures: a small organisation with every role, two regions and a store in each.

org.north / org.south           region departments (tickets land on their dispatcher)
org.admin, org.agent            admin (superuser) and a customer-service agent (HQ scope)
org.dispatcher, org.tech, org.tech2, org.manager   north staff (scope: north region)
org.south_dispatcher, org.south_tech               south staff
org.store_manager               requester, manager of org.site (north store)
org.portal                      customer-portal user of org.customer (owns org.site)
org.other_portal                portal user of another customer
org.site, org.asset             north store and its freezer; org.south_site, org.south_asset
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest


@dataclass
class Org:
    hq: Any
    north: Any
    south: Any
    admin: Any
    agent: Any
    dispatcher: Any
    tech: Any
    tech2: Any
    manager: Any
    approver: Any
    south_dispatcher: Any
    south_tech: Any
    store_manager: Any
    portal: Any
    other_portal: Any
    customer: Any
    other_customer: Any
    site: Any
    asset: Any
    south_site: Any
    south_asset: Any


PASSWORD = "pw-for-tests-1"  # noqa: S105


def build_org() -> Org:
    from baton.accounts.models import Role, User
    from baton.accounts.services import create_department, grant_role
    from baton.assets.models import Asset
    from baton.customers.models import Customer, CustomerLevel, Region, Site
    from baton.workflows.services import ensure_default_flows

    ensure_default_flows()

    def user(username: str, name: str, **extra: Any) -> Any:
        return User.objects.create_user(username=username, password=PASSWORD, name=name, **extra)

    admin = User.objects.create_superuser(username="admin", password=PASSWORD, name="管理员")
    hq = create_department(code="HQ", name="总部")
    north = create_department(code="N", name="华北区", parent=hq)
    south = create_department(code="S", name="华南区", parent=hq)
    manager = user("manager", "王经理", department=north)
    dispatcher = user("dispatcher", "李派工", department=north, superior=manager)
    tech = user("tech", "张师傅", department=north, superior=dispatcher)
    tech2 = user("tech2", "赵师傅", department=north, superior=dispatcher)
    south_dispatcher = user("south_dispatcher", "陈派工", department=south)
    south_tech = user("south_tech", "周师傅", department=south, superior=south_dispatcher)
    agent = user("agent", "刘客服", department=hq)
    approver = user("approver", "孙财务", department=hq)
    north.dispatcher, north.manager = dispatcher, manager
    north.save()
    south.dispatcher = south_dispatcher
    south.save()
    for u, role, dept in [
        (admin, Role.ADMIN, hq),
        (agent, Role.AGENT, hq),
        (approver, Role.APPROVER, hq),
        (manager, Role.MANAGER, north),
        (dispatcher, Role.DISPATCHER, north),
        (tech, Role.TECHNICIAN, north),
        (tech2, Role.TECHNICIAN, north),
        (south_dispatcher, Role.DISPATCHER, south),
        (south_tech, Role.TECHNICIAN, south),
    ]:
        grant_role(user=u, role=role, department=dept)
    customer = Customer.objects.create(code="C1", name="北方餐饮加盟公司", level=CustomerLevel.VIP)
    other_customer = Customer.objects.create(code="C2", name="南方餐饮加盟公司")
    region_n = Region.objects.create(code="RN", name="华北", department=north)
    region_s = Region.objects.create(code="RS", name="华南", department=south)
    store_manager = user("store", "吴店长")
    grant_role(user=store_manager, role=Role.REQUESTER, department=None)
    site = Site.objects.create(
        code="BJ01", name="北京王府井店", region=region_n, customer=customer, manager=store_manager
    )
    south_site = Site.objects.create(code="GZ01", name="广州天河店", region=region_s, customer=other_customer)
    asset = Asset.objects.create(
        code="BJ01-FRZ-1",
        name="冷柜 1 号",
        category="freezer",
        model="海尔 SC-380",
        serial_number="HR123",
        site=site,
        customer=customer,
        warranty_end=date(2099, 1, 1),
    )
    south_asset = Asset.objects.create(
        code="GZ01-FRY-1",
        name="炸炉 1 号",
        category="fryer",
        model="Frymaster 1814",
        site=south_site,
        customer=other_customer,
        warranty_end=date(2020, 1, 1),
    )
    portal = user("portal", "北方客户", customer=customer)
    grant_role(user=portal, role=Role.CUSTOMER, department=None)
    other_portal = user("other_portal", "南方客户", customer=other_customer)
    grant_role(user=other_portal, role=Role.CUSTOMER, department=None)
    return Org(
        hq=hq,
        north=north,
        south=south,
        admin=admin,
        agent=agent,
        dispatcher=dispatcher,
        tech=tech,
        tech2=tech2,
        manager=manager,
        approver=approver,
        south_dispatcher=south_dispatcher,
        south_tech=south_tech,
        store_manager=store_manager,
        portal=portal,
        other_portal=other_portal,
        customer=customer,
        other_customer=other_customer,
        site=site,
        asset=asset,
        south_site=south_site,
        south_asset=south_asset,
    )


@pytest.fixture
def org(db: None) -> Org:
    return build_org()
