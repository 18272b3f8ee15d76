"""The audit trail writer and verifier.

``record`` is the only code that creates ``TicketEvent`` rows. It must run inside the
transaction that makes the change and with the ticket row locked (services lock it), so
sequence numbers and the chain stay gapless. Events are chained in memory and written in one
statement by ``flush`` (services flush before they save the ticket; the ticket save carries the
new chain head), which also publishes each event on ``baton.core.bus`` for other apps to react
to. The ticket keeps the head of its chain (``audit_seq``, ``audit_head``), so removing the
newest events is detected too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baton.core import bus, clock
from baton.core.hashing import GENESIS, chain_hash

from .models import Step, Ticket, TicketEvent
from .queries import share_in_change


def _payload(event: TicketEvent) -> dict[str, Any]:
    return {
        "ticket": event.ticket_id,
        "seq": event.seq,
        "kind": event.kind,
        "actor": event.actor_id,
        "step": event.step_id,
        "data": event.data,
        "at": event.created_at.isoformat(),
    }


def record(
    ticket: Ticket,
    kind: str,
    *,
    actor: Any | None,
    data: dict[str, Any] | None = None,
    step: Step | None = None,
) -> TicketEvent:
    """Append one event to the ticket's chain; ``flush`` writes it (caller saves the audit head)."""
    event = TicketEvent(
        ticket=ticket,
        seq=ticket.audit_seq + 1,
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        step=step,
        data=data or {},
        created_at=clock.now(),
        prev_hash=ticket.audit_head or GENESIS,
    )
    event.hash = chain_hash(event.prev_hash, _payload(event))
    pending: list[TicketEvent] = ticket.__dict__.setdefault("_pending_events", [])
    pending.append(event)
    ticket.audit_seq = event.seq
    ticket.audit_head = event.hash
    return event


def flush(ticket: Ticket) -> int:
    """Write the ticket's recorded events in one INSERT; returns how many."""
    pending: list[TicketEvent] = ticket.__dict__.pop("_pending_events", [])
    if pending and not bus.publishing():
        # A service on plain transaction.atomic would write events nobody reacts to (SLA clocks,
        # rules): every writer of ticket events runs under @bus.atomic or bus.atomic_block().
        raise RuntimeError("Ticket events written outside bus.atomic: subscribers would never see them.")
    if pending:
        TicketEvent.objects.bulk_create(pending)
        share_in_change(ticket)  # subscribers read it as written (queries.ticket_in_change)
        for event in pending:
            bus.emit(
                event.kind,
                ticket_id=ticket.pk,
                actor_id=event.actor_id,
                step_id=event.step_id,
                data=event.data,
            )
    return len(pending)


@dataclass(frozen=True)
class ChainProblem:
    ticket_id: int
    number: str
    seq: int | None
    message: str


def verify_ticket(ticket: Ticket) -> list[ChainProblem]:
    """Recompute the chain of one ticket; return what does not match (empty when intact)."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    expected_seq = 1
    events = TicketEvent.objects.filter(ticket=ticket).order_by("seq")
    for event in events.iterator(chunk_size=500):
        if event.seq != expected_seq:
            problems.append(
                ChainProblem(ticket.pk, ticket.number, event.seq, f"missing event #{expected_seq}")
            )
            expected_seq = event.seq
        if event.prev_hash != previous:
            problems.append(
                ChainProblem(ticket.pk, ticket.number, event.seq, "link to previous event broken")
            )
        if chain_hash(event.prev_hash, _payload(event)) != event.hash:
            problems.append(ChainProblem(ticket.pk, ticket.number, event.seq, "event content was altered"))
        previous = event.hash
        expected_seq += 1
    if ticket.audit_seq != expected_seq - 1 or (ticket.audit_seq and ticket.audit_head != previous):
        problems.append(
            ChainProblem(ticket.pk, ticket.number, None, "newest events were removed or replaced")
        )
    return problems
