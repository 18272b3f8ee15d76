"""Writes about people and the org."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import connection, transaction

from baton.core import clock
from baton.core.errors import NotFound, ValidationFailed

from .models import ApiToken, Delegation, Department, Role, RoleAssignment, User

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


def _token_user_sql() -> str:
    """The active user of a live token, and whether the token's last use is worth recording again."""
    qn = connection.ops.quote_name
    users, tokens = qn(User._meta.db_table), qn(ApiToken._meta.db_table)
    return (
        f"SELECT u.*, t.id AS baton_token_id, "  # noqa: S608 - table names from our models
        "CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS baton_token_stale "
        f"FROM {users} u JOIN {tokens} t ON t.user_id = u.id "
        "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )


def user_for_token(secret: str) -> User | None:
    """The user a personal API token belongs to (None for an unknown, revoked or inactive one).

    Every API request asks, so it is one plain SQL statement mapped onto ``User`` (a quarter of
    what the ORM's join costs); the token's ``last_used_at`` is written at most once a minute.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = clock.now()
    recorded_before = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=60))
    rows = User.objects.raw(_token_user_sql(), [recorded_before, hash_token(secret), True])
    user = next(iter(rows), None)
    if user is None:
        return None
    if getattr(user, "baton_token_stale", 0):
        ApiToken.objects.filter(pk=int(getattr(user, "baton_token_id", 0))).update(last_used_at=now)
    return user


MAX_AWAY = timedelta(days=366)
MAX_NOTE = 200


@transaction.atomic
def set_away(
    *, user: User, starts_at: datetime, ends_at: datetime, delegate: User, note: str = ""
) -> Delegation:
    """ "Away from … to …, delegate to X": steps assigned to ``user`` meanwhile go to ``delegate``.

    Refused (nothing written) when the period is empty, in the past, longer than a year or
    overlaps another of the user's away periods, or when the delegate is not active staff.
    """
    now = clock.now()
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailed("Give times with a time zone.", fields={"starts_at": ["no time zone"]})
    if ends_at <= starts_at:
        raise ValidationFailed("The end must be after the start.", fields={"ends_at": ["before the start"]})
    if ends_at <= now:
        raise ValidationFailed("The period is already over.", fields={"ends_at": ["in the past"]})
    if ends_at - starts_at > MAX_AWAY:
        raise ValidationFailed("An away period is at most a year.", fields={"ends_at": ["too long"]})
    if delegate.pk == user.pk:
        raise ValidationFailed("Choose someone else to stand in.", fields={"delegate": ["yourself"]})
    staff = RoleAssignment.objects.filter(user=delegate).exclude(role__in=[Role.CUSTOMER, Role.REQUESTER])
    if not delegate.is_active or delegate.customer_id is not None or not staff.exists():
        raise ValidationFailed(
            "The delegate must be an active staff member.", fields={"delegate": ["not eligible"]}
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            f"The note is longer than {MAX_NOTE} characters.", fields={"note": ["too long"]}
        )
    User.objects.select_for_update().filter(pk=user.pk).first()  # one change at a time per person
    overlapping = Delegation.objects.filter(
        user=user, cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if overlapping.exists():
        raise ValidationFailed(
            "This overlaps another away period; cancel that one first.", fields={"starts_at": ["overlaps"]}
        )
    return Delegation.objects.create(
        user=user, delegate=delegate, starts_at=starts_at, ends_at=ends_at, note=note, created_at=now
    )


@transaction.atomic
def cancel_away(*, user: User, delegation_id: int) -> None:
    """End an away period now (or drop a future one); steps already handed over stay with the delegate."""
    row = Delegation.objects.select_for_update().filter(pk=delegation_id, user=user).first()
    if row is None or row.cancelled_at is not None:
        raise NotFound("Away period not found.")
    row.cancelled_at = clock.now()
    row.save(update_fields=["cancelled_at"])
