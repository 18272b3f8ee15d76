"""Helpers shared by the ticket views: who is asking, loading a ticket they may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from baton.accounts import queries as people
from baton.accounts.models import Role, User
from baton.core.errors import Forbidden, NotFound
from baton.tickets import policies
from baton.tickets.models import Ticket

STAFF_ROLES = (Role.TECHNICIAN, Role.DISPATCHER, Role.MANAGER, Role.AGENT)


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def load_ticket(request: HttpRequest, ticket_id: int, action: str = "view") -> Ticket:
    """The ticket through ``policies.get_ticket_for``: unseen is 404, not allowed is 403."""
    try:
        return policies.get_ticket_for(request.user, ticket_id, action)
    except NotFound:
        raise Http404("Ticket not found.") from None
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def is_staff_user(user: User) -> bool:
    return people.is_admin(user) or bool(people.scope_department_ids(user))
