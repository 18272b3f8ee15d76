"""A freezer stops cooling: reported from the store manager's phone, dispatched, repaired, accepted.

Every step is done in Chromium at 375×812 the way people do it, and after each one the database
is checked too (the steps, their owners, the ticket's status) — including what must not change
when something is refused.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import expect

from baton.tickets.models import Attachment, Comment, Status, Step, StepState, Ticket, TicketEvent
from baton.tickets.tests.helpers import dispatch, open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo_files(tmp_path: Path, count: int) -> list[str]:
    paths = []
    for i, colour in zip(range(count), ["red", "blue", "green"], strict=False):
        path = tmp_path / f"freezer-{i}.jpg"
        out = io.BytesIO()
        Image.new("RGB", (640, 480), colour).save(out, "JPEG")
        path.write_bytes(out.getvalue())
        paths.append(str(path))
    return paths


def text(page: Any, selector: str) -> str:
    return page.locator(selector).first.inner_text().strip()


def message(page: Any) -> str:
    return text(page, "[data-testid=messages] .alert div")


def path_of(page: Any) -> str:
    return urlparse(page.url).path


def steps(ticket: Ticket) -> list[tuple[str, str, str, str]]:
    return [
        (s.key, s.state, s.owner.username, s.outcome)
        for s in Step.objects.filter(ticket=ticket).select_related("owner").order_by("pk")
    ]


def open_from_todo(page: Any, number: str) -> None:
    item = page.locator(f"[data-testid=todo-mine] [data-testid=todo-item][data-ticket='{number}']")
    item.click()
    page.wait_for_selector("[data-testid=ticket-number]")


def test_store_reports_dispatcher_dispatches_technician_repairs_store_accepts(
    org: Any, sign_in: Any, tmp_path: Path, live_server: Any
) -> None:
    # 2. The store manager reports "冷柜不制冷" with two photos, in Chinese, on a phone.
    store = sign_in("store")
    assert text(store, "h1") == "我的待办"
    assert store.locator(".navbar-toggler").is_visible()
    assert not store.locator("#navbar-menu").is_visible()  # the menu is collapsed on a phone
    store.click("[data-testid=nav-report]")
    assert path_of(store) == "/tickets/new/"
    assert store.locator("#id_site").input_value() == str(org.site.pk)
    store.select_option("#id_asset", str(org.asset.pk))
    store.select_option("#id_fault_category", "not_cooling")
    assert store.locator("#id_title").input_value() == "冷柜不制冷"
    store.fill("#id_description", "早上开始温度一直在 12 度")
    store.set_input_files("[data-testid=report-form] [data-slot] input[type=file]", photo_files(tmp_path, 2))
    expect(store.locator("[data-previews] img")).to_have_count(2)  # previews are drawn asynchronously
    store.click("[data-testid=report-submit]")
    store.wait_for_selector("[data-testid=ticket-number]")

    ticket = Ticket.objects.get()
    assert text(store, "[data-testid=ticket-number]") == ticket.number
    assert text(store, "[data-testid=ticket-status]") == "待派工"
    assert message(store) == f"已提交工单 {ticket.number}，当前状态：待派工。"
    assert store.locator("[data-testid=attachments] [data-testid=photo]").count() == 2
    assert (ticket.title, ticket.status, ticket.channel) == ("冷柜不制冷", Status.WAITING_DISPATCH, "mobile")
    assert (ticket.requester, ticket.asset, ticket.fault_category) == (
        org.store_manager,
        org.asset,
        "not_cooling",
    )
    assert Attachment.objects.filter(ticket=ticket, comment=None).count() == 2
    assert steps(ticket) == [("Task_dispatch", StepState.ACTIVE, "dispatcher", "")]
    assert store.locator("[data-testid=action-panel]").count() == 0

    # 3. The dispatcher finds it on the to-do page and dispatches it to a technician.
    dispatcher = sign_in("dispatcher")
    assert text(dispatcher, "[data-testid=count-mine]") == "1"
    open_from_todo(dispatcher, ticket.number)
    dispatcher.select_option("[data-testid=outcome-assign] select[name=technician]", str(org.tech.pk))
    dispatcher.click("[data-testid=submit-assign]")
    dispatcher.wait_for_selector("[data-testid=messages]")
    assert message(dispatcher) == "已派工给 张师傅。"
    assert text(dispatcher, "[data-testid=ticket-status]") == "维修中"
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_REPAIR
    assert steps(ticket) == [
        ("Task_dispatch", StepState.COMPLETED, "dispatcher", "assign"),
        ("Task_repair", StepState.ACTIVE, "tech", ""),
    ]

    # 4. The technician sees it first on the to-do page, accepts it, comments with a photo, repairs.
    tech = sign_in("tech")
    first = tech.locator("[data-testid=todo-mine] [data-testid=todo-item]").first
    assert first.get_attribute("data-ticket") == ticket.number
    assert "未接单" in first.inner_text()
    open_from_todo(tech, ticket.number)
    assert tech.locator("[data-testid=outcome-done]").count() == 0
    tech.click("[data-testid=submit-accept-step]")
    tech.wait_for_selector("[data-testid=messages]")
    assert message(tech) == "已接单。"
    assert Step.objects.get(ticket=ticket, key="Task_repair").accepted_at is not None

    tech.fill("#id_body", "压缩机过热，已断电检查")
    tech.set_input_files("[data-testid=comment-form] [data-slot] input[type=file]", photo_files(tmp_path, 1))
    tech.click("[data-testid=submit-comment]")
    tech.wait_for_selector("[data-testid=messages]")
    assert message(tech) == "评论已发布。"
    newest = tech.locator("[data-testid=timeline] [data-testid=event]").first
    assert newest.locator("[data-testid=comment-body]").inner_text() == "压缩机过热，已断电检查"
    expect(newest.locator("img")).to_have_count(1)
    comment = Comment.objects.get(ticket=ticket)
    assert (comment.author, comment.internal, comment.attachments.count()) == (org.tech, False, 1)

    tech.fill("[data-testid=outcome-done] textarea[name=resolution]", "更换温控器，温度恢复到 4 度")
    tech.click("[data-testid=submit-done]")
    tech.wait_for_selector("[data-testid=messages]")
    assert message(tech) == "已完工，等待报修人验收。"
    assert text(tech, "[data-testid=ticket-status]") == "待验收"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.WAITING_ACCEPTANCE, "更换温控器，温度恢复到 4 度")
    assert steps(ticket)[1:] == [
        ("Task_repair", StepState.COMPLETED, "tech", "done"),
        ("Task_acceptance", StepState.ACTIVE, "store", ""),
    ]

    # 5. The store manager confirms the repair (验收) and rates it 4.
    store.goto("/")
    assert text(store, "[data-testid=count-mine]") == "1"
    open_from_todo(store, ticket.number)
    store.locator("[data-testid=outcome-accept] label").filter(has_text="4★").click()
    store.fill("[data-testid=outcome-accept] textarea[name=rating_comment]", "师傅很专业")
    store.click("[data-testid=submit-accept]")
    store.wait_for_selector("[data-testid=messages]")
    assert message(store) == "已验收，感谢你的评价。"
    assert text(store, "[data-testid=ticket-status]") == "已关闭"
    assert text(store, "[data-testid=satisfaction]") == "★★★★☆"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.satisfaction_comment) == (
        Status.CLOSED,
        4,
        "师傅很专业",
    )
    assert ticket.closed_at is not None
    assert steps(ticket) == [
        ("Task_dispatch", StepState.COMPLETED, "dispatcher", "assign"),
        ("Task_repair", StepState.COMPLETED, "tech", "done"),
        ("Task_acceptance", StepState.COMPLETED, "store", "accept"),
    ]
    for page in (store, dispatcher, tech):
        assert page.js_errors == []


def test_return_without_a_reason_is_refused_and_with_one_goes_back_to_dispatch(
    org: Any, sign_in: Any
) -> None:
    ticket = dispatch(org, open_ticket(org))
    tech = sign_in("tech")
    open_from_todo(tech, ticket.number)

    def snapshot() -> tuple[Any, ...]:
        t = Ticket.objects.get(pk=ticket.pk)
        return (t.version, t.status, steps(t), TicketEvent.objects.filter(ticket=t).count())

    before = snapshot()
    tech.click("[data-testid=toggle-return]")
    tech.click("[data-testid=submit-return]")
    tech.wait_for_selector("[data-testid=error-reason]")
    assert text(tech, "[data-testid=error-reason]") == "请填写原因。"
    assert tech.locator("[data-testid=outcome-return]").is_visible()  # the form stays open
    assert snapshot() == before

    reason = "现场缺少压缩机配件，需要先调拨"
    tech.fill("[data-testid=outcome-return] textarea[name=reason]", reason)
    tech.click("[data-testid=submit-return]")
    tech.wait_for_selector("[data-testid=messages]")
    assert message(tech) == "已退回。"
    assert text(tech, "[data-testid=ticket-status]") == "待派工"
    assert tech.locator("[data-testid=action-panel]").count() == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_DISPATCH
    assert steps(ticket) == [
        ("Task_dispatch", StepState.COMPLETED, "dispatcher", "assign"),
        ("Task_repair", StepState.COMPLETED, "tech", "return"),
        ("Task_dispatch", StepState.ACTIVE, "dispatcher", ""),
    ]
    assert Step.objects.get(ticket=ticket, key="Task_repair").reason == reason

    dispatcher = sign_in("dispatcher")
    open_from_todo(dispatcher, ticket.number)
    returned = dispatcher.locator("[data-testid=event][data-kind=step_returned]")
    assert returned.locator("[data-testid=event-text]").inner_text().strip() == "张师傅 退回了「维修」"
    assert returned.locator("[data-testid=event-reason]").inner_text().strip().endswith(reason)
    assert dispatcher.locator("[data-testid=outcome-assign]").is_visible()
    assert tech.js_errors == []
    assert dispatcher.js_errors == []


def test_the_report_page_in_english(org: Any, sign_in: Any) -> None:
    store = sign_in("store")
    store.goto("/tickets/new/")
    assert text(store, "h1") == "报修"
    store.click(".navbar-toggler")  # on a phone the language switch sits in the collapsed menu
    store.click("#navbar-menu [data-testid=language-switch] button[value=en]")
    store.wait_for_selector("html[lang=en]")
    assert path_of(store) == "/tickets/new/"
    assert text(store, "h1") == "Report"
    assert text(store, "label[for=id_site]") == "Site"
    assert text(store, "label[for=id_fault_category]") == "Fault"
    assert text(store, "[data-testid=report-submit]") == "Submit report"
    store.select_option("#id_asset", str(org.asset.pk))
    store.select_option("#id_fault_category", "not_cooling")
    assert store.locator("#id_title").input_value() == "Freezer: Not cooling"
    store.click("[data-testid=report-submit]")
    store.wait_for_selector("[data-testid=ticket-number]")
    ticket = Ticket.objects.get()
    assert message(store) == f"Ticket {ticket.number} submitted. Status: Awaiting dispatch."
    assert text(store, "[data-testid=ticket-status]") == "Awaiting dispatch"
    assert (ticket.title, ticket.status) == ("Freezer: Not cooling", Status.WAITING_DISPATCH)
    assert steps(ticket) == [("Task_dispatch", StepState.ACTIVE, "dispatcher", "")]
    assert store.js_errors == []


def test_ticket_list_filters_refresh_the_table_in_place(org: Any, sign_in: Any) -> None:
    waiting = open_ticket(org)
    repairing = dispatch(org, open_ticket(org, title="冷柜有异响"))
    dispatcher = sign_in("dispatcher")
    dispatcher.goto("/tickets/")
    rows = dispatcher.locator("[data-testid=ticket-table] tbody tr")
    assert rows.count() == 2
    dispatcher.evaluate("window.notReloaded = true")
    dispatcher.select_option("#id_status", "in_repair")
    dispatcher.wait_for_function(
        "document.querySelectorAll('[data-testid=ticket-table] tbody tr').length === 1"
    )
    assert rows.first.get_attribute("data-ticket") == repairing.number
    assert dispatcher.evaluate("window.notReloaded") is True  # htmx swapped the table only
    assert "status=in_repair" in dispatcher.url
    dispatcher.fill("#id_q", waiting.number)
    dispatcher.wait_for_selector("text=没有符合条件的工单")
    assert dispatcher.js_errors == []
