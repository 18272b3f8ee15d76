"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Each person gets their own phone: a fresh browser context at 375×812 with a mobile user agent,
signed in through the real log-in page. Tests are skipped (with the reason) when
``/usr/bin/chromium`` is not installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run
# "inside" it. The test's own ORM calls are plain synchronous code, so allow them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """``phone(locale="zh-CN")`` → a new page in its own context (cookies), on a 375 px phone."""
    contexts: list[Any] = []

    def open_phone(locale: str = "zh-CN") -> Any:
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale=locale,
            user_agent=MOBILE_UA,
            base_url=live_server.url,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors  # checked by the tests: our pages must not throw
        return page

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(phone: Callable[..., Any]) -> Callable[..., Any]:
    """``sign_in("store")`` → a phone signed in through the log-in page, on the to-do page."""
    from conftest import PASSWORD

    def do_sign_in(username: str, locale: str = "zh-CN") -> Any:
        page = phone(locale)
        page.goto("/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_url(lambda url: urlparse(url).path == "/")
        return page

    return do_sign_in
