"""Opening a ticket."""

from __future__ import annotations

from collections.abc import Sequence

from baton.accounts.models import User
from baton.assets.models import Asset
from baton.core import bus, clock
from baton.core.errors import ValidationFailed
from baton.customers.models import Site
from baton.sla import queries as sla_queries
from baton.tickets import events
from baton.tickets.attachments import clean_upload
from baton.tickets.models import Channel, FaultCategory, Priority, Status, Ticket, TicketType
from baton.workflows import queries as flow_queries
from baton.workflows import services as flows
from baton.workflows.decisions import triage

from ._common import (
    RESOLVE_TARGETS,
    _choice,
    _next_number,
    _routing_variables,
    _store_attachment,
    _text,
    clock_zone,
)
from .flow import _sync_steps

# ---------------------------------------------------------------------------- create


@bus.atomic
def create_ticket(
    *,
    requester: User,
    title: str,
    description: str = "",
    ticket_type: str = TicketType.STORE_REPAIR,
    fault_category: str = FaultCategory.OTHER,
    priority: str = Priority.NORMAL,
    site: Site | None = None,
    asset: Asset | None = None,
    channel: str = Channel.WEB,
    is_drill: bool = False,
    photos: Sequence[tuple[str, bytes]] = (),
    created_by: User | None = None,
) -> Ticket:
    """Open a ticket, start its flow and hand its first step to an owner."""
    actor = created_by or requester
    title = _text(title, "title", required=True, limit=200)
    description = _text(description, "description")
    _choice(ticket_type, "type", TicketType)
    _choice(fault_category, "fault_category", FaultCategory)
    _choice(priority, "priority", Priority)
    _choice(channel, "channel", Channel)
    if asset is not None:
        if site is not None and asset.site_id != site.pk:
            raise ValidationFailed("The asset is not at that site.", fields={"asset": ["not at the site"]})
        site = asset.site
    if site is None:
        raise ValidationFailed("Choose the site (store) or the asset.", fields={"site": ["required"]})
    if site.region.department is None:
        raise ValidationFailed(
            f"Region {site.region} has no service department.", fields={"site": ["no department"]}
        )
    cleaned = [clean_upload(name, data) for name, data in photos]
    version = flow_queries.current_version(ticket_type)
    if version is None:
        raise ValidationFailed("No flow is deployed for this ticket type.", fields={"type": ["no flow"]})

    now = clock.now()
    customer = (asset.customer if asset and asset.customer_id else None) or site.customer
    ticket = Ticket(
        number=_next_number(now),
        title=title,
        description=description,
        type=ticket_type,
        fault_category=fault_category,
        priority=priority,
        status=Status.NEW,
        site=site,
        asset=asset,
        customer=customer,
        department=site.region.department,
        requester=requester,
        channel=channel,
        asset_model=asset.model if asset else "",
        under_warranty=asset.under_warranty(now.astimezone(clock_zone()).date()) if asset else None,
        created_at=now,
        updated_at=now,
        is_drill=bool(is_drill),
    )
    ticket.due_at = sla_queries.resolve_due(
        ticket=ticket, start=now, fallback=RESOLVE_TARGETS[Priority(priority)]
    )
    row, running = flows.start_instance(version=version, data=_routing_variables(ticket))
    ticket.flow_instance = row
    ticket.save(force_insert=True)
    events.record(
        ticket,
        "created",
        actor=actor,
        data={
            "title": title,
            "priority": priority,
            "site": site.code,
            "asset": asset.code if asset else None,
            "channel": channel,
            "due_at": ticket.due_at.isoformat() if ticket.due_at else None,
        },
    )
    running = triage.triage_new_ticket(ticket, running, actor=actor)
    for item in cleaned:
        _store_attachment(ticket, item, uploaded_by=actor, comment=None, internal=False, now=now)
    _sync_steps(ticket, running, actor=actor, now=now, fresh=True)
    events.flush(ticket)
    ticket.save(update_fields=["status", "closed_at", "audit_seq", "audit_head"])
    return ticket
