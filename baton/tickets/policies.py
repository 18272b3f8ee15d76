"""Who may see and do what with tickets. Every list and detail starts here.

A ticket a user may not see does not exist for them (NotFound, 404). A ticket they may
see but not change gives Forbidden (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from baton.accounts import queries as people
from baton.accounts.models import Role, User
from baton.core.errors import Forbidden, NotFound

from .models import Participant, Step, StepState, Ticket

PARTICIPANT_LIST_MAX = 500


def is_portal_user(user: User) -> bool:
    return user.customer_id is not None and not people.is_admin(user)


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    """The tickets ``user`` may see, as a queryset to filter further."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    if people.is_admin(user):
        return Ticket.objects.all()
    if is_portal_user(user):
        return Ticket.objects.filter(customer_id=user.customer_id)
    scope = people.scope_department_ids(user)
    participating = Participant.objects.filter(user_id=user.pk)
    if scope:  # tickets in scope are visible anyway: only participations outside it add anything
        participating = participating.exclude(department_id__in=scope)
    ids = list(participating.values_list("ticket_id", flat=True)[: PARTICIPANT_LIST_MAX + 1])
    if len(ids) <= PARTICIPANT_LIST_MAX:  # a literal list lets the database OR indexes together
        condition = Q(requester_id=user.pk) | Q(pk__in=ids)
    else:
        condition = Q(requester_id=user.pk) | Q(pk__in=participating.values("ticket_id"))
    if scope:
        condition |= Q(department_id__in=scope)
    if user.managed_sites.exists():
        condition |= Q(site__manager_id=user.pk)
    return Ticket.objects.filter(condition)


def can_view(user: Any, ticket: Ticket) -> bool:
    return visible_tickets(user).filter(pk=ticket.pk).exists()


def is_staff_for(user: User, ticket: Ticket) -> bool:
    """Staff who work in the ticket's department (or admins)."""
    if people.is_admin(user):
        return True
    return ticket.department_id in people.scope_department_ids(user)


def can_manage(user: User, ticket: Ticket) -> bool:
    """Dispatchers and managers of the ticket's department, and admins: reassign, add collaborators."""
    if people.is_admin(user):
        return True
    dept = ticket.department
    if user.pk in (dept.dispatcher_id, dept.manager_id):
        return True
    return people.has_role(user, Role.DISPATCHER, dept) or people.has_role(user, Role.MANAGER, dept)


def can_edit(user: User, ticket: Ticket) -> bool:
    """Change title, description, priority, category: agents, dispatchers, managers, admins."""
    if can_manage(user, ticket):
        return True
    return people.has_role(user, Role.AGENT, ticket.department)


def can_see_internal(user: User, ticket: Ticket) -> bool:
    """Internal comments and attachments are for staff only, never the requester or customer."""
    if is_portal_user(user):
        return False
    if is_staff_for(user, ticket):
        return True
    if user.pk == ticket.requester_id:
        return False
    return Participant.objects.filter(ticket=ticket, user=user).exists()


def can_comment(user: User, ticket: Ticket) -> bool:
    return can_view(user, ticket)


def get_ticket_for(user: Any, ticket_id: int | str, action: str = "view") -> Ticket:
    """Load a ticket for an action, or raise NotFound (cannot see) / Forbidden (cannot do)."""
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        raise NotFound("Ticket not found.") from None
    ticket = (
        visible_tickets(user)
        .select_related("department", "site", "asset", "customer", "requester")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise NotFound("Ticket not found.")
    allowed = {
        "view": lambda: True,
        "comment": lambda: True,
        "edit": lambda: can_edit(user, ticket),
        "manage": lambda: can_manage(user, ticket),
    }
    check = allowed.get(action)
    if check is None:
        raise ValueError(f"unknown action {action!r}")
    if not check():
        raise Forbidden("You may not do that to this ticket.")
    return ticket


def get_ticket_by_number_for(user: Any, number: str) -> Ticket:
    ticket = visible_tickets(user).filter(number=number).only("pk").first()
    if ticket is None:
        raise NotFound("Ticket not found.")
    return get_ticket_for(user, ticket.pk)


def can_act_on_step(user: User, step: Step) -> bool:
    """Only the step's owner completes, accepts or returns it (admins may stand in)."""
    return step.state == StepState.ACTIVE and (step.owner_id == user.pk or people.is_admin(user))


def can_collaborate(user: User, step: Step) -> bool:
    return step.owner_id == user.pk or can_manage(user, step.ticket)


def can_report_for_site(user: User, site: Any) -> bool:
    """Admins, staff whose scope covers the site's region, and the site's own manager."""
    if people.is_admin(user) or site.manager_id == user.pk:
        return True
    if is_portal_user(user):
        return site.customer_id == user.customer_id
    department = site.region.department
    return department is not None and people.in_staff_scope(user, department)


def can_be_assigned(user: User, ticket: Ticket) -> bool:
    """A technician for a step must be active staff with a role in the ticket's department."""
    return bool(user.is_active) and not is_portal_user(user) and is_staff_for(user, ticket)
