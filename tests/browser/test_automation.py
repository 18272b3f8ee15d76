"""An admin builds "VIP + 设备停机 ⇒ urgent, dispatched" with the rule builder, tries it on a ticket
(nothing changes), switches it on, and sees it fire on the next such ticket."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from baton.automation.models import Rule, RuleRun
from baton.tickets.models import Step, TicketEvent
from baton.tickets.tests.helpers import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Any:
    from conftest import PASSWORD

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    yield page
    context.close()


def test_build_try_enable_and_see_the_rule_fire(org: Any, desk: Any) -> None:
    page = desk
    earlier = open_ticket(org, fault_category="down")
    page.click("[data-testid=nav-automation]")
    page.click("[data-testid=rule-new]")
    page.fill("[data-testid=rule-name]", "VIP 设备停机")
    # conditions with the pickers: customer level is VIP, and fault category is 设备停机
    page.click("[data-testid=cond-add]")
    page.locator("[data-testid=cond-row]").nth(0).locator("[data-testid=cond-field]").select_option(
        "customer_level"
    )
    page.locator("[data-testid=cond-row]").nth(0).locator("[data-testid=cond-value]").select_option("vip")
    page.click("[data-testid=cond-add]")
    page.locator("[data-testid=cond-row]").nth(1).locator("[data-testid=cond-field]").select_option(
        "fault_category"
    )
    page.locator("[data-testid=cond-row]").nth(1).locator("[data-testid=cond-value]").select_option("down")
    assert page.input_value("[data-testid=cond-cel]") == 'customer_level == "vip" && fault_category == "down"'
    # actions: the default "set priority: urgent", plus dispatch (least loaded)
    page.click("[data-testid=action-add]")
    page.locator("[data-testid=action-row]").nth(1).locator("[data-testid=action-type]").select_option(
        "dispatch"
    )
    page.locator("[data-testid=action-row]").nth(1).locator("[data-testid=action-strategy]").select_option(
        "least_loaded"
    )
    # try it against the earlier ticket before saving: it matches, and nothing changes
    events_before = TicketEvent.objects.count()
    page.fill("[data-testid=try-ticket]", earlier.number)
    page.click("[data-testid=try-run]")
    page.wait_for_selector("[data-testid=try-result]")
    assert page.locator("[data-testid=try-action]").all_inner_texts() == [
        "would set priority: normal → urgent",
        "would dispatch: least loaded: 张师傅 has 0 open steps",
    ]
    assert TicketEvent.objects.count() == events_before
    assert Rule.objects.count() == 0
    # switch it on and save
    page.check("[data-testid=rule-enabled]")
    page.click("[data-testid=rule-save]")
    page.wait_for_selector("[data-testid=rule-saved]")
    rule = Rule.objects.get()
    assert (rule.enabled, rule.condition, rule.actions) == (
        True,
        'customer_level == "vip" && fault_category == "down"',
        [{"type": "set_priority", "priority": "urgent"}, {"type": "dispatch", "strategy": "least_loaded"}],
    )
    # when the next VIP 设备停机 ticket arrives, the rule fires
    ticket = open_ticket(org, fault_category="down")
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert Step.objects.get(ticket=ticket, state="active").owner == org.tech
    page.reload()
    runs = page.locator("[data-testid=rule-run]")
    assert runs.count() == 1
    assert ticket.number in runs.first.inner_text()
    assert RuleRun.objects.filter(rule=rule, ticket=ticket).count() == 1
    assert page.js_errors == []
