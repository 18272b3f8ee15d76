"""Automation rules fired by ticket events: triggers, actions, order, loops, failures."""

from __future__ import annotations

import pytest

from baton.automation.models import RuleRun, RunStatus
from baton.core import bus
from baton.notifications.models import Notification, OutboxMessage
from baton.tickets import events, services
from baton.tickets.models import Participant, Priority, Status, Ticket
from baton.tickets.tests.helpers import active_step, dispatch, fresh, open_ticket

from .helpers import SEED_CONDITION, events_of, kinds, make_rule

pytestmark = pytest.mark.django_db


def test_seed_rule_makes_a_vip_down_ticket_urgent_and_dispatches_it(org):
    # given the seed rule
    rule = make_rule(
        org,
        name="VIP 设备停机",
        condition=SEED_CONDITION,
        actions=[
            {"type": "set_priority", "priority": "urgent"},
            {"type": "dispatch", "strategy": "least_loaded"},
        ],
    )
    # when a VIP store reports equipment down
    ticket = open_ticket(org, fault_category="down")
    # then it is urgent and already with the least loaded technician
    ticket = fresh(ticket)
    assert ticket.priority == Priority.URGENT
    assert ticket.status == Status.IN_REPAIR
    step = active_step(ticket)
    assert (step.key, step.owner) == ("Task_repair", org.tech)
    assert kinds(ticket) == [
        "created",
        "step_entered",
        "status_changed",
        "fields_changed",
        "step_completed",
        "step_entered",
        "status_changed",
        "rule_fired",
    ]
    dispatched = events_of(ticket, "step_completed")[0]
    assert dispatched.actor_id is None
    assert dispatched.data["reason"] == "least loaded: 张师傅 has 0 open steps"
    assert dispatched.data["changes"] == {"technician": [None, org.tech.pk]}
    fired = events_of(ticket, "rule_fired")[0]
    assert fired.actor_id is None
    assert fired.data == {
        "rule": rule.pk,
        "name": "VIP 设备停机",
        "trigger": "created",
        "event": "created",
        "actions": [
            {"type": "set_priority", "priority": "urgent"},
            {"type": "dispatch", "strategy": "least_loaded"},
        ],
        "results": ["priority: normal → urgent", "least loaded: 张师傅 has 0 open steps"],
    }
    run = RuleRun.objects.get(rule=rule)
    assert (run.ticket_id, run.status, run.event) == (ticket.pk, RunStatus.FIRED, "created")
    assert events.verify_ticket(ticket) == []


def test_rule_whose_condition_does_not_match_does_nothing(org):
    rule = make_rule(org, condition=SEED_CONDITION, actions=[{"type": "set_priority", "priority": "urgent"}])
    ticket = open_ticket(org, fault_category="leak")
    assert fresh(ticket).priority == Priority.NORMAL
    assert kinds(ticket) == ["created", "step_entered", "status_changed"]
    assert not RuleRun.objects.filter(rule=rule).exists()


def test_disabled_rule_does_not_fire(org):
    make_rule(org, enabled=False, actions=[{"type": "set_priority", "priority": "urgent"}])
    ticket = open_ticket(org)
    assert fresh(ticket).priority == Priority.NORMAL
    assert "rule_fired" not in kinds(ticket)


def test_rules_run_in_order(org):
    # given two rules setting the priority; the later one (by order) wins
    second = make_rule(org, name="second", order=20, actions=[{"type": "set_priority", "priority": "low"}])
    first = make_rule(org, name="first", order=10, actions=[{"type": "set_priority", "priority": "high"}])
    ticket = open_ticket(org)
    assert fresh(ticket).priority == Priority.LOW
    fired = [e.data["rule"] for e in events_of(ticket, "rule_fired")]
    assert fired == [first.pk, second.pk]


def test_rule_reacting_to_priority_changes_fires_once_not_in_a_loop(org):
    # given a rule that changes the priority whenever the priority changes
    rule = make_rule(
        org,
        trigger="field_changed",
        trigger_field="priority",
        actions=[{"type": "set_priority", "priority": "urgent"}],
    )
    ticket = open_ticket(org)
    # when a person changes the priority
    services.update_ticket(ticket=ticket, actor=org.agent, changes={"priority": "high"})
    # then the rule fires exactly once (its own change does not trigger it again)
    ticket = fresh(ticket)
    assert ticket.priority == Priority.URGENT
    assert len(events_of(ticket, "rule_fired")) == 1
    assert RuleRun.objects.filter(rule=rule).count() == 1
    changes = [e.data["changes"]["priority"] for e in events_of(ticket, "fields_changed")]
    assert changes == [["normal", "high"], ["high", "urgent"]]


