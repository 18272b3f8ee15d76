"""Triage: the deployed triage decision sets a new ticket's priority and department.

``create_ticket`` calls :func:`triage_new_ticket` once, right after it has stored the
ticket and its ``created`` event (the event needs the ticket's id for the hash chain) and
before the first steps get owners. What happens:

* The newest version of the triage decision for the ticket's type (else the one for every
  type) is evaluated with the ticket's routing variables (``priority`` as requested,
  ``type``, ``fault_category``, ``customer_level``, ``under_warranty``, ``is_drill``) plus
  ``region`` (the site's region code).
* ``department`` (a department code) replaces the region's department.
* ``priority`` replaces the requested one, **except** that a requester who explicitly asked
  for a higher priority than the decision keeps it. "Explicitly" means anything but the
  default ``normal``: a decision may lower a default ``normal`` to ``low``, but never lowers
  ``urgent`` to ``high``. The resolve-by time follows the final priority. Under COLLECT the
  most urgent collected priority and the first collected department count.
* The flow was started with the requested priority; if the priority changed, the flow is
  started again with the decided one (nothing has happened in it yet: no step has an owner),
  so gateways that test ``priority`` see the decided value.
* One ``decided`` event records the decision and version, the rules that matched and the
  changes; :class:`TicketDecision` keeps which version decided the ticket with its inputs and
  outputs. No rule matching is recorded too (nothing changes).
* A decision that fails at run time (e.g. a cell that divides by zero) never stops a ticket
  from being opened: the ticket keeps the requested priority and region department, and the
  ``decided`` event carries the error.
"""

from __future__ import annotations

import logging
from typing import Any

from baton.accounts.models import Department
from baton.core import clock
from baton.tickets import events
from baton.tickets.models import Priority, Ticket
from baton.tickets.services._common import RESOLVE_TARGETS, _routing_variables
from baton.workflows import engine
from baton.workflows import services as flows

from . import queries
from .models import DecisionVersion, TicketDecision
from .services import compiled

logger = logging.getLogger(__name__)
SEVERITY = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


def triage_inputs(ticket: Ticket) -> dict[str, Any]:
    """What a triage decision sees: the flow's routing variables plus the site's region code."""
    region = ticket.site.region.code if ticket.site_id and ticket.site else ""
    return {**_routing_variables(ticket), "region": region}


def final_priority(requested: str, decided: str | None) -> str:
    """The decided priority, unless the requester explicitly asked for a higher one."""
    if decided not in Priority.values:
        return requested
    if requested != Priority.NORMAL and SEVERITY[Priority(requested)] > SEVERITY[Priority(decided)]:
        return requested
    return str(decided)


def _first(value: Any, *, most_urgent: bool = False) -> Any:
    if not isinstance(value, list):
        return value
    if most_urgent:
        known = [v for v in value if v in Priority.values]
        return max(known, key=lambda v: SEVERITY[Priority(v)]) if known else None
    return value[0] if value else None


def triage_new_ticket(ticket: Ticket, running: engine.FlowInstance, *, actor: Any) -> engine.FlowInstance:
    """Apply the triage decision to a just-created ticket; return its (possibly restarted) flow."""
    version = queries.triage_version(ticket.type)
    if version is None:
        return running
    inputs = triage_inputs(ticket)
    try:
        result = compiled(version).evaluate(inputs)
    except (engine.EngineError, engine.FlowValidationError) as exc:
        logger.warning("triage decision %s failed for %s: %s", version, ticket.number, exc)
        _record(ticket, version, inputs, {}, [], {}, error=str(exc))
        return running
    priority = final_priority(ticket.priority, _first(result.outputs.get("priority"), most_urgent=True))
    department, notes = _department(ticket, _first(result.outputs.get("department")))
    changes: dict[str, list[Any]] = {}
    if priority != ticket.priority:
        changes["priority"] = [ticket.priority, priority]
        ticket.priority = priority
        due_at = ticket.created_at + RESOLVE_TARGETS[Priority(priority)]
        changes["due_at"] = [ticket.due_at.isoformat() if ticket.due_at else None, due_at.isoformat()]
        ticket.due_at = due_at
    if department is not None and department.pk != ticket.department_id:
        changes["department"] = [ticket.department.name, department.name]
        ticket.department = department
    if "priority" in changes or "department" in changes:
        ticket.save(update_fields=["priority", "due_at", "department"])
    if "priority" in changes:
        running = _restart_flow(ticket)
    _record(ticket, version, inputs, result.outputs, result.matched, changes, notes=notes)
    return running


def _department(ticket: Ticket, code: Any) -> tuple[Department | None, list[str]]:
    if code in (None, ""):
        return None, []
    department = Department.objects.filter(code=str(code)).first()
    if department is None:
        return None, [f"no department with code {code!r}; the ticket stays with {ticket.department.name}"]
    return department, []


def _restart_flow(ticket: Ticket) -> engine.FlowInstance:
    old = ticket.flow_instance
    assert old is not None
    row, running = flows.start_instance(version=old.version, data=_routing_variables(ticket))
    ticket.flow_instance = row
    ticket.save(update_fields=["flow_instance"])
    old.delete()
    return running


def _record(
    ticket: Ticket,
    version: DecisionVersion,
    inputs: dict[str, Any],
    outputs: dict[str, Any],
    matched: list[int],
    changes: dict[str, list[Any]],
    *,
    notes: list[str] = (),  # type: ignore[assignment]
    error: str = "",
) -> None:
    applied = {name: pair[1] for name, pair in changes.items()}
    if "department" in applied:
        applied["department"] = ticket.department.code
    TicketDecision.objects.create(
        ticket=ticket,
        version=version,
        inputs=inputs,
        outputs=outputs,
        matched=matched,
        applied=applied,
        decided_at=clock.now(),
    )
    data: dict[str, Any] = {
        "decision": version.definition.key,
        "name": version.name,
        "version": version.number,
        "matched": matched,
        "outputs": outputs,
        "changes": changes,
    }
    if notes:
        data["notes"] = list(notes)
    if error:
        data["error"] = error
    events.record(ticket, "decided", actor=None, data=data)
