"""Personal API tokens: who a secret belongs to, and when it was last used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from baton.accounts.models import ApiToken
from baton.accounts.services import create_api_token, revoke_api_token, user_for_token

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def last_used(token: ApiToken) -> datetime | None:
    return ApiToken.objects.get(pk=token.pk).last_used_at


def test_a_live_token_gives_its_user_and_records_the_use_at_most_once_a_minute(org) -> None:
    token, secret = create_api_token(user=org.tech, name="手机")
    with time_machine.travel(T0, tick=False):
        user = user_for_token(secret)
    assert user is not None
    assert (user.pk, user.username, user.language) == (org.tech.pk, org.tech.username, org.tech.language)
    assert last_used(token) == T0
    with time_machine.travel(T0 + timedelta(seconds=59), tick=False):
        assert user_for_token(secret) == org.tech
    assert last_used(token) == T0  # not written again within the minute
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert user_for_token(secret) == org.tech
    assert last_used(token) == T0 + timedelta(seconds=61)


def test_unknown_revoked_and_deactivated_tokens_give_nobody(org) -> None:
    token, secret = create_api_token(user=org.tech, name="手机")
    assert user_for_token(secret + "x") is None
    assert user_for_token("not-a-token") is None
    org.tech.is_active = False
    org.tech.save(update_fields=["is_active"])
    assert user_for_token(secret) is None
    org.tech.is_active = True
    org.tech.save(update_fields=["is_active"])
    revoke_api_token(user=org.tech, token_id=token.pk)
    assert user_for_token(secret) is None
    assert last_used(token) is None  # a refused token is not marked as used
