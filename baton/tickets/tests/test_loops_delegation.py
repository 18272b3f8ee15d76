"""Loop cap (reject → redo, escalation to the manager), delegation while away, parallel paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from baton.accounts import services as accounts
from baton.accounts.models import Delegation
from baton.core.errors import NotFound, ValidationFailed
from baton.notifications.models import Notification
from baton.tickets import services
from baton.tickets.models import Status, Step, StepState, Ticket, TicketEvent

from .approval_flows import TICKET_TYPE, deploy_parallel_flow
from .helpers import active_step, fresh, open_ticket
from .test_approvals import open_for_approval, open_rows

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def reject_to_request(ticket: Ticket, reason: str = "再补充") -> Ticket:
    step = active_step(ticket)
    return services.reject_to_step(
        ticket=ticket, step_id=step.pk, actor=step.owner, to_step="Task_request", reason=reason
    )


def back_to_approval(ticket: Ticket) -> Ticket:
    for outcome in ("submit", "done"):
        step = active_step(ticket)
        ticket = services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner, outcome=outcome)
    return ticket


# ---------------------------------------------------------------------------- loop cap


@pytest.mark.parametrize("flow_cap", [None, 2])
def test_past_the_cap_the_step_goes_to_the_manager(org, settings, flow_cap):
    settings.BATON_MAX_LOOPS = 2 if flow_cap is None else 9
    ticket = open_for_approval(org, mode="single", max_loops=flow_cap)
    for _ in range(2):  # two loops are allowed: the step goes to its own owner
        ticket = back_to_approval(reject_to_request(ticket))
    assert not TicketEvent.objects.filter(ticket=ticket, kind="loop_escalated").exists()
    assert Notification.objects.filter(event="escalated").count() == 0
    seq = fresh(ticket).audit_seq
    ticket = reject_to_request(ticket, reason="第三次退回")
    assert open_rows(ticket) == [("Task_request", "manager", "active")]
    assert list(TicketEvent.objects.filter(ticket=ticket, seq__gt=seq).values_list("kind", flat=True)) == [
        "step_rejected",
        "step_entered",
        "loop_escalated",
    ]
    escalation = TicketEvent.objects.get(ticket=ticket, kind="loop_escalated")
    assert escalation.data == {
        "step": "申请",
        "loops": 3,
        "max_loops": 2,
        "owner": org.manager.pk,
        "owner_name": "王经理",
        "reason": "第三次退回",
    }
    # The rejecting manager is the escalation target here, so nobody else is told; the
    # dispatcher (the step's usual owner) is not asked to act on it.
    assert (
        Notification.objects.filter(ticket_id=ticket.pk, user=org.dispatcher, event="returned").count() == 2
    )


def test_escalation_notifies_the_manager_and_walks_up_the_tree(org, settings):
    settings.BATON_MAX_LOOPS = 1
    org.north.manager = None
    org.north.save()
    org.hq.manager = org.agent
    org.hq.save()
    ticket = open_for_approval(org, mode="single")
    # With no north manager, the approval's "manager" rule falls back to the dispatcher.
    ticket = back_to_approval(reject_to_request(ticket))
    ticket = reject_to_request(ticket)
    assert open_rows(ticket) == [("Task_request", "agent", "active")]
    assert list(Notification.objects.filter(user=org.agent).values_list("event", flat=True)) == ["escalated"]


def test_flow_outcome_returns_count_as_loops(org, settings):
    settings.BATON_MAX_LOOPS = 1
    ticket = open_ticket(org)  # the store-repair flow: the technician returns to dispatch
    from .helpers import dispatch

    for round_ in range(2):
        ticket = dispatch(org, ticket)
        step = active_step(ticket)
        ticket = services.complete_step(
            ticket=ticket, step_id=step.pk, actor=org.tech, outcome="return", reason=f"第{round_}次"
        )
    assert active_step(ticket).owner == org.manager
    assert TicketEvent.objects.filter(ticket=ticket, kind="loop_escalated").count() == 1


# ---------------------------------------------------------------------------- delegation


def test_steps_assigned_while_away_go_to_the_delegate(org):
    with time_machine.travel(T0, tick=False):
        accounts.set_away(
            user=org.manager,
            starts_at=T0 - timedelta(hours=1),
            ends_at=T0 + timedelta(days=3),
            delegate=org.tech2,
            note="年假",
        )
        ticket = open_for_approval(org, mode="single")
    step = active_step(ticket)
    assert (step.owner, step.on_behalf_of) == (org.tech2, org.manager)
    entered = TicketEvent.objects.filter(ticket=ticket, kind="step_entered").last()
    assert entered is not None
    assert (entered.data["owner_name"], entered.data["on_behalf_of_name"]) == ("赵师傅", "王经理")
    assert Notification.objects.filter(user=org.manager, ticket_id=ticket.pk).count() == 0
    with time_machine.travel(T0 + timedelta(days=4), tick=False):  # back from leave: steps go to them again
        ticket = services.reject_to_step(
            ticket=ticket, step_id=step.pk, actor=org.tech2, to_step="Task_review", reason="补充"
        )
        step = active_step(ticket)
        ticket = services.complete_step(ticket=ticket, step_id=step.pk, actor=step.owner, outcome="done")
    step = active_step(ticket)
    assert (step.owner, step.on_behalf_of) == (org.manager, None)


def test_delegation_follows_a_chain_but_not_a_loop(org):
    from baton.accounts.queries import delegate_for

    with time_machine.travel(T0, tick=False):
        for user, delegate in ((org.manager, org.tech), (org.tech, org.tech2), (org.tech2, org.manager)):
            accounts.set_away(user=user, starts_at=T0, ends_at=T0 + timedelta(days=1), delegate=delegate)
        assert delegate_for(org.manager, T0) == org.tech2
        assert delegate_for(org.dispatcher, T0) is None
        assert delegate_for(org.manager, T0 + timedelta(days=2)) is None


def test_away_refusals_write_nothing(org):
    with time_machine.travel(T0, tick=False):
        accounts.set_away(user=org.manager, starts_at=T0, ends_at=T0 + timedelta(days=2), delegate=org.tech)
        cases: list[tuple[dict[str, Any], dict[str, list[str]]]] = [
            ({"starts_at": T0, "ends_at": T0, "delegate": org.tech}, {"ends_at": ["before the start"]}),
            (
                {
                    "starts_at": T0 - timedelta(days=3),
                    "ends_at": T0 - timedelta(days=2),
                    "delegate": org.tech,
                },
                {"ends_at": ["in the past"]},
            ),
            (
                {"starts_at": T0, "ends_at": T0 + timedelta(days=1), "delegate": org.manager},
                {"delegate": ["yourself"]},
            ),
            (
                {"starts_at": T0, "ends_at": T0 + timedelta(days=1), "delegate": org.portal},
                {"delegate": ["not eligible"]},
            ),
            (
                {
                    "starts_at": T0 + timedelta(days=1),
                    "ends_at": T0 + timedelta(days=5),
                    "delegate": org.tech2,
                },
                {"starts_at": ["overlaps"]},
            ),
            (
                {
                    "starts_at": T0 + timedelta(days=9),
                    "ends_at": T0 + timedelta(days=900),
                    "delegate": org.tech2,
                },
                {"ends_at": ["too long"]},
            ),
        ]
        for kwargs, fields in cases:
            with pytest.raises(ValidationFailed) as refused:
                accounts.set_away(user=org.manager, **kwargs)
            assert refused.value.fields == fields
    assert Delegation.objects.count() == 1


def test_cancel_away_ends_it_and_only_the_owner_can(org):
    with time_machine.travel(T0, tick=False):
        away = accounts.set_away(
            user=org.manager, starts_at=T0, ends_at=T0 + timedelta(days=2), delegate=org.tech
        )
        with pytest.raises(NotFound):
            accounts.cancel_away(user=org.tech, delegation_id=away.pk)
        accounts.cancel_away(user=org.manager, delegation_id=away.pk)
        ticket = open_for_approval(org, mode="single")
    assert active_step(ticket).owner == org.manager


# ---------------------------------------------------------------------------- parallel paths


def test_parallel_branches_each_have_one_owner_and_join(org):
    deploy_parallel_flow()
    ticket = open_ticket(org, ticket_type=TICKET_TYPE)
    step = active_step(ticket)
    ticket = services.complete_step(
        ticket=ticket,
        step_id=step.pk,
        actor=org.dispatcher,
        outcome="assign",
        values={"technician": org.tech.pk},
    )
    assert open_rows(ticket) == [("Task_repair", "tech", "active"), ("Task_parts", "dispatcher", "active")]
    assert fresh(ticket).status == Status.IN_REPAIR
    rows = Step.objects.filter(ticket=ticket, state=StepState.ACTIVE)
    assert all(r.due_at is not None for r in rows)
    parts = rows.get(key="Task_parts")
    ticket = services.complete_step(ticket=ticket, step_id=parts.pk, actor=org.dispatcher)
    assert open_rows(ticket) == [("Task_repair", "tech", "active")]
    assert not Step.objects.filter(ticket=ticket, state=StepState.CANCELLED).exists()
    repair = Step.objects.get(ticket=ticket, key="Task_repair")
    ticket = services.complete_step(ticket=ticket, step_id=repair.pk, actor=org.tech)
    assert open_rows(ticket) == [("Task_check", "store", "active")]
    assert fresh(ticket).status == Status.WAITING_ACCEPTANCE


def test_parallel_reject_back_before_the_split_cancels_both_branches(org):
    deploy_parallel_flow()
    ticket = open_ticket(org, ticket_type=TICKET_TYPE)
    step = active_step(ticket)
    values = {"technician": org.tech.pk}
    ticket = services.complete_step(
        ticket=ticket, step_id=step.pk, actor=org.dispatcher, outcome="assign", values=values
    )
    for key, actor in (("Task_parts", org.dispatcher), ("Task_repair", org.tech)):
        row = Step.objects.get(ticket=ticket, key=key, state=StepState.ACTIVE)
        ticket = services.complete_step(ticket=ticket, step_id=row.pk, actor=actor)
    check = active_step(ticket)
    ticket = services.reject_to_step(
        ticket=ticket, step_id=check.pk, actor=org.store_manager, to_step="Task_dispatch", reason="没修好"
    )
    assert open_rows(ticket) == [("Task_dispatch", "dispatcher", "active")]
    ticket = services.complete_step(
        ticket=ticket, step_id=active_step(ticket).pk, actor=org.dispatcher, outcome="assign", values=values
    )
    assert open_rows(ticket) == [("Task_repair", "tech", "active"), ("Task_parts", "dispatcher", "active")]
