"""Approvals: 会签 all-of, 或签 any-one-of, reject back to a chosen step, 加签; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from baton.core.errors import Forbidden, InvalidTransition, ValidationFailed
from baton.notifications.models import Notification
from baton.tickets import services
from baton.tickets.models import Status, Step, StepState, Ticket, TicketEvent
from baton.workflows import services as flows

from .approval_flows import TICKET_TYPE, deploy_approval_flow
from .helpers import active_step, fresh, open_ticket

pytestmark = pytest.mark.django_db


def open_for_approval(org: Any, **flow: Any) -> Ticket:
    """A ticket on the approval flow, walked to its approval step."""
    deploy_approval_flow(**flow)
    ticket = open_ticket(org, ticket_type=TICKET_TYPE)
    for outcome in ("submit", "done"):
        step = active_step(ticket)
        ticket = services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner, outcome=outcome)
    return ticket


def open_rows(ticket: Ticket) -> list[tuple[str, str, str]]:
    rows = Step.objects.filter(ticket=ticket, state__in=[StepState.ACTIVE, StepState.QUEUED])
    return [(s.key, s.owner.username, s.state) for s in rows.select_related("owner").order_by("pk")]


def row_of(ticket: Ticket, username: str) -> Step:
    return Step.objects.get(
        ticket=ticket, owner__username=username, state__in=[StepState.ACTIVE, StepState.QUEUED]
    )


def kinds(ticket: Ticket, after: int = 0) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket, seq__gt=after).values_list("kind", flat=True))


def approve(ticket: Ticket, username: str, outcome: str = "approve", reason: str = "") -> Ticket:
    step = row_of(ticket, username)
    return services.complete_step(
        ticket=ticket, step_id=step.pk, actor=step.owner, outcome=outcome, reason=reason
    )


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    ticket = fresh(ticket)
    assert ticket.flow_instance is not None
    return (
        ticket.version,
        ticket.status,
        open_rows(ticket),
        TicketEvent.objects.filter(ticket=ticket).count(),
        ticket.flow_instance.state,
        Notification.objects.count(),
    )


# ---------------------------------------------------------------------------- 会签 all-of


def test_all_of_gives_each_approver_a_row_with_owner_and_due(org):
    ticket = open_for_approval(org, mode="all")
    rows = list(Step.objects.filter(ticket=ticket, key="Task_approval").order_by("pk"))
    assert [(r.owner.username, r.state) for r in rows] == [
        ("approver", "active"),
        ("manager", "active"),
        ("tech2", "active"),
    ]
    assert len({r.task_id for r in rows}) == 1
    assert all(r.due_at == r.entered_at + timedelta(hours=4) for r in rows)
    entered = TicketEvent.objects.filter(ticket=ticket, kind="step_entered", step__in=rows)
    assert [e.data["approval"] for e in entered] == ["all", "all", "all"]
    assert [
        n.user.username
        for n in Notification.objects.filter(event="step_assigned", ticket_id=ticket.pk)
        .select_related("user")
        .order_by("pk")
    ][-3:] == ["approver", "manager", "tech2"]


def test_all_of_waits_for_every_approval_then_moves_on(org):
    ticket = open_for_approval(org, mode="all")
    seq = fresh(ticket).audit_seq
    ticket = approve(ticket, "approver")
    assert open_rows(ticket) == [("Task_approval", "manager", "active"), ("Task_approval", "tech2", "active")]
    assert kinds(ticket, seq) == ["step_completed"]
    event = TicketEvent.objects.get(ticket=ticket, seq=seq + 1)
    assert event.data["waiting_for_others"] is True
    ticket = approve(ticket, "manager")
    assert open_rows(ticket) == [("Task_approval", "tech2", "active")]
    ticket = approve(ticket, "tech2")
    assert open_rows(ticket) == [("Task_work", "dispatcher", "active")]
    assert fresh(ticket).status == Status.IN_REPAIR
    assert not Step.objects.filter(ticket=ticket, state=StepState.CANCELLED).exists()


def test_all_of_one_rejection_rejects_and_cancels_the_others(org):
    ticket = open_for_approval(org, mode="all")
    ticket = approve(ticket, "approver")
    seq = fresh(ticket).audit_seq
    ticket = approve(ticket, "manager", outcome="reject", reason="预算不足")
    assert open_rows(ticket) == []
    assert fresh(ticket).status == Status.CLOSED
    cancelled = Step.objects.get(ticket=ticket, state=StepState.CANCELLED)
    assert cancelled.owner == org.tech2
    assert kinds(ticket, seq) == ["step_completed", "step_cancelled", "status_changed"]
    decision = TicketEvent.objects.get(ticket=ticket, seq=seq + 1)
    assert decision.data["outcome"] == "reject"
    assert decision.data["reason"] == "预算不足"
    assert decision.data["sent_back"] is True


def test_a_rejection_without_reason_is_refused_and_changes_nothing(org):
    ticket = open_for_approval(org, mode="all")
    before = snapshot(ticket)
    with pytest.raises(ValidationFailed) as refused:
        approve(ticket, "manager", outcome="reject", reason="  ")
    assert refused.value.fields == {"reason": ["required"]}
    assert snapshot(ticket) == before


def test_an_approver_cannot_decide_someone_elses_row(org):
    ticket = open_for_approval(org, mode="all")
    before = snapshot(ticket)
    with pytest.raises(Forbidden):
        services.complete_step(
            ticket=ticket, step_id=row_of(ticket, "manager").pk, actor=org.tech2, outcome="approve"
        )
    assert snapshot(ticket) == before


# ---------------------------------------------------------------------------- 或签 any-one-of


def test_any_of_first_approval_completes_and_cancels_the_others(org):
    ticket = open_for_approval(org, mode="any")
    seq = fresh(ticket).audit_seq
    ticket = approve(ticket, "tech2")
    assert open_rows(ticket) == [("Task_work", "dispatcher", "active")]
    cancelled = Step.objects.filter(ticket=ticket, state=StepState.CANCELLED).order_by("pk")
    assert [s.owner.username for s in cancelled] == ["approver", "manager"]
    assert kinds(ticket, seq) == [
        "step_completed",
        "step_cancelled",
        "step_cancelled",
        "step_entered",
        "status_changed",
    ]
    # The others were not told to act on a step that is gone; the next owner was.
    assert Notification.objects.filter(ticket_id=ticket.pk, user=org.manager).count() == 1


def test_any_of_a_rejection_decides_for_everyone(org):
    ticket = open_for_approval(org, mode="any")
    ticket = approve(ticket, "approver", outcome="reject", reason="不需要维修")
    assert open_rows(ticket) == []
    assert fresh(ticket).status == Status.CLOSED
    assert Step.objects.filter(ticket=ticket, state=StepState.CANCELLED).count() == 2


def test_role_approvers_are_everyone_holding_the_role_for_the_department(org):
    from baton.accounts.models import Role
    from baton.accounts.services import grant_role

    grant_role(user=org.tech, role=Role.APPROVER, department=org.north)
    grant_role(user=org.south_tech, role=Role.APPROVER, department=org.south)  # not for a north ticket
    ticket = open_for_approval(org, mode="any", approvers="role:approver")
    assert sorted(owner for _, owner, _ in open_rows(ticket)) == ["approver", "tech"]


def test_no_approvers_found_falls_back_to_the_owner_rule(org):
    ticket = open_for_approval(org, mode="all", approvers="users:nobody,ghost")
    assert open_rows(ticket) == [("Task_approval", "manager", "active")]
    entered = TicketEvent.objects.filter(ticket=ticket, kind="step_entered").last()
    assert entered is not None
    assert entered.data["no_approvers"] is True


# ---------------------------------------------------------------------------- 驳回至 reject to a chosen step


def test_reject_back_to_a_chosen_step_resets_the_flow(org):
    ticket = open_for_approval(org, mode="all")
    ticket = approve(ticket, "approver")
    seq = fresh(ticket).audit_seq
    row = row_of(ticket, "manager")
    ticket = services.reject_to_step(
        ticket=ticket, step_id=row.pk, actor=org.manager, to_step="Task_request", reason="申请信息不全"
    )
    assert open_rows(ticket) == [("Task_request", "dispatcher", "active")]
    assert kinds(ticket, seq) == ["step_rejected", "step_cancelled", "step_entered"]
    rejected = TicketEvent.objects.get(ticket=ticket, seq=seq + 1)
    assert rejected.data == {
        "step": "审批",
        "outcome": "reject",
        "to_step": "Task_request",
        "to_step_name": "申请",
        "reason": "申请信息不全",
        "sent_back": True,
    }
    returned = Notification.objects.filter(user=org.dispatcher, event="returned").get()
    assert "申请信息不全" in returned.body
    # The lean state still loads, and the ticket runs through again to the end.
    row_model = fresh(ticket).flow_instance
    assert row_model is not None
    running = flows.load_instance(row_model)
    assert [t.step.key for t in running.active_tasks()] == ["Task_request"]
    for outcome in ("submit", "done"):
        step = active_step(ticket)
        ticket = services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner, outcome=outcome)
    for name in ("approver", "manager", "tech2"):
        ticket = approve(ticket, name)
    step = active_step(ticket)
    ticket = services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner)
    assert fresh(ticket).status == Status.CLOSED


def test_reject_offers_only_steps_passed_and_allowed(org):
    ticket = open_for_approval(org, mode="single", back_to="Task_review")
    step = active_step(ticket)
    before = snapshot(ticket)
    with pytest.raises(ValidationFailed) as refused:  # passed, but the flow does not allow it
        services.reject_to_step(
            ticket=ticket, step_id=step.pk, actor=org.manager, to_step="Task_request", reason="x"
        )
    assert refused.value.fields == {"to_step": ["invalid choice"]}
    with pytest.raises(ValidationFailed):  # not a step before this one
        services.reject_to_step(
            ticket=ticket, step_id=step.pk, actor=org.manager, to_step="Task_work", reason="x"
        )
    with pytest.raises(ValidationFailed) as no_reason:
        services.reject_to_step(
            ticket=ticket, step_id=step.pk, actor=org.manager, to_step="Task_review", reason=""
        )
    assert no_reason.value.fields == {"reason": ["required"]}
    with pytest.raises(Forbidden):
        services.reject_to_step(
            ticket=ticket, step_id=step.pk, actor=org.tech, to_step="Task_review", reason="x"
        )
    assert snapshot(ticket) == before
    ticket = services.reject_to_step(
        ticket=ticket, step_id=step.pk, actor=org.manager, to_step="Task_review", reason="复核不充分"
    )
    assert open_rows(ticket) == [("Task_review", "dispatcher", "active")]


def test_a_step_without_back_to_cannot_reject_to_a_step(org):
    ticket = open_for_approval(org, mode="single", back_to="")
    step = active_step(ticket)
    before = snapshot(ticket)
    with pytest.raises(InvalidTransition):
        services.reject_to_step(
            ticket=ticket, step_id=step.pk, actor=org.manager, to_step="Task_request", reason="x"
        )
    assert snapshot(ticket) == before


# ---------------------------------------------------------------------------- 加签 add an approver


def test_add_approver_after_me_records_my_approval_and_waits_for_theirs(org):
    ticket = open_for_approval(org, mode="single")
    mine = active_step(ticket)
    added = services.add_approver(
        ticket=ticket, step_id=mine.pk, actor=org.manager, user=org.tech, position="after", reason="技术把关"
    )
    mine.refresh_from_db()
    assert (mine.state, mine.outcome, mine.reason) == ("completed", "approve", "技术把关")
    assert open_rows(ticket) == [("Task_approval", "tech", "active")]
    assert added.resumes is None
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert event is not None
    assert event.kind == "approver_added"
    assert (event.data["position"], event.data["user_name"], event.data["reason"]) == (
        "after",
        "张师傅",
        "技术把关",
    )
    assert Notification.objects.filter(user=org.tech, event="step_assigned", ticket_id=ticket.pk).count() == 1
    ticket = approve(ticket, "tech")
    assert open_rows(ticket) == [("Task_work", "dispatcher", "active")]


def test_add_approver_before_me_comes_back_to_me(org):
    ticket = open_for_approval(org, mode="single")
    mine = active_step(ticket)
    services.add_approver(
        ticket=ticket,
        step_id=mine.pk,
        actor=org.manager,
        user=org.tech,
        position="before",
        reason="先看技术方案",
    )
    assert open_rows(ticket) == [("Task_approval", "manager", "queued"), ("Task_approval", "tech", "active")]
    ticket = approve(ticket, "tech")
    assert open_rows(ticket) == [("Task_approval", "manager", "active")]
    assert kinds(ticket)[-2:] == ["step_completed", "step_resumed"]
    ticket = approve(ticket, "manager")
    assert open_rows(ticket) == [("Task_work", "dispatcher", "active")]


def test_add_approver_refusals_change_nothing(org):
    ticket = open_for_approval(org, mode="all")
    mine = row_of(ticket, "manager")
    before = snapshot(ticket)
    cases = [
        ({"user": org.tech, "position": "after", "reason": ""}, ValidationFailed),
        ({"user": org.tech, "position": "sideways", "reason": "x"}, ValidationFailed),
        ({"user": org.manager, "position": "after", "reason": "x"}, ValidationFailed),
        ({"user": org.tech2, "position": "after", "reason": "x"}, ValidationFailed),  # already an approver
        ({"user": org.portal, "position": "after", "reason": "x"}, ValidationFailed),
        ({"user": org.south_tech, "position": "after", "reason": "x"}, ValidationFailed),
    ]
    for kwargs, error in cases:
        with pytest.raises(error):
            services.add_approver(ticket=ticket, step_id=mine.pk, actor=org.manager, **kwargs)
    with pytest.raises(Forbidden):
        services.add_approver(
            ticket=ticket, step_id=mine.pk, actor=org.tech2, user=org.tech, position="after", reason="x"
        )
    assert snapshot(ticket) == before


def test_add_approver_only_on_approval_steps(org):
    deploy_approval_flow(mode="all")
    ticket = open_ticket(org, ticket_type=TICKET_TYPE)
    step = active_step(ticket)
    with pytest.raises(InvalidTransition):
        services.add_approver(
            ticket=ticket, step_id=step.pk, actor=org.dispatcher, user=org.tech, position="after", reason="x"
        )


def test_rejecting_cancels_waiting_approvers_too(org):
    ticket = open_for_approval(org, mode="single")
    mine = active_step(ticket)
    services.add_approver(
        ticket=ticket, step_id=mine.pk, actor=org.manager, user=org.tech, position="before", reason="先看"
    )
    ticket = approve(ticket, "tech", outcome="reject", reason="方案不可行")
    assert open_rows(ticket) == []
    assert sorted(
        Step.objects.filter(ticket=ticket, state=StepState.CANCELLED).values_list(
            "owner__username", flat=True
        )
    ) == ["manager"]
