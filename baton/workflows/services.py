"""Writes about flows: deploy versions, start, load and save instances.

The engine (``baton.workflows.engine``) is pure: it knows nothing of the database. This
module stores what it produces. Ticket-specific behaviour (who owns a step, statuses)
lives in ``baton.tickets``; it calls these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from baton.core import clock
from baton.core.errors import Conflict, ValidationFailed

from . import engine
from .decisions.queries import decision_xmls_for
from .models import FlowDefinition, FlowInstance, FlowVersion

FLOWS_DIR = Path(__file__).resolve().parent / "flows"


@lru_cache(maxsize=256)
def _flow_for_version(version_id: int, spec_json: str) -> engine.CompiledFlow:
    return engine.load_flow(spec_json)


def flow_of(version: FlowVersion) -> engine.CompiledFlow:
    return _flow_for_version(version.pk, version.spec_json)


@transaction.atomic
def deploy_flow(
    *, key: str, name: str, bpmn_xml: str, ticket_type: str = "", actor: Any | None = None
) -> FlowVersion:
    """Validate and store a new version; tickets in flight keep theirs."""
    try:
        compiled = engine.compile_flow(bpmn_xml, decision_xmls_for(bpmn_xml))
    except engine.FlowValidationError as exc:
        raise ValidationFailed(
            "The flow cannot be deployed.",
            fields={p.element_id or "flow": [p.message] for p in exc.problems},
        ) from exc
    definition, _ = FlowDefinition.objects.get_or_create(
        key=key, defaults={"name": name, "ticket_type": ticket_type}
    )
    FlowDefinition.objects.select_for_update().filter(pk=definition.pk).first()  # one deploy at a time
    last = definition.versions.order_by("-number").first()
    try:
        with transaction.atomic():
            return FlowVersion.objects.create(
                definition=definition,
                number=(last.number + 1) if last else 1,
                bpmn_xml=bpmn_xml,
                spec_json=compiled.serialize(),
                deployed_at=clock.now(),
                deployed_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict("Someone else deployed this flow at the same moment; reload and try again.") from exc


def ensure_default_flows() -> None:
    """Deploy the shipped flows when missing or changed (idempotent; called by migrate/demo/run)."""
    shipped = {"repair": ("门店设备报修 Store repair", "store_repair")}
    for key, (name, ticket_type) in shipped.items():
        xml = (FLOWS_DIR / f"{key}.bpmn").read_text(encoding="utf-8")
        latest = FlowVersion.objects.filter(definition__key=key).order_by("-number").first()
        # A version an admin deployed (deployed_by set) is theirs: an upgrade never replaces it.
        if latest is None or (latest.deployed_by_id is None and latest.bpmn_xml != xml):
            deploy_flow(key=key, name=name, bpmn_xml=xml, ticket_type=ticket_type)


def start_instance(
    *, version: FlowVersion, data: Mapping[str, Any]
) -> tuple[FlowInstance, engine.FlowInstance]:
    running = engine.start_instance(flow_of(version), data)
    row = FlowInstance(version=version, state="", updated_at=clock.now())
    _store(row, running)
    row.save(force_insert=True)
    return row, running


def load_instance(row: FlowInstance) -> engine.FlowInstance:
    return engine.load_instance(flow_of(row.version), row.state)


def save_instance(row: FlowInstance, running: engine.FlowInstance) -> None:
    """Persist after a change, refusing to overwrite a newer state (optimistic lock)."""
    expected = row.lock_version
    _store(row, running)
    updated = FlowInstance.objects.filter(pk=row.pk, lock_version=expected).update(
        state=row.state,
        completed=row.completed,
        next_timer_due=row.next_timer_due,
        lock_version=expected + 1,
        updated_at=row.updated_at,
    )
    if updated != 1:
        raise Conflict("The ticket's flow changed meanwhile; reload and try again.")
    row.lock_version = expected + 1


def _store(row: FlowInstance, running: engine.FlowInstance) -> None:
    row.state = running.dump()
    row.completed = running.is_completed()
    row.next_timer_due = None if row.completed else running.next_timer_due()
    row.updated_at = clock.now()
