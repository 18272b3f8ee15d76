"""Who owns a step: the owner rules a flow's steps name, resolved for one ticket.

Rules (the step's ``owner`` property): ``dispatcher`` (the ticket department's dispatcher),
``manager``, ``requester``, ``variable:<name>`` (a user id the flow carries, e.g. the
technician chosen at dispatch), ``user:<username>``, ``role:<role>`` (a group: owned by the
department's dispatcher until someone claims it) and ``superior`` (the previous owner's
superior). Whatever the rule, the result is never empty: it falls back to the department's
dispatcher, then its manager, up the department tree, then an administrator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baton.accounts import queries as people
from baton.accounts.models import Department, User
from baton.core.errors import ValidationFailed

from .models import Ticket


def _active(user: User | None) -> User | None:
    return user if user is not None and user.is_active else None


def fallback_owner(department: Department) -> User:
    """The department's dispatcher, else its manager, walking up the tree, else an admin."""
    for dept in people.ancestors(department):
        for candidate in (dept.dispatcher, dept.manager):
            if _active(candidate):
                return candidate  # type: ignore[return-value]
    admin = User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    if admin is None:
        raise ValidationFailed(
            f"Department {department} has no dispatcher or manager and there is no administrator: "
            "nobody could own this step."
        )
    return admin


def resolve_owner(
    rule: str, *, ticket: Ticket, variables: Mapping[str, Any], previous_owner: User | None = None
) -> User:
    kind, _, argument = (rule or "dispatcher").partition(":")
    candidate: User | None = None
    if kind == "dispatcher":
        candidate = ticket.department.dispatcher
    elif kind == "manager":
        candidate = ticket.department.manager
    elif kind == "requester":
        candidate = ticket.requester
    elif kind == "variable":
        value = variables.get(argument)
        if isinstance(value, int) and not isinstance(value, bool):
            candidate = User.objects.filter(pk=value).first()
    elif kind == "user":
        candidate = User.objects.filter(username=argument).first()
    elif kind == "superior" and previous_owner is not None:
        candidate = previous_owner.superior
    return _active(candidate) or fallback_owner(ticket.department)
