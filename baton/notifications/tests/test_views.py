"""Pages: the bell (tag and htmx partial), my list, opening one, preferences, the admins' dead letters."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from baton.notifications.models import Notification, OutboxMessage, OutboxStatus, UserNotificationPreference

from .conftest import make_user, notify

pytestmark = [pytest.mark.django_db, pytest.mark.urls("baton.notifications.tests.urls")]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_bell_tag_shows_the_unread_count(clock: Any, alice: Any) -> None:
    notify([alice], key="a")
    notify([alice], key="b")
    request = RequestFactory().get("/")
    request.user = alice
    html = Template("{% load baton_notifications %}{% notification_bell %}").render(RequestContext(request))
    assert 'data-unread="2"' in html
    assert 'data-testid="notification-count">2<' in html
    assert f'hx-get="{reverse("notification-bell")}"' in html
    assert Template("{% load baton_notifications %}{% notification_bell %}").render(Context({})).strip() == ""


def test_bell_partial_for_htmx(clock: Any, alice: Any) -> None:
    client = client_for(alice)
    empty = client.get(reverse("notification-bell"), headers={"HX-Request": "true"}).content.decode()
    assert 'data-unread="0"' in empty
    assert "notification-count" not in empty
    notify([alice])
    partial = client.get(reverse("notification-bell"), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert 'data-unread="1"' in partial.content.decode()
    assert partial["Cache-Control"] == "no-store"


def test_list_page_shows_only_mine(clock: Any, alice: Any) -> None:
    bob = make_user("bob")
    notify([alice], key="a")
    notify([bob], key="b", event="ticket_closed")
    page = client_for(alice).get(reverse("notification-list")).content.decode()
    assert "新的待办：WO-1 维修" in page
    assert "工单已关闭" not in page
    partial = (
        client_for(alice).get(reverse("notification-list"), headers={"HX-Request": "true"}).content.decode()
    )
    assert "<html" not in partial
    assert 'data-testid="notification-list"' in partial


def test_opening_marks_read_and_follows_the_link(clock: Any, alice: Any) -> None:
    notify([alice])
    mine = Notification.objects.get(user=alice)
    client = client_for(alice)
    assert client.get(reverse("notification-open", args=[mine.pk])).status_code == 405

    response = client.post(reverse("notification-open", args=[mine.pk]))

    assert (response.status_code, response["Location"]) == (302, "/tickets/7/")
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    bob = make_user("bob")
    assert client_for(bob).post(reverse("notification-open", args=[mine.pk])).status_code == 404


def test_an_offsite_link_is_not_followed(clock: Any, alice: Any) -> None:
    notify([alice], context={"url": "https://evil.example/"})
    mine = Notification.objects.get(user=alice)
    response = client_for(alice).post(reverse("notification-open", args=[mine.pk]))
    assert response["Location"] == reverse("notification-list")


def test_read_all(clock: Any, alice: Any) -> None:
    notify([alice], key="a")
    notify([alice], key="b")
    response = client_for(alice).post(reverse("notification-read-all"), headers={"HX-Request": "true"})
    assert 'data-unread="0"' in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_preferences_page_saves_and_refuses_half_quiet_hours(alice: Any) -> None:
    client = client_for(alice)
    assert client.get(reverse("notification-preferences")).status_code == 200

    half = client.post(reverse("notification-preferences"), {"email_enabled": "on", "quiet_start": "22:00"})
    assert half.status_code == 200
    assert "免打扰时段需要同时填写" in half.content.decode()
    assert not UserNotificationPreference.objects.exists()

    saved = client.post(
        reverse("notification-preferences"),
        {"sms_enabled": "on", "quiet_start": "22:00", "quiet_end": "07:00"},
    )
    assert saved.status_code == 302
    pref = UserNotificationPreference.objects.get(user=alice)
    assert (pref.email_enabled, pref.sms_enabled, pref.quiet_start, pref.quiet_end) == (
        False, True, time(22), time(7)
    )  # fmt: skip


def test_dead_letter_page_is_for_admins_with_retry(clock: Any, alice: Any) -> None:
    admin = make_user("root", is_superuser=True, is_staff=True)
    notify([alice])
    OutboxMessage.objects.update(status=OutboxStatus.DEAD, attempts=8, last_error="SMTP 451 try later")
    dead = OutboxMessage.objects.get()

    assert client_for(alice).get(reverse("notification-dead-letters")).status_code == 404
    assert (
        client_for(alice).post(reverse("notification-dead-letters-retry"), {"ids": [dead.pk]}).status_code
        == 404
    )
    assert OutboxMessage.objects.get().status == OutboxStatus.DEAD

    client = client_for(admin)
    page = client.get(reverse("notification-dead-letters")).content.decode()
    assert f'data-id="{dead.pk}"' in page
    assert "SMTP 451 try later" in page
    response = client.post(reverse("notification-dead-letters-retry"), {"ids": [str(dead.pk), "x", "9" * 30]})
    assert response.status_code == 302
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    assert f'data-id="{dead.pk}"' not in client.get(reverse("notification-dead-letters")).content.decode()


def test_pages_need_sign_in(db: None) -> None:
    for name in (
        "notification-list",
        "notification-bell",
        "notification-preferences",
        "notification-dead-letters",
    ):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
