"""Reads about flows: which version a new ticket runs, which instances have timers due."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from baton.core import refcache

from . import engine, services
from .engine.safexml import parse_xml
from .models import FlowInstance, FlowVersion

DEFAULT_FLOW_KEY = "repair"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
logger = logging.getLogger(__name__)


FLOW_TABLES = ("workflows_flowdefinition", "workflows_flowversion")


def current_version(ticket_type: str) -> FlowVersion | None:
    """The most recently deployed version for the ticket type, else the newest default flow.

    Kept in the process until the next deploy (``refcache``): every new ticket asks.
    """

    def load() -> FlowVersion | None:
        versions = FlowVersion.objects.defer("bpmn_xml").order_by("-deployed_at", "-pk")
        version = versions.filter(definition__ticket_type=ticket_type).first()
        if version is None:
            version = versions.filter(definition__key=DEFAULT_FLOW_KEY).first()
        return version

    return refcache.cached(("workflows.current_version", ticket_type), FLOW_TABLES, load)


def flow_of_instance(instance: FlowInstance | None, instance_id: int | None) -> engine.CompiledFlow | None:
    """The compiled flow an instance runs (the loaded ``instance`` if there is one, else by id)."""
    version_id = instance.version_id if instance is not None else None
    if version_id is None and instance_id is not None:
        version_id = FlowInstance.objects.filter(pk=instance_id).values_list("version_id", flat=True).first()
    if version_id is None:
        return None
    version = refcache.cached(
        ("workflows.version", version_id),
        FLOW_TABLES,
        lambda: FlowVersion.objects.filter(pk=version_id).only("pk", "spec_json").first(),
    )
    return services.flow_of(version) if version is not None else None


def version_for_instance(instance_id: int) -> FlowVersion | None:
    return FlowVersion.objects.filter(instances=instance_id).select_related("definition").first()


def due_instances(now: datetime, limit: int = 100) -> QuerySet[FlowInstance]:
    return FlowInstance.objects.filter(next_timer_due__lte=now, completed=False).order_by("next_timer_due")[
        :limit
    ]


@dataclass(frozen=True)
class FlowDiagram:
    """A flow version's drawing plus where one instance has been and where it waits now."""

    bpmn_xml: str
    completed: list[str]  # element ids in the order they completed (repeats when a loop was taken)
    active: list[str]  # steps waiting for a person
    flows: list[str]  # sequence flows the instance went along


def flow_diagram(instance_id: int) -> FlowDiagram | None:
    """The drawing and the path taken for an instance; ``None`` when there is no such instance."""
    row = FlowInstance.objects.select_related("version").filter(pk=instance_id).first()
    if row is None:
        return None
    xml = row.version.bpmn_xml
    try:
        running = services.load_instance(row)
        path = running.path()
        active = [task.step.key for task in running.active_tasks()]
        root = parse_xml(xml, "BPMN")
    except (engine.EngineError, engine.FlowValidationError):
        logger.exception("could not read flow instance %s", instance_id)
        return FlowDiagram(bpmn_xml=xml, completed=[], active=[], flows=[])
    flows = [
        str(node.get("id"))
        for node in root.iter(f"{{{BPMN_NS}}}sequenceFlow")
        if _went_along(path, active, str(node.get("sourceRef")), str(node.get("targetRef")))
    ]
    return FlowDiagram(bpmn_xml=xml, completed=path, active=active, flows=flows)


def _went_along(path: list[str], active: list[str], source: str, target: str) -> bool:
    """Whether a flow was taken: its source completed before its target completed or became active."""
    if source not in path:
        return False
    if target in active:
        return True
    first_source = path.index(source)
    return any(element == target for element in path[first_source + 1 :])
