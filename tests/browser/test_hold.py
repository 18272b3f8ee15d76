"""The technician repairing a freezer is waiting for a compressor: from the ticket page on their phone
they put the ticket on hold (待备件) with a reason, and the SLA clocks stop; without a reason it is
refused and nothing changes. When the part arrives they resume and the clocks run again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from baton.sla.models import ClockState, SlaClock
from baton.tickets import services
from baton.tickets.models import Status, Ticket, TicketEvent
from baton.tickets.tests.helpers import active_step, dispatch, fresh, open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = "[data-testid=sla-hold-form]"
REASON = f"{FORM} input[name=reason]"
HOLD = f"{FORM} button[type=submit]"
RESUME = "[data-testid=sla-resume-form] button[type=submit]"


def text(page: Any, selector: str) -> str:
    return page.locator(selector).first.inner_text().strip()


def clocks(ticket: Ticket) -> dict[str, tuple[str, bool]]:
    """Each clock's state, and whether it is paused right now."""
    return {
        c.kind: (c.state, c.paused_since is not None)
        for c in SlaClock.objects.filter(ticket=ticket).order_by("pk")
    }


RUNNING = {
    "resolve": (ClockState.RUNNING, False),
    "step:Task_dispatch": (ClockState.STOPPED, False),  # met when the ticket was dispatched
    "step:Task_repair": (ClockState.RUNNING, False),
}
PAUSED = {
    "resolve": (ClockState.PAUSED, True),
    "step:Task_dispatch": (ClockState.STOPPED, False),
    "step:Task_repair": (ClockState.PAUSED, True),
}


def changes(event: Any) -> list[tuple[str, str, str]]:
    """An event's ``label before → after`` lines."""
    rows = event.locator(".baton-change li")
    return [
        tuple(rows.nth(i).locator(part).inner_text().strip() for part in (".text-secondary", "del", "strong"))
        for i in range(rows.count())
    ]


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    t = fresh(ticket)
    return (t.version, t.status, TicketEvent.objects.filter(ticket=t).count(), clocks(t))


def test_technician_holds_for_parts_with_a_reason_and_resumes(org: Any, sign_in: Any) -> None:
    # given a ticket the technician accepted (接单) and is repairing
    ticket = dispatch(org, open_ticket(org))
    services.accept_step(ticket=fresh(ticket), step_id=active_step(ticket).pk, actor=org.tech)
    assert fresh(ticket).status == Status.IN_REPAIR
    assert clocks(ticket) == RUNNING
    tech = sign_in("tech")
    tech.goto(f"/tickets/{ticket.pk}/")
    assert text(tech, "[data-testid=ticket-status]") == "维修中"
    assert tech.locator("[data-testid=sla-on-hold]").count() == 0
    assert tech.locator("[data-testid=sla-resume-form]").count() == 0
    assert tech.locator(f"{FORM} select[name=status] option").all_inner_texts() == ["备件", "客户"]
    posts: list[str] = []

    def record_post(request: Any) -> None:
        if request.method == "POST":
            posts.append(urlparse(request.url).path)

    tech.on("request", record_post)
    before = snapshot(ticket)

    # when they press 挂起 without a reason, the phone itself refuses: nothing is sent
    tech.select_option(f"{FORM} select[name=status]", "waiting_parts")
    tech.click(HOLD)
    assert tech.locator(REASON).evaluate("e => e.validity.valueMissing") is True
    assert tech.locator(REASON).evaluate("e => e.validationMessage") != ""
    expect(tech.locator(f"{FORM} :invalid")).to_have_count(1)
    assert posts == []
    assert snapshot(ticket) == before

    # and a reason of blanks only is refused by the server, with the message under the field
    tech.fill(REASON, "   ")
    tech.click(HOLD)
    expect(tech.locator(f"{FORM} .invalid-feedback")).to_have_text("这个字段是必填项。")
    expect(tech.locator(REASON)).to_have_class("form-control is-invalid")
    assert posts == [f"/tickets/{ticket.pk}/sla/hold/"]
    assert text(tech, "[data-testid=ticket-status]") == "维修中"
    assert tech.locator("[data-testid=sla-on-hold]").count() == 0
    assert snapshot(ticket) == before

    # when they choose 备件, give the reason and put it on hold
    reason = "压缩机损坏，等待厂家发货"
    tech.select_option(f"{FORM} select[name=status]", "waiting_parts")
    tech.fill(REASON, reason)
    tech.click(HOLD)

    # then the page reloads waiting for parts, the clocks paused, the reason on the timeline
    expect(tech.locator("[data-testid=ticket-status]")).to_have_text("待备件")
    tech.wait_for_load_state()  # htmx sent the browser to the ticket page again
    expect(tech.locator("[data-testid=sla-on-hold]")).to_have_text("挂起中：时效已暂停")
    assert tech.locator("[data-testid=sla-clock-resolve]").get_attribute("data-state") == "paused"
    assert tech.locator("[data-testid='sla-clock-step:Task_repair']").get_attribute("data-state") == "paused"
    assert tech.locator(FORM).count() == 0
    expect(tech.locator("[data-testid=sla-resume-form]")).to_be_visible()
    held = tech.locator("[data-testid=timeline] [data-testid=event]").first
    assert held.get_attribute("data-kind") == "status_changed"
    assert text(held, "[data-testid=event-text]") == "状态变更"
    assert changes(held) == [("状态", "维修中", "待备件")]
    assert text(held, "[data-testid=event-reason] .badge") == "原因"
    assert text(held, "[data-testid=event-reason] .baton-pre") == reason
    # and in the database: waiting for parts, one audit event with the reason, every open clock paused
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_PARTS
    assert ticket.version == before[0] + 1
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("seq").values_list("kind", "data"))
    assert len(events) == before[2] + 1
    assert events[-1] == (
        "status_changed",
        {"changes": {"status": ["in_repair", "waiting_parts"]}, "reason": reason, "hold": True},
    )
    assert clocks(ticket) == PAUSED
    assert active_step(ticket).owner == org.tech  # the step stays theirs

    # when the part arrives and they resume work
    tech.click(RESUME)
    # then the ticket is back in repair and the clocks run again
    expect(tech.locator("[data-testid=ticket-status]")).to_have_text("维修中")
    tech.wait_for_load_state()
    expect(tech.locator(FORM)).to_be_visible()
    assert tech.locator("[data-testid=sla-on-hold]").count() == 0
    assert tech.locator("[data-testid=sla-clock-resolve]").get_attribute("data-state") == "running"
    resumed = tech.locator("[data-testid=timeline] [data-testid=event]").first
    assert resumed.get_attribute("data-kind") == "status_changed"
    assert changes(resumed) == [("状态", "待备件", "维修中")]
    assert resumed.locator("[data-testid=event-reason]").count() == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_REPAIR
    last = TicketEvent.objects.filter(ticket=ticket).order_by("seq").last()
    assert last is not None
    assert (last.kind, last.data) == (
        "status_changed",
        {"changes": {"status": ["waiting_parts", "in_repair"]}, "hold": False},
    )
    assert clocks(ticket) == RUNNING
    pauses = {c.kind: len(c.pauses) for c in SlaClock.objects.filter(ticket=ticket)}
    assert pauses == {"resolve": 1, "step:Task_dispatch": 0, "step:Task_repair": 1}  # the hold, recorded
    assert tech.js_errors == []
