"""The demo company: exact shape, the owner invariant, intact audit chains, and idempotence."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Model

from baton.accounts.models import Department, Role, RoleAssignment, User
from baton.assets.models import Asset
from baton.core import clock
from baton.customers.models import Customer, Region, Site
from baton.demo import data
from baton.demo.builder import DemoConflict, build_demo
from baton.notifications.models import Notification, OutboxMessage
from baton.tickets import policies
from baton.tickets.events import verify_ticket
from baton.tickets.models import (
    OPEN_STATUSES,
    Comment,
    Participant,
    Status,
    Step,
    StepState,
    Ticket,
    TicketEvent,
)
from baton.workflows.models import FlowInstance, FlowVersion

EXPECTED_ROLES = {
    Role.ADMIN: 1,
    Role.MANAGER: 4,  # the operations director at HQ and three region managers
    Role.AGENT: 2,
    Role.APPROVER: 1,
    Role.DISPATCHER: 3,
    Role.TECHNICIAN: 9,
    Role.REQUESTER: 24,  # one store manager per store
    Role.CUSTOMER: 1,
}
EXPECTED_STATUSES = {
    Status.WAITING_DISPATCH: 45,
    Status.IN_REPAIR: 60,
    Status.WAITING_ACCEPTANCE: 30,
    Status.CLOSED: 165,
}


def snapshot() -> dict[str, int]:
    models: list[type[Model]] = [
        Department,
        User,
        RoleAssignment,
        Customer,
        Region,
        Site,
        Asset,
        Ticket,
        Step,
        TicketEvent,
        Comment,
        Participant,
        FlowInstance,
        FlowVersion,
    ]
    return {model.__name__: model._default_manager.count() for model in models}


def assert_structure() -> None:
    assert Region.objects.count() == 3
    assert Site.objects.count() == 24
    assert Customer.objects.count() == 3
    assert Asset.objects.count() == 24 * len(data.EQUIPMENT)
    assert Department.objects.count() == 3 + 3 * 3  # HQ, 客服中心, 财务部; per region: region, 派工组, 维修组
    assert User.objects.count() == 45
    roles = dict(
        RoleAssignment.objects.values("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    assert roles == EXPECTED_ROLES
    hq = Department.objects.get(code=data.ROOT_CODE)
    assert hq.parent is None
    for username in ("admin", "agent1", "agent2", "approver", "director"):
        assert list(
            RoleAssignment.objects.filter(user__username=username).values_list("department", flat=True)
        ) == [hq.pk]
    for region in Region.objects.select_related("department__dispatcher", "department__manager"):
        dept = region.department
        assert dept is not None
        assert dept.parent_id == hq.pk
        key = next(r.key for r in data.REGIONS if r.code == region.code)
        assert dept.dispatcher is not None
        assert dept.dispatcher.username == f"dispatcher_{key}"
        assert dept.manager is not None
        assert dept.manager.username == f"manager_{key}"
        in_region = RoleAssignment.objects.filter(department=dept)
        assert sorted(in_region.values_list("role", flat=True).distinct()) == sorted(
            [Role.DISPATCHER, Role.MANAGER, Role.TECHNICIAN, Role.REQUESTER]
        )
        assert in_region.filter(role=Role.TECHNICIAN).count() == 3
        assert Site.objects.filter(region=region).count() == 8
        assert sorted(dept.children.values_list("name", flat=True)) == sorted(
            [f"{region.name}派工组", f"{region.name}维修组"]
        )
    # superiors: technician -> dispatcher -> region manager -> operations director
    tech = User.objects.select_related("superior__superior__superior").get(username="tech_north1")
    assert tech.superior is not None
    assert tech.superior.username == "dispatcher_north"
    assert tech.superior.superior is not None
    assert tech.superior.superior.username == "manager_north"
    assert tech.superior.superior.superior is not None
    assert tech.superior.superior.superior.username == "director"
    for user in User.objects.all():
        assert user.name, user.username
        assert user.phone, user.username
        assert (user.employee_no is None) == (user.customer_id is not None), user.username
    for site in Site.objects.select_related("manager"):
        assert site.manager is not None
        assert site.manager.username == f"store_{site.code.lower()}"
        assert site.revenue_per_hour > 0
        assert site.customer_id is not None
    assert {c.level for c in Customer.objects.all()} == {"normal", "vip", "strategic"}
    portal = User.objects.get(username="customer_jw")
    assert portal.customer is not None
    assert portal.customer.code == "WD-JW"
    today = clock.now().date()
    assert Asset.objects.filter(warranty_end__lt=today).exists()
    assert Asset.objects.filter(warranty_end__gte=today).exists()
    assert set(Asset.objects.values_list("category", flat=True)) == {
        "fryer",
        "freezer",
        "ice_maker",
        "air_conditioner",
        "pos",
    }
    assert authenticate(username="store_bj01", password=data.DEMO_PASSWORD) is not None
    assert authenticate(username="admin", password=data.DEMO_PASSWORD).is_superuser  # type: ignore[union-attr]


def assert_history() -> None:
    now = clock.now()
    statuses = Counter(Ticket.objects.values_list("status", flat=True))
    assert statuses == EXPECTED_STATUSES
    assert Ticket.objects.count() == 300
    created = list(Ticket.objects.values_list("created_at", flat=True))
    assert min(created) >= now - timedelta(days=61)
    assert max(TicketEvent.objects.values_list("created_at", flat=True)) <= now
    # the owner invariant: every open ticket's every active step has one owner and a due time
    active = Step.objects.filter(state=StepState.ACTIVE)
    per_ticket = Counter(active.values_list("ticket_id", flat=True))
    open_ids = set(Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    assert set(per_ticket) == open_ids
    assert set(per_ticket.values()) == {1}
    assert not active.filter(owner__isnull=True).exists()
    assert not active.filter(due_at__isnull=True).exists()
    assert active.filter(due_at__lt=now).exists()  # some are overdue
    assert active.filter(due_at__gte=now).exists()
    # repair steps are owned by technicians of the ticket's own region
    for step in active.filter(ticket__status=Status.IN_REPAIR).select_related("ticket"):
        assert RoleAssignment.objects.filter(
            user_id=step.owner_id, role=Role.TECHNICIAN, department_id=step.ticket.department_id
        ).exists()
    for step in active.filter(ticket__status=Status.WAITING_DISPATCH).select_related("ticket__department"):
        assert step.owner_id == step.ticket.department.dispatcher_id
    for step in active.filter(ticket__status=Status.WAITING_ACCEPTANCE).select_related("ticket"):
        assert step.owner_id == step.ticket.requester_id
    closed = Ticket.objects.filter(status=Status.CLOSED)
    assert not closed.filter(closed_at__isnull=True).exists()
    ratings = [r or 0 for r in closed.values_list("satisfaction", flat=True)]
    assert set(ratings) <= {1, 2, 3, 4, 5}
    assert sum(1 for r in ratings if r >= 3) >= 0.85 * len(ratings)
    kinds = set(TicketEvent.objects.values_list("kind", flat=True))
    assert {
        "created",
        "step_entered",
        "step_completed",
        "step_returned",
        "step_reassigned",
        "step_accepted",
        "comment_added",
        "status_changed",
        "collaborator_added",
    } <= kinds
    outcomes = set(Step.objects.values_list("outcome", flat=True))
    assert {"assign", "done", "return", "accept", "reject"} <= outcomes
    assert Comment.objects.filter(internal=True).exists()
    # the store in the log-in table has something to accept
    assert Step.objects.filter(state=StepState.ACTIVE, owner__username="store_bj01").exists()
    for ticket in Ticket.objects.all():
        assert verify_ticket(ticket) == [], ticket.number
    # the past is not e-mailed on first start; the bell has history, recent items unread
    assert not OutboxMessage.objects.exists()
    assert Notification.objects.filter(read_at__isnull=False).exists()
    assert Notification.objects.filter(read_at__isnull=True).exists()
    assert not Notification.objects.filter(
        read_at__isnull=True, created_at__lt=now - timedelta(days=1)
    ).exists()
    assert User.objects.get(username="dispatcher_north").email == "dispatcher_north@weidao.example"


def assert_scoping() -> None:
    east = Region.objects.get(code="HD").department
    north = Region.objects.get(code="HB").department
    tech_north = User.objects.get(username="tech_north1")
    tech_east = User.objects.get(username="tech_east1")
    assert (
        policies.visible_tickets(tech_north).filter(department=north).count()
        == Ticket.objects.filter(department=north).count()
    )
    assert not policies.visible_tickets(tech_north).filter(department=east).exists()
    assert not policies.visible_tickets(tech_east).filter(department=north).exists()
    portal = User.objects.get(username="customer_jw")
    seen = policies.visible_tickets(portal)
    assert seen.exists()
    assert set(seen.values_list("customer__code", flat=True)) == {"WD-JW"}
    assert policies.visible_tickets(User.objects.get(username="admin")).count() == 300


@pytest.mark.django_db
def test_demo_builds_the_company_and_a_second_run_changes_nothing() -> None:
    out = io.StringIO()
    summary = build_demo(stdout=out)

    assert summary.created is True
    assert summary.tickets == 300
    assert summary.sites == 24
    assert summary.regions == 3
    assert summary.tickets_by_status == EXPECTED_STATUSES
    assert summary.users_by_role == EXPECTED_ROLES
    assert_structure()
    assert_history()
    assert_scoping()

    before = snapshot()
    again = build_demo()
    assert again.created is False
    assert snapshot() == before
    printed = io.StringIO()
    call_command("demo", stdout=printed)
    assert snapshot() == before
    text = printed.getvalue()
    assert "已存在" in text
    assert data.DEMO_PASSWORD in text
    for login in data.logins():
        assert login.username in text


@pytest.mark.django_db
def test_demo_refuses_a_database_with_colliding_users_and_writes_nothing() -> None:
    User.objects.create_user(username="admin", password="x-long-password-1")

    with pytest.raises(DemoConflict, match="admin"):
        build_demo()

    assert User.objects.count() == 1
    assert not Department.objects.exists()
    assert not Ticket.objects.exists()
