"""Reads about flows: which version a new ticket runs, which instances have timers due."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .models import FlowInstance, FlowVersion

DEFAULT_FLOW_KEY = "repair"


def current_version(ticket_type: str) -> FlowVersion | None:
    """The most recently deployed version for the ticket type, else the newest default flow."""
    versions = FlowVersion.objects.defer("bpmn_xml").order_by("-deployed_at", "-pk")
    version = versions.filter(definition__ticket_type=ticket_type).first()
    if version is None:
        version = versions.filter(definition__key=DEFAULT_FLOW_KEY).first()
    return version


def version_for_instance(instance_id: int) -> FlowVersion | None:
    return FlowVersion.objects.filter(instances=instance_id).select_related("definition").first()


def due_instances(now: datetime, limit: int = 100) -> QuerySet[FlowInstance]:
    return FlowInstance.objects.filter(next_timer_due__lte=now, completed=False).order_by("next_timer_due")[
        :limit
    ]