def test_two_rules_feeding_each_other_fire_once_each(org):
    # given A: priority changed → set fault category; B: fault category changed → set priority
    make_rule(
        org,
        name="A",
        trigger="field_changed",
        trigger_field="priority",
        actions=[{"type": "set_field", "field": "fault_category", "value": "down"}],
    )
    make_rule(
        org,
        name="B",
        trigger="field_changed",
        trigger_field="fault_category",
        actions=[{"type": "set_priority", "priority": "urgent"}],
    )
    ticket = open_ticket(org)
    services.update_ticket(ticket=ticket, actor=org.agent, changes={"priority": "high"})
    ticket = fresh(ticket)
    # A fires (priority by a person), B fires (category by A); A does not fire again on B's change
    assert [e.data["name"] for e in events_of(ticket, "rule_fired")] == ["A", "B"]
    assert (ticket.priority, ticket.fault_category) == (Priority.URGENT, "down")


def test_a_chain_of_rules_stops_at_the_depth_cap(org):
    # given four rules, each reacting to the field the previous one set
    chain = [("A", "priority", "fault_category", "down"), ("B", "fault_category", "title", "T")]
    chain += [("C", "title", "description", "D"), ("D", "description", "priority", "low")]
    for name, watched, field, value in chain:
        make_rule(
            org,
            name=name,
            trigger="field_changed",
            trigger_field=watched,
            actions=[{"type": "set_field", "field": field, "value": value}],
        )
    ticket = open_ticket(org)
    services.update_ticket(ticket=ticket, actor=org.agent, changes={"priority": "high"})
    ticket = fresh(ticket)
    # A, B and C fire; D would be the fourth rule in one chain: it does not run
    assert [e.data["name"] for e in events_of(ticket, "rule_fired")] == ["A", "B", "C"]
    assert (ticket.priority, ticket.fault_category, ticket.title, ticket.description) == (
        "high",
        "down",
        "T",
        "D",
    )


def test_failing_action_does_not_block_the_users_change(org):
    # given a rule whose first action works and whose second fails (the collaborator left)
    rule = make_rule(
        org,
        trigger="comment_added",
        actions=[
            {"type": "set_priority", "priority": "urgent"},
            {"type": "add_collaborator", "user": org.tech.pk},
        ],
    )
    ticket = open_ticket(org)
    org.tech.is_active = False
    org.tech.save()
    notifications_before = Notification.objects.count()
    # when a person comments
    services.add_comment(ticket=ticket, actor=org.dispatcher, body="马上安排")
    # then the comment is there, the rule's partial work was rolled back, and the failure recorded
    ticket = fresh(ticket)
    assert ticket.comments.count() == 1
    assert ticket.priority == Priority.NORMAL
    assert kinds(ticket) == ["created", "step_entered", "status_changed", "comment_added", "rule_failed"]
    failed = events_of(ticket, "rule_failed")[0]
    assert failed.data["rule"] == rule.pk
    assert failed.data["error"] == "Only active staff can collaborate."
    run = RuleRun.objects.get(rule=rule)
    assert (run.status, run.error) == (RunStatus.FAILED, "Only active staff can collaborate.")
    assert Notification.objects.count() == notifications_before
    assert events.verify_ticket(ticket) == []


def test_comment_trigger_adds_a_collaborator(org):
    make_rule(org, trigger="comment_added", actions=[{"type": "add_collaborator", "user": org.tech2.pk}])
    ticket = open_ticket(org)
    services.add_comment(ticket=ticket, actor=org.dispatcher, body="请赵师傅协助")
    step = active_step(ticket)
    assert list(step.collaborators.all()) == [org.tech2]
    assert Participant.objects.filter(ticket=ticket, user=org.tech2).exists()
    added = events_of(ticket, "collaborator_added")[0]
    assert (added.actor_id, added.data["user"]) == (None, org.tech2.pk)


def test_step_entered_trigger_with_a_step_key(org):
    make_rule(
        org,
        trigger="step_entered",
        trigger_step="Task_repair",
        actions=[{"type": "notify", "roles": ["manager"], "channels": ["in_app"], "message": "维修开始"}],
    )
    ticket = open_ticket(org)
    # entering the dispatch step does not match the step key
    assert not Notification.objects.filter(user=org.manager, event="rule_notice").exists()
    dispatch(org, ticket)
    notes = list(Notification.objects.filter(user=org.manager, event="rule_notice"))
    assert len(notes) == 1
    assert notes[0].ticket_id == ticket.pk
    assert "维修开始" in notes[0].body


def test_step_completed_trigger_creates_a_follow_up_ticket(org):
    make_rule(
        org,
        trigger="step_completed",
        trigger_step="Task_dispatch",
        actions=[{"type": "follow_up", "title": "回访门店", "priority": "low"}],
    )
    ticket = open_ticket(org)
    before = Ticket.objects.count()
    dispatch(org, ticket)
    assert Ticket.objects.count() == before + 1
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert (follow_up.title, follow_up.priority, follow_up.site) == ("回访门店", "low", org.site)
    assert follow_up.description == f"Follow-up of {ticket.number} (rule: rule)"
    assert events_of(ticket, "rule_fired")[0].data["results"] == [f"follow-up {follow_up.number} created"]
    # the follow-up's own creation did not fire the rule again
    assert "rule_fired" not in kinds(follow_up)


