"""Reads about people and the org: role scopes, subtrees, candidates for a step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from baton.core import refcache

from .models import ApiToken, Delegation, Department, Role, RoleAssignment, User

STAFF_ROLES = {Role.AGENT, Role.DISPATCHER, Role.TECHNICIAN, Role.APPROVER, Role.MANAGER}


def is_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return Role.ADMIN in roles_of(user)


def _assignments(user: User) -> tuple[tuple[str, int | None, str], ...]:
    """(role, department id, department path) for the user.

    Cached on the instance for the request, and in the process until a role or department changes.
    """
    cached: tuple[tuple[str, int | None, str], ...] | None = getattr(user, "_baton_roles", None)
    if cached is None:
        user_id = user.pk
        cached = refcache.cached(
            ("accounts.roles", user_id),
            ("accounts_roleassignment", "accounts_department"),
            lambda: tuple(
                (ra.role, ra.department_id, ra.department.path if ra.department else "/")
                for ra in RoleAssignment.objects.filter(user_id=user_id).select_related("department")
            ),
        )
        user._baton_roles = cached  # type: ignore[attr-defined]
    return cached


def roles_of(user: User) -> set[str]:
    return {role for role, _, _ in _assignments(user)}


def has_role(user: User, role: str, department: Department | None = None) -> bool:
    """True when the user holds ``role`` in ``department`` or one of its ancestors."""
    for held, dept_id, path in _assignments(user):
        if held != role:
            continue
        if department is None or dept_id is None or department.path.startswith(path):
            return True
    return False


def staff_scope_paths(user: User) -> list[str]:
    """Department paths whose subtrees the user works in as staff."""
    return sorted({path for role, _, path in _assignments(user) if role in STAFF_ROLES})


def in_staff_scope(user: User, department: Department) -> bool:
    """True when ``department`` is inside the user's staff scope (no query beyond the user's roles)."""
    return any(department.path.startswith(path) for path in staff_scope_paths(user))


def departments_within(paths: Iterable[str]) -> QuerySet[Department]:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return Department.objects.filter(condition)


def scope_department_ids(user: User) -> list[int]:
    cached: list[int] | None = getattr(user, "_baton_scope_ids", None)
    if cached is None:
        paths = staff_scope_paths(user)
        cached = list(departments_within(paths).values_list("pk", flat=True)) if paths else []
        user._baton_scope_ids = cached  # type: ignore[attr-defined]
    return cached


def _ancestor_ids(department: Department) -> list[int]:
    return [int(part) for part in department.path.strip("/").split("/") if part]


def _holding(roles: Iterable[str], department: Department) -> QuerySet[User]:
    """Active users holding one of ``roles`` in ``department``, an ancestor, or everywhere.

    One ``filter`` call, so role and department are matched on the same assignment row.
    """
    return (
        User.objects.filter(
            Q(roles__department_id__in=_ancestor_ids(department)) | Q(roles__department__isnull=True),
            is_active=True,
            roles__role__in=list(roles),
        )
        .distinct()
        .order_by("name", "username")
    )


def users_with_role(role: str, department: Department) -> QuerySet[User]:
    """Active users holding ``role`` in ``department`` or an ancestor of it."""
    return _holding([role], department)


def staff_of_department(department: Department) -> QuerySet[User]:
    """Active staff (any staff role) working on ``department``: candidate owners and collaborators."""
    return _holding(STAFF_ROLES, department)


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def ancestors(department: Department) -> list[Department]:
    """The department and its ancestors, nearest first."""
    ids = _ancestor_ids(department)
    by_id = Department.objects.in_bulk(ids)
    return [by_id[i] for i in reversed(ids) if i in by_id]


MAX_DELEGATION_HOPS = 5


def away_periods(user: User, now: datetime) -> QuerySet[Delegation]:
    """The user's current and coming away periods (not cancelled), soonest first."""
    return (
        Delegation.objects.filter(user=user, cancelled_at__isnull=True, ends_at__gt=now)
        .select_related("delegate")
        .order_by("starts_at", "pk")
    )


def delegate_for(user: User, at: datetime) -> User | None:
    """Who stands in for ``user`` at ``at`` (following a delegate who is away too), or None.

    The chain stops at the first person who is not away, after a few hops, or at a loop
    (A → B → A): then the last active person in the chain before the loop takes it.
    """
    seen = {user.pk}
    current: User | None = None
    person = user
    away_users = _away_user_ids()
    for _hop in range(MAX_DELEGATION_HOPS):
        if person.pk not in away_users:  # nobody who is away now or later: no query (the usual case)
            break
        away = (
            Delegation.objects.filter(
                user=person, cancelled_at__isnull=True, starts_at__lte=at, ends_at__gt=at
            )
            .select_related("delegate")
            .order_by("-created_at", "-pk")
            .first()
        )
        if away is None or not away.delegate.is_active or away.delegate.pk in seen:
            break
        current = person = away.delegate
        seen.add(person.pk)
    return current


def _away_user_ids() -> frozenset[int]:
    """Who has a delegation that is not cancelled (kept until a delegation changes).

    A superset of who is away at any moment: the exact period is checked against the row.
    """
    return refcache.cached(
        "accounts.delegating_users",
        ("accounts_delegation",),
        lambda: frozenset(
            Delegation.objects.filter(cancelled_at__isnull=True).values_list("user_id", flat=True).distinct()
        ),
    )


def delegate_candidates(user: User) -> QuerySet[User]:
    """Active staff (anyone holding a staff role) other than ``user``: who may stand in for them."""
    return (
        User.objects.filter(is_active=True, customer__isnull=True, roles__role__in=list(STAFF_ROLES))
        .exclude(pk=user.pk)
        .distinct()
        .order_by("name", "username")
    )
