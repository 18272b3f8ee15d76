"""What a rule can test and do: condition variables (with the flow designer's picker types),
triggers, action kinds, strategies, channels; and the variables of one ticket.

The condition builder in the rule page is the flow designer's (``workflows/designer/conditions.js``):
it needs ``variables`` ({name, label, type: choice|number|boolean, values}) and ``operators``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from baton.accounts.models import Department, Role
from baton.customers.models import CustomerLevel, Region, Site
from baton.notifications.models import Channel
from baton.tickets.models import FaultCategory, Priority, Status, Ticket, TicketType
from baton.workflows import services as flows

from .models import Strategy, Trigger

#: Variables a condition may use; the values come from the ticket (``ticket_variables``).
VARIABLE_NAMES = (
    "priority",
    "type",
    "fault_category",
    "customer_level",
    "site",
    "region",
    "department",
    "status",
    "under_warranty",
    "is_drill",
    "cost",
)
#: Fields a "field changed" trigger can watch, and a "set field" action can set.
WATCHED_FIELDS = ("priority", "fault_category", "title", "description", "status", "department")
SETTABLE_FIELDS = ("priority", "fault_category", "title", "description")
ACTION_TYPES = (
    "set_priority",
    "set_field",
    "dispatch",
    "add_collaborator",
    "notify",
    "escalate",
    "webhook",
    "follow_up",
)
NOTIFY_ROLES = (
    "owner",
    "requester",
    "dispatcher",
    "manager",
    "superior",
    *(r for r in Role.values if r not in ("customer", "admin", "requester", "dispatcher", "manager")),
)
PERSON_CHANNELS = (Channel.IN_APP.value, Channel.EMAIL.value, Channel.SMS.value)
MAX_ACTIONS = 10


def operators() -> dict[str, list[dict[str, str]]]:
    """The same operators as the flow designer's condition pickers."""
    labels = {"==": _("is"), "!=": _("is not"), "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
    numeric = ["==", "!=", "<", "<=", ">", ">="]
    return {
        "number": [{"value": op, "label": {"==": "=", "!=": "≠"}.get(op, labels[op])} for op in numeric],
        "choice": [{"value": op, "label": labels[op]} for op in ("==", "!=")],
        "boolean": [{"value": op, "label": labels[op]} for op in ("==", "!=")],
    }


def _choices(pairs: Iterable[tuple[Any, Any]]) -> list[dict[str, str]]:
    return [{"value": str(value), "label": str(label)} for value, label in pairs]


def variables() -> list[dict[str, Any]]:
    def choice(name: str, label: str, values: Any) -> dict[str, Any]:
        return {"name": name, "label": label, "type": "choice", "values": _choices(values)}

    return [
        choice("priority", _("Priority"), Priority.choices),
        choice("type", _("Ticket type"), TicketType.choices),
        choice("fault_category", _("Fault category"), FaultCategory.choices),
        choice("customer_level", _("Customer level"), CustomerLevel.choices),
        choice("site", _("Site"), Site.objects.order_by("code").values_list("code", "name")[:2000]),
        choice("region", _("Region"), Region.objects.order_by("code").values_list("code", "name")),
        choice(
            "department", _("Department"), Department.objects.order_by("path").values_list("code", "name")
        ),
        choice("status", _("Status"), Status.choices),
        {"name": "under_warranty", "label": _("Under warranty"), "type": "boolean"},
        {"name": "is_drill", "label": _("Drill ticket"), "type": "boolean"},
        {"name": "cost", "label": _("Repair cost"), "type": "number"},
    ]


def catalog() -> dict[str, Any]:
    """Everything the rule page's pickers need, translated for the current request."""
    return {
        "variables": variables(),
        "operators": operators(),
        "booleans": [{"value": "true", "label": _("yes")}, {"value": "false", "label": _("no")}],
        "triggers": _choices(Trigger.choices),
        "fields": _choices((f, f) for f in WATCHED_FIELDS),
        "settable": _choices((f, f) for f in SETTABLE_FIELDS),
        "priorities": _choices(Priority.choices),
        "strategies": _choices(Strategy.choices),
        "channels": _choices((c, Channel(c).label) for c in PERSON_CHANNELS),
        "roles": _choices((r, r) for r in NOTIFY_ROLES),
        "actionTypes": _choices(
            [
                ("set_priority", _("Set priority")),
                ("set_field", _("Set a field")),
                ("dispatch", _("Dispatch automatically")),
                ("add_collaborator", _("Add a collaborator")),
                ("notify", _("Notify people or roles")),
                ("escalate", _("Escalate")),
                ("webhook", _("Call a webhook")),
                ("follow_up", _("Create a follow-up ticket")),
            ]
        ),
    }


def ticket_variables(ticket: Ticket, wanted: Iterable[str] = VARIABLE_NAMES) -> dict[str, Any]:
    """The values a condition sees for ``ticket`` (only ``wanted`` ones are computed)."""
    wanted = set(wanted)
    site = ticket.site
    values: dict[str, Any] = {
        "priority": ticket.priority,
        "type": ticket.type,
        "fault_category": ticket.fault_category,
        "customer_level": ticket.customer.level if ticket.customer else "normal",
        "site": site.code if site else "",
        "region": site.region.code if site else "",
        "department": ticket.department.code,
        "status": ticket.status,
        "under_warranty": bool(ticket.under_warranty),
        "is_drill": ticket.is_drill,
    }
    if "cost" in wanted:
        cost: Any = 0
        if ticket.flow_instance is not None:
            cost = flows.load_instance(ticket.flow_instance).data.get("cost", 0)
        values["cost"] = cost if isinstance(cost, int | float) and not isinstance(cost, bool) else 0
    return {k: v for k, v in values.items() if k in wanted}
