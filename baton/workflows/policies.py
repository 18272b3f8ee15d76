"""Who may design and deploy flows (administrators only), and the flows they see.

Everyone else gets a 404 for the flow pages and API: the designer does not exist for
them, the same rule Baton follows for anything a user may not see.

A *flow target* is what the designer edits: a deployed :class:`FlowDefinition`, or a
ticket type that has no flow of its own yet (its key is the ticket type's value; the
first deploy creates the definition). Each ticket type has at most one definition,
because new tickets run the newest version of the definition for their type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import translation

from baton.accounts.queries import is_admin
from baton.core.errors import NotFound
from baton.tickets.models import TicketType

from .models import FlowDefinition, FlowInstance, FlowVersion

MAX_VERSION = 2**31 - 1


def can_design(user: Any) -> bool:
    return is_admin(user)


def require_designer(user: Any) -> None:
    """Raise :class:`NotFound` unless ``user`` may design flows."""
    if not can_design(user):
        raise NotFound("Not found.")


@dataclass
class FlowTarget:
    key: str
    name: str
    ticket_type: str
    definition: FlowDefinition | None = None
    latest: FlowVersion | None = None
    versions: int = 0
    tickets: int = 0
    running: int = 0

    @property
    def ticket_type_label(self) -> str:
        return str(TicketType(self.ticket_type).label) if self.ticket_type in TicketType.values else ""


def default_name(ticket_type: str) -> str:
    """A new flow's stored name: the ticket type in Chinese and English ("售后维修 After-sales")."""
    chinese = str(TicketType(ticket_type).label)
    with translation.override("en"):
        english = str(TicketType(ticket_type).label)
    return chinese if english == chinese else f"{chinese} {english}"


def _with_stats(target: FlowTarget) -> FlowTarget:
    if target.definition is not None:
        target.latest = target.definition.versions.select_related("deployed_by").first()
        target.versions = target.definition.versions.count()
        instances = FlowInstance.objects.filter(version__definition=target.definition)
        counts = instances.aggregate(total=Count("pk"), running=Count("pk", filter=Q(completed=False)))
        target.tickets, target.running = counts["total"], counts["running"]
    return target


def _target(definition: FlowDefinition) -> FlowTarget:
    return FlowTarget(definition.key, definition.name, definition.ticket_type, definition)


def flow_targets(user: Any) -> list[FlowTarget]:
    """One row per ticket type (its flow, or none yet), then flows for no ticket type."""
    require_designer(user)
    definitions = list(FlowDefinition.objects.all())
    rows: list[FlowTarget] = []
    for value, _label in TicketType.choices:
        own = next((d for d in definitions if d.ticket_type == value), None)
        rows.append(_target(own) if own else FlowTarget(value, default_name(value), value))
    shown = {row.key for row in rows}
    rows.extend(_target(d) for d in definitions if d.key not in shown)
    return [_with_stats(row) for row in rows]


def get_flow_for(user: Any, key: str) -> FlowTarget:
    """The flow target ``key`` names; :class:`NotFound` if there is none or the user may not design."""
    require_designer(user)
    definition = FlowDefinition.objects.filter(key=key).first()
    if definition is not None:
        return _with_stats(_target(definition))
    if key in TicketType.values:
        owner = FlowDefinition.objects.filter(ticket_type=key).order_by("key").first()
        if owner is not None:
            return _with_stats(_target(owner))
        return FlowTarget(key, default_name(key), key)
    raise NotFound("No such flow.")


def flow_versions(target: FlowTarget) -> QuerySet[FlowVersion]:
    """The target's versions, newest first, with how many tickets each runs (and still open)."""
    if target.definition is None:
        return FlowVersion.objects.none()
    running = Count("instances", filter=Q(instances__completed=False))
    return (
        target.definition.versions.select_related("deployed_by")
        .annotate(tickets=Count("instances"), running=running)
        .order_by("-number")
    )


def get_version_for(user: Any, key: str, number: int) -> tuple[FlowTarget, FlowVersion]:
    target = get_flow_for(user, key)
    if not 0 < number <= MAX_VERSION:
        raise NotFound("No such version.")
    version = flow_versions(target).filter(number=number).first()
    if version is None:
        raise NotFound("No such version.")
    return target, version
