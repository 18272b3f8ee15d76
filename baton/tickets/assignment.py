"""Who owns a step: the owner rules a flow's steps name, resolved for one ticket.

Rules (the step's ``owner`` property): ``dispatcher`` (the ticket department's dispatcher),
``manager``, ``requester``, ``variable:<name>`` (a user id the flow carries, e.g. the
technician chosen at dispatch), ``user:<username>``, ``role:<role>`` (a group: owned by the
department's dispatcher until someone claims it) and ``superior`` (the previous owner's
superior). Whatever the rule, the result is never empty: it falls back to the department's
dispatcher, then its manager, up the department tree, then an administrator.

Approval steps (或签 any-one-of / 会签 all-of) name their approvers with an ``approvers`` rule:
``role:<role>`` (everyone holding the role for the ticket's department), ``users:<a>,<b>``
(usernames) or ``variable:<name>`` (a user id or a list of user ids the flow carries).
Delegation while away (``standing_in``) then hands each person's step to their delegate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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


#: More approvers than this on one step is a mistake in the rule, not a real approval.
MAX_APPROVERS = 50


def resolve_approvers(rule: str, *, ticket: Ticket, variables: Mapping[str, Any]) -> list[User]:
    """The active people an approval step's ``approvers`` rule names, in a stable order, each once."""
    kind, _, argument = (rule or "").partition(":")
    users: list[User] = []
    if kind == "role":
        users = list(people.users_with_role(argument, ticket.department)[: MAX_APPROVERS + 1])
    elif kind == "users":
        names = [name.strip() for name in argument.split(",") if name.strip()]
        by_name = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
        users = [by_name[name] for name in names if name in by_name]
    elif kind == "variable":
        value = variables.get(argument)
        ids = value if isinstance(value, list) else [value]
        ids = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
        by_id = User.objects.filter(is_active=True).in_bulk(ids)
        users = [by_id[i] for i in ids if i in by_id]
    unique: dict[int, User] = {}
    for user in users:
        unique.setdefault(user.pk, user)
    if len(unique) > MAX_APPROVERS:
        raise ValidationFailed(
            f"The approval step names more than {MAX_APPROVERS} approvers; narrow its approvers rule."
        )
    return list(unique.values())


def escalation_owner(department: Department) -> User:
    """Who gets a ticket that went round its loops too often: the department's manager, then up."""
    for dept in people.ancestors(department):
        if _active(dept.manager):
            return dept.manager  # type: ignore[return-value]
    return fallback_owner(department)


def standing_in(owner: User, at: datetime) -> tuple[User, User | None]:
    """(who actually gets the step, whom they act for): the delegate while ``owner`` is away."""
    delegate = people.delegate_for(owner, at)
    return (delegate, owner) if delegate is not None else (owner, None)
