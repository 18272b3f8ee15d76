"""Schedule rules: every N minutes over the open tickets matching the condition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from baton.automation.models import Rule, RuleRun
from baton.automation.tasks import run_scheduled_rules
from baton.config.schedule import SCHEDULE
from baton.notifications.models import Notification
from baton.tickets.tests.helpers import fresh, open_ticket

from .helpers import events_of, make_rule

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_schedule_entry_points_at_the_task():
    assert SCHEDULE["run-scheduled-rules"] == {
        "task": "baton.automation.tasks.run_scheduled_rules",
        "every": 60.0,
    }


def test_schedule_rule_runs_every_n_minutes_over_matching_open_tickets(org):
    with time_machine.travel(T0, tick=False):
        rule = make_rule(
            org,
            trigger="schedule",
            every_minutes=30,
            condition='status == "waiting_dispatch" && priority == "high"',
            actions=[{"type": "notify", "roles": ["dispatcher"], "message": "仍未派工"}],
        )
        waiting = open_ticket(org, priority="high")
        open_ticket(org, priority="normal")  # does not match
        # first run: fires on the matching ticket only
        assert run_scheduled_rules() == 1
        # a second run inside the 30 minutes does nothing
        assert run_scheduled_rules() == 0
    with time_machine.travel(T0 + timedelta(minutes=29), tick=False):
        assert run_scheduled_rules() == 0
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        assert run_scheduled_rules() == 1
    assert RuleRun.objects.filter(rule=rule).count() == 2
    assert [e.data["event"] for e in events_of(fresh(waiting), "rule_fired")] == ["schedule", "schedule"]
    assert Notification.objects.filter(user=org.dispatcher, event="rule_notice").count() == 2
    assert Rule.objects.get(pk=rule.pk).last_run_at == T0 + timedelta(minutes=30)


def test_disabled_schedule_rule_and_closed_tickets_are_skipped(org):
    make_rule(
        org,
        trigger="schedule",
        every_minutes=5,
        enabled=False,
        actions=[{"type": "set_priority", "priority": "low"}],
    )
    ticket = open_ticket(org)
    assert run_scheduled_rules() == 0
    assert fresh(ticket).priority == "normal"
