"""The timeline reads what automation did in whole sentences, in Chinese and in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from baton.tickets import services
from baton.tickets.models import TicketEvent
from baton.tickets.tests.helpers import active_step, fresh, open_ticket
from baton.tickets.views.timeline import build_timeline

pytestmark = pytest.mark.django_db


def lines(ticket, language):
    events = list(TicketEvent.objects.filter(ticket=ticket).select_related("actor", "step").order_by("seq"))
    with translation.override(language):
        return [
            (
                e.event.kind,
                e.text,
                e.note,
                e.reason,
                [(c.label, c.before, c.after) for c in e.changes],
                e.colour,
            )
            for e in build_timeline(events, [], [])
            if e.event.kind not in ("created", "step_entered", "status_changed")
        ]


def test_rule_events_read_as_sentences(org):
    ticket = open_ticket(org)
    services.record_system_event(
        ticket=ticket,
        kind="rule_fired",
        data={
            "rule": 1,
            "name": "VIP 设备停机",
            "trigger": "ticket_created",
            "event": "created",
            "actions": [
                {"type": "set_priority", "priority": "urgent"},
                {"type": "dispatch", "strategy": "least_loaded"},
                {"type": "notify", "users": [], "roles": ["manager"], "channels": ["in_app"], "message": ""},
            ],
            "results": [
                "priority: normal → urgent",
                "least loaded: 张师傅 has 0 open steps",
                "notified 王经理",
            ],
        },
    )
    services.record_system_event(
        ticket=fresh(ticket),
        kind="rule_failed",
        data={
            "rule": 2,
            "name": "夜间升级",
            "trigger": "sla",
            "event": "sla_breached",
            "error": "no such field",
        },
    )
    assert lines(ticket, "zh-hans") == [
        (
            "rule_failed",
            "规则“夜间升级”执行失败，工单保持原样",
            "no such field",
            "",
            [],
            "red",
        ),
        (
            "rule_fired",
            "规则“VIP 设备停机”已执行：优先级 → 紧急，自动派工（负载最少），通知人员或角色",
            "priority: normal → urgent; least loaded: 张师傅 has 0 open steps; notified 王经理",
            "",
            [],
            "indigo",
        ),
    ]
    english = lines(ticket, "en")
    assert [text for _, text, *_ in english] == [
        "Rule “夜间升级” failed; the ticket was left as it was",
        "Rule “VIP 设备停机” ran: Priority → Urgent, auto-dispatch (Least loaded), Notify people or roles",
    ]
    assert not any("系统：" in text or "System:" in text for _, text, *_ in english)


def test_auto_dispatch_events_read_as_sentences(org):
    ticket = open_ticket(org)
    step = active_step(ticket)
    services.record_system_event(
        ticket=ticket,
        kind="auto_dispatch_skipped",
        step=step,
        data={
            "step": step.name,
            "strategy": "roster",
            "reason": "roster: nobody of 华北区 is on duty now; the step stays with the dispatcher",
        },
    )
    services.record_system_event(
        ticket=fresh(ticket),
        kind="auto_dispatch_failed",
        step=step,
        data={"step": step.name, "strategy": "skill", "error": "boom"},
    )
    zh = lines(ticket, "zh-hans")
    assert [(kind, text, note, colour) for kind, text, note, _, _, colour in zh] == [
        ("auto_dispatch_failed", "自动派工（按技能）失败：“派工”仍由调度员处理", "boom", "red"),
        (
            "auto_dispatch_skipped",
            "自动派工（当前值班人员）未选出人员：“派工”仍由调度员处理",
            "roster: nobody of 华北区 is on duty now; the step stays with the dispatcher",
            "orange",
        ),
    ]


def test_auto_dispatch_that_chose_someone_says_so(org):
    ticket = open_ticket(org)
    step = active_step(ticket)
    services.dispatch_as_system(
        ticket=ticket, step_id=step.pk, technician=org.tech, why="least loaded: 张师傅 has 0 open steps"
    )
    done = [line for line in lines(ticket, "zh-hans") if line[0] == "step_completed"]
    assert [(text, reason) for _, text, _, reason, _, _ in done] == [
        (f"自动派工：选择 {org.tech.display_name}", "least loaded: 张师傅 has 0 open steps")
    ]


def test_hand_over_reads_who_moved_it_where_and_why(org):
    ticket = open_ticket(org)
    services.transfer_ticket(ticket=ticket, department=org.south, reason="制冷故障由华南区负责")
    services.transfer_ticket(
        ticket=fresh(ticket), department=org.north, reason="退回", actor=org.south_dispatcher
    )
    moves = [line for line in lines(ticket, "zh-hans") if line[0] == "department_changed"]
    assert moves == [
        (
            "department_changed",
            f"{org.south_dispatcher.display_name} 已将工单转交 {org.north.name}",
            "",
            "退回",
            [("处理部门", org.south.name, org.north.name)],
            "orange",
        ),
        (
            "department_changed",
            f"系统 已将工单转交 {org.south.name}",
            "",
            "制冷故障由华南区负责",
            [("处理部门", org.north.name, org.south.name)],
            "orange",
        ),
    ]
    english = [text for kind, text, *_ in lines(ticket, "en") if kind == "department_changed"]
    assert english[1] == f"System handed the ticket over to {org.south.name}"
