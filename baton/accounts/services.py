"""Writes about people and the org."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from baton.core import clock
from baton.core.errors import NotFound, ValidationFailed

from .models import ApiToken, Department, RoleAssignment, User

TOKEN_PREFIX = "bt_"  # noqa: S105 - a public prefix, not a secret


@transaction.atomic
def create_department(
    *,
    code: str,
    name: str,
    parent: Department | None = None,
    manager: User | None = None,
    dispatcher: User | None = None,
) -> Department:
    if Department.objects.filter(code=code).exists():
        raise ValidationFailed("Department code already exists.", fields={"code": ["already exists"]})
    department = Department.objects.create(
        code=code, name=name, parent=parent, manager=manager, dispatcher=dispatcher
    )
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["path"])
    return department


LANGUAGES = {"zh-hans", "en"}


@transaction.atomic
def set_language(*, user: User, language: str) -> None:
    """Remember the user's UI language (the middleware activates it on every request)."""
    if language not in LANGUAGES:
        raise ValidationFailed("Unsupported language.", fields={"language": ["invalid choice"]})
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


@transaction.atomic
def grant_role(*, user: User, role: str, department: Department | None) -> RoleAssignment:
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, department=department)
    return assignment


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; the secret is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("A token needs a name of 1–100 characters.", fields={"name": ["required"]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:10], digest=hash_token(secret), created_at=clock.now()
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if not updated:
        raise NotFound("No such token.")


def user_for_token(secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = next(
        iter(
            ApiToken.objects.select_related("user")
            .filter(digest=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
            .order_by()[:1]
        ),
        None,
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
