"""Helpers for automation tests: build rules as an administrator, read the audit trail."""

from __future__ import annotations

from typing import Any

from baton.automation import services
from baton.automation.models import Rule
from baton.tickets.models import Ticket, TicketEvent

SEED_CONDITION = 'customer_level == "vip" && fault_category == "down"'


def make_rule(org: Any, **data: Any) -> Rule:
    params: dict[str, Any] = {"name": "rule", "enabled": True, "trigger": "created"}
    params.update(data)
    return services.create_rule(actor=org.admin, data=params)


def kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("seq").values_list("kind", flat=True))


def events_of(ticket: Ticket, kind: str) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind=kind).order_by("seq"))
