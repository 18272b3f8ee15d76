"""Sign-in, the to-do home page, language, profile and API tokens, sites and assets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baton.accounts.models import ApiToken
from baton.accounts.services import hash_token
from baton.core import clock
from baton.tickets.tests.helpers import dispatch, open_ticket
from baton.web.tests.pages import client_for
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_pages_need_a_sign_in() -> None:
    client = Client()
    for name in ("todo", "ticket-list", "ticket-create", "site-list", "profile"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


def test_sign_in_with_a_wrong_password_is_refused(org: Any) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "store", "password": "nope"})
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("todo")).status_code == 302


def test_sign_in_lands_on_the_todo_page_and_sign_out_needs_post(org: Any) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "store", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, reverse("todo"))
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("todo")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("todo")).status_code == 302


def test_login_page_in_both_languages() -> None:
    chinese = Client().get(reverse("login")).content.decode()
    assert "登录你的账号" in chinese
    english = Client(headers={"Accept-Language": "en"}).get(reverse("login")).content.decode()
    assert "Sign in to your account" in english


def test_language_switch_changes_the_pages(org: Any) -> None:
    client = client_for(org.store_manager)
    assert "我的待办" in client.get(reverse("todo")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("todo")})
    assert response.status_code == 302
    page = client.get(reverse("todo")).content.decode()
    assert "My to-do" in page
    assert "我的待办" not in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("todo")})
    assert "我的待办" in client.get(reverse("todo")).content.decode()


@pytest.mark.parametrize(
    "role", ["store_manager", "dispatcher", "tech", "manager", "agent", "admin", "portal", "south_dispatcher"]
)
def test_every_page_renders_for_every_role(org: Any, role: str) -> None:
    open_ticket(org)
    client = client_for(getattr(org, role))
    for name in ("todo", "ticket-list", "ticket-create", "site-list", "profile"):
        assert client.get(reverse(name)).status_code == 200, name


def test_todo_counts_and_lists_for_dispatcher_technician_and_store(org: Any) -> None:
    waiting = open_ticket(org)
    repairing = dispatch(org, open_ticket(org, title="炸炉不通电"))

    dispatcher = client_for(org.dispatcher).get(reverse("todo")).content.decode()
    assert 'data-testid="count-mine">1<' in dispatcher
    assert 'data-testid="count-queue">1<' in dispatcher
    mine = dispatcher[
        dispatcher.index('data-testid="todo-mine"') : dispatcher.index('data-testid="todo-queue"')
    ]
    assert waiting.number in mine
    assert repairing.number not in mine

    tech = client_for(org.tech).get(reverse("todo")).content.decode()
    assert 'data-testid="count-mine">1<' in tech
    assert repairing.number in tech
    assert "未接单" in tech

    store = client_for(org.store_manager).get(reverse("todo")).content.decode()
    assert 'data-testid="count-mine">0<' in store
    assert 'data-testid="count-queue">—<' in store
    reported = store[store.index('data-testid="todo-reported"') :]
    assert waiting.number in reported
    assert repairing.number in reported


def test_overdue_steps_come_first_and_are_counted(org: Any) -> None:
    old = open_ticket(org, title="先报的")
    with time_machine.travel(clock.now() + timedelta(minutes=20), tick=False):
        new = open_ticket(org, title="后报的")
    with time_machine.travel(clock.now() + timedelta(minutes=40), tick=False):
        page = client_for(org.dispatcher).get(reverse("todo")).content.decode()
    assert 'data-testid="count-overdue">1<' in page
    assert page.index(old.number) < page.index(new.number)
    assert 'data-overdue="1"' in page


def test_todo_query_count_does_not_grow_with_rows(org: Any) -> None:
    client = client_for(org.dispatcher)
    open_ticket(org)
    dispatch(org, open_ticket(org))  # one row in each list, so every list query runs
    client.get(reverse("todo"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("todo"))
    for _ in range(5):
        dispatch(org, open_ticket(org))
        open_ticket(org)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("todo"))
    assert len(many) == len(one)


def test_api_token_is_shown_once_and_can_be_revoked(org: Any) -> None:
    client = client_for(org.tech)
    response = client.post(reverse("profile"), {"name": "ERP"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=org.tech)
    secret = response.context["secret"]
    assert secret.startswith("bt_")
    assert token.digest == hash_token(secret)
    assert secret in response.content.decode()
    assert secret not in client.get(reverse("profile")).content.decode()

    other = client_for(org.tech2).post(reverse("token-revoke", args=[token.pk]), follow=True)
    assert "没有这个令牌。" in other.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_a_token_without_a_name_is_refused(org: Any) -> None:
    response = client_for(org.tech).post(reverse("profile"), {"name": "   "})
    assert response.status_code == 422
    assert ApiToken.objects.count() == 0


def test_sites_and_assets_are_scoped(org: Any) -> None:
    ticket = open_ticket(org)
    store = client_for(org.store_manager)
    sites = store.get(reverse("site-list")).content.decode()
    assert org.site.name in sites
    assert org.south_site.name not in sites
    site_page = store.get(reverse("site-detail", args=[org.site.pk])).content.decode()
    assert org.asset.name in site_page
    assert ticket.number in site_page
    asset_page = store.get(reverse("asset-detail", args=[org.asset.pk])).content.decode()
    assert ticket.number in asset_page
    assert "在保" in asset_page
    assert store.get(reverse("site-detail", args=[org.south_site.pk])).status_code == 404
    assert store.get(reverse("asset-detail", args=[org.south_asset.pk])).status_code == 404
    south = client_for(org.south_dispatcher)
    assert south.get(reverse("site-detail", args=[org.site.pk])).status_code == 404


def test_language_switch_is_saved_for_the_signed_in_user(org):
    client = Client()
    client.force_login(org.tech)
    response = client.post(reverse("switch-language"), {"language": "en", "next": reverse("todo")})
    assert response.status_code == 302
    org.tech.refresh_from_db()
    assert org.tech.language == "en"
    client.post(reverse("switch-language"), {"language": "xx", "next": reverse("todo")})
    org.tech.refresh_from_db()
    assert org.tech.language == "en"
    fresh = Client()
    fresh.force_login(org.tech)
    assert "My to-do" in fresh.get(reverse("todo")).content.decode()


def test_password_change_checks_the_old_password_and_keeps_the_new_one(org):
    client = Client()
    client.force_login(org.tech)
    page = client.get(reverse("password-change"))
    assert page.status_code == 200
    wrong = client.post(
        reverse("password-change"),
        {"old_password": "nope", "new_password1": "Fr1dge-Repair-77", "new_password2": "Fr1dge-Repair-77"},
    )
    assert wrong.status_code == 200
    org.tech.refresh_from_db()
    assert org.tech.check_password(PASSWORD)
    ok = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "Fr1dge-Repair-77", "new_password2": "Fr1dge-Repair-77"},
    )
    assert ok.status_code == 302
    assert ok["Location"] == reverse("profile")
    org.tech.refresh_from_db()
    assert org.tech.check_password("Fr1dge-Repair-77")
