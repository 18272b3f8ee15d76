"""Fixtures for the notification tests: people, a fixed clock, and real local servers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction

from baton.accounts.models import User
from baton.notifications import services

from .servers import HttpServer, SmtpServer

#: 10:00 in Shanghai on a Monday.
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def make_user(username: str, **extra: Any) -> User:
    extra.setdefault("email", f"{username}@example.com")
    extra.setdefault("phone", "13800000000")
    return User.objects.create_user(username=username, password="pw-for-tests-1", name=username, **extra)


def notify(recipients: list[User], *, key: str = "k1", event: str = "step_assigned", **kwargs: Any) -> int:
    """``services.notify`` inside a transaction, as a ticket service would call it."""
    context = kwargs.pop(
        "context", {"ticket_number": "WO-1", "ticket_title": "冷柜不制冷", "step_name": "维修"}
    )
    with transaction.atomic():
        return services.notify(
            recipients=recipients, event=event, context=context, idempotency_key=key, ticket_id=7, **kwargs
        )


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time frozen at :data:`T0`; move it with ``clock.move_to(...)``."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice")


@pytest.fixture
def smtp(settings: Any) -> Iterator[Any]:
    """A real SMTP server on localhost, and notification mail pointed at it."""
    with SmtpServer() as server:
        settings.NOTIFICATIONS = {
            "BASE_URL": "https://baton.example.com",
            "EMAIL": {"BACKEND": "smtp", "HOST": "127.0.0.1", "PORT": server.port, "TIMEOUT": 5},
        }
        yield server.mailbox


@pytest.fixture
def web(settings: Any) -> Iterator[HttpServer]:
    """A real HTTP server on localhost playing robots, webhook receivers and SMS APIs."""
    with HttpServer() as server:
        settings.NOTIFICATIONS = {"BASE_URL": "https://baton.example.com", "HTTP_TIMEOUT": 5}
        yield server