def _record_sla(ticket, kind):
    with bus.atomic_block():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        events.record(locked, kind, actor=None, data={"target": "resolve"})
        events.flush(locked)
        locked.save(update_fields=["audit_seq", "audit_head"])


@pytest.mark.parametrize("kind", ["sla_warning", "sla_breached"])
def test_sla_triggers_escalate_to_the_owners_superior(org, kind):
    make_rule(org, trigger=kind, actions=[{"type": "escalate", "to": "superior", "channels": ["in_app"]}])
    ticket = open_ticket(org)
    dispatch(org, ticket)  # repair step, owner 张师傅 whose superior is 李派工
    _record_sla(ticket, kind)
    ticket = fresh(ticket)
    fired = events_of(ticket, "rule_fired")
    assert [e.data["results"] for e in fired] == [["维修 Repair: 李派工 alerted"]]
    assert (
        Notification.objects.filter(user=org.dispatcher, event="escalated", ticket_id=ticket.pk).count() == 1
    )
    assert active_step(ticket).owner == org.tech  # alert only, no reassignment


def test_escalate_with_reassign_hands_the_step_to_the_manager(org):
    make_rule(org, trigger="sla_breached", actions=[{"type": "escalate", "to": "manager", "reassign": True}])
    ticket = open_ticket(org)
    _record_sla(ticket, "sla_breached")
    step = active_step(ticket)
    assert step.owner == org.manager
    reassigned = events_of(ticket, "step_reassigned")[0]
    assert (reassigned.actor_id, reassigned.data["reason"]) == (None, "escalated by rule: rule")


def test_notify_roles_on_chosen_channels(org):
    org.manager.email, org.manager.phone = "wang@example.com", "13900000000"
    org.manager.save()
    make_rule(
        org,
        trigger="created",
        actions=[
            {"type": "notify", "roles": ["manager"], "users": [org.agent.pk], "channels": ["in_app", "sms"]}
        ],
    )
    ticket = open_ticket(org)
    assert set(Notification.objects.filter(event="rule_notice").values_list("user", flat=True)) == {
        org.manager.pk,
        org.agent.pk,
    }
    outbox = list(OutboxMessage.objects.filter(event="rule_notice").values_list("channel", "address"))
    assert outbox == [("sms", "13900000000")]  # not e-mail: not chosen; the agent has no phone
    assert fresh(ticket).priority == Priority.NORMAL


def test_webhook_action_goes_through_the_outbox_to_a_real_receiver(org, settings):
    import json

    from baton.notifications import services as notifications
    from baton.notifications.models import ChannelEndpoint
    from baton.notifications.tests import servers

    with servers.HttpServer() as web:
        settings.NOTIFICATIONS = {"BASE_URL": "https://baton.example.com", "HTTP_TIMEOUT": 5}
        web.routes["/hooks/baton"] = servers.webhook("whsec")
        hook = ChannelEndpoint.objects.create(
            kind="webhook", name="ERP", url=f"{web.base}/hooks/baton", secret="whsec"
        )
        rule = make_rule(org, name="告知 ERP", actions=[{"type": "webhook", "endpoint": hook.pk}])
        ticket = open_ticket(org)
        message = OutboxMessage.objects.get(endpoint=hook)
        assert (message.event, message.ticket_id, message.status) == ("rule_notice", ticket.pk, "pending")
        # delivered after commit by the worker, signed (the receiver checks the HMAC)
        assert notifications.deliver_due() == 1
        [request] = web.requests
    document = json.loads(request.body)
    assert document["event"] == "rule_notice"
    assert document["ticket_id"] == ticket.pk
    assert document["data"]["rule"] == "告知 ERP"
    assert document["data"]["ticket_number"] == ticket.number
    assert events_of(ticket, "rule_fired")[0].data["results"] == ["webhook ERP queued"]
    assert RuleRun.objects.get(rule=rule).status == RunStatus.FIRED


def test_condition_failing_at_run_time_is_recorded_and_the_ticket_still_opens(org):
    rule = make_rule(org, condition="priority > 3", actions=[{"type": "set_priority", "priority": "urgent"}])
    ticket = fresh(open_ticket(org))
    assert ticket.priority == Priority.NORMAL
    assert kinds(ticket) == ["created", "step_entered", "status_changed", "rule_failed"]
    run = RuleRun.objects.get(rule=rule)
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("The expression 'priority > 3' failed")


def test_set_field_changes_the_fault_category_as_the_system(org):
    make_rule(org, actions=[{"type": "set_field", "field": "fault_category", "value": "down"}])
    ticket = fresh(open_ticket(org, fault_category="other"))
    assert ticket.fault_category == "down"
    changed = events_of(ticket, "fields_changed")[0]
    assert (changed.actor_id, changed.data["changes"], changed.data["why"]) == (
        None,
        {"fault_category": ["other", "down"]},
        "rule: rule",
    )
