"""The ticket page draws the flow: the path taken in green, the current step in blue, and who did what.

Checked on a 375 px phone (the diagram scrolls sideways inside its card) and on a 1280 px desk.
Set ``BATON_SCREENSHOTS=<dir>`` to keep screenshots of both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from baton.tickets.tests.helpers import dispatch, open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 900}


def open_diagram(page: Any, ticket: Any) -> Any:
    page.goto(f"/tickets/{ticket.pk}/")
    card = page.locator("[data-testid=flow-diagram]")
    card.scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=flow-diagram][data-diagram-ready='1']")
    return card


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("BATON_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.locator("[data-testid=flow-diagram]").screenshot(path=str(Path(folder) / name))


def test_phone_shows_current_step_highlighted_and_who_dispatched(org: Any, sign_in: Any) -> None:
    ticket = dispatch(org, open_ticket(org))
    page = sign_in("dispatcher")
    card = open_diagram(page, ticket)

    repair = card.locator(".djs-element[data-element-id=Task_repair]")
    assert "baton-active" in (repair.get_attribute("class") or "")
    done = card.locator(".djs-element[data-element-id=Task_dispatch]")
    assert "baton-done" in (done.get_attribute("class") or "")
    assert "baton-taken" in (
        card.locator(".djs-element[data-element-id=Flow_to_repair]").get_attribute("class") or ""
    )
    note = card.locator("[data-testid=diagram-note][data-element=Task_dispatch]")
    assert "李派工" in note.inner_text()
    current = card.locator("[data-testid=diagram-note][data-element=Task_repair]")
    assert "张师傅" in current.inner_text()

    # The card fits the phone; the drawing scrolls inside it instead of widening the page.
    scroll = card.locator(".baton-diagram-scroll")
    sizes = scroll.evaluate("el => [el.clientWidth, el.scrollWidth]")
    assert sizes[0] <= 375
    assert sizes[1] > sizes[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    card.locator("[data-zoom=in]").click()
    assert scroll.evaluate("el => el.scrollWidth") > sizes[1]
    shoot(page, "diagram-375.png")
    assert page.js_errors == []


def test_desk_fits_the_whole_flow(org: Any, browser: Any, live_server: Any) -> None:
    from conftest import PASSWORD

    ticket = dispatch(org, open_ticket(org))
    context = browser.new_context(viewport=DESK, locale="zh-CN", base_url=live_server.url)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/login/")
        page.fill("#id_username", "dispatcher")
        page.fill("#id_password", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_url(lambda url: not url.endswith("/login/"))
        card = open_diagram(page, ticket)
        scroll = card.locator(".baton-diagram-scroll")
        width, inner = scroll.evaluate("el => [el.clientWidth, el.scrollWidth]")
        assert inner <= width + 1  # the whole flow fits at this width
        assert "baton-active" in (
            card.locator(".djs-element[data-element-id=Task_repair]").get_attribute("class") or ""
        )
        shoot(page, "diagram-1280.png")
        assert errors == []
    finally:
        context.close()
