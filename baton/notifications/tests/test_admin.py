"""The admin pages render, keep secrets out of plain sight, and retry dead letters through the service."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from baton.notifications.models import ChannelEndpoint, OutboxMessage, OutboxStatus

from .conftest import make_user, notify

pytestmark = pytest.mark.django_db


def test_admin_pages_and_retry_action(clock: Any, alice: Any) -> None:
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    endpoint = ChannelEndpoint.objects.create(
        kind="dingtalk", name="d", url="https://x.test/r", secret="SEC-hidden"
    )
    notify([alice])
    OutboxMessage.objects.update(status=OutboxStatus.DEAD)
    message = OutboxMessage.objects.get()

    for url in (
        "/admin/notifications/channelendpoint/",
        f"/admin/notifications/channelendpoint/{endpoint.pk}/change/",
        "/admin/notifications/outboxmessage/",
        f"/admin/notifications/outboxmessage/{message.pk}/change/",
        "/admin/notifications/notification/",
        "/admin/notifications/usernotificationpreference/",
    ):
        assert client.get(url).status_code == 200, url
    form = client.get(f"/admin/notifications/channelendpoint/{endpoint.pk}/change/").content.decode()
    assert 'type="password"' in form

    response = client.post(
        "/admin/notifications/outboxmessage/",
        {"action": "retry_selected", "_selected_action": [message.pk]},
    )
    assert response.status_code == 302
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
