"""Flow definitions, their deployed versions and running instances.

An instance stores the engine's lean JSON state plus the version it runs on; the parsed
spec is stored once per version. ``next_timer_due`` is indexed so the sweeper reads only
instances whose timers are due.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FlowDefinition(models.Model):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    ticket_type = models.CharField(_("ticket type"), max_length=32, blank=True, db_index=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class FlowVersion(models.Model):
    definition = models.ForeignKey(FlowDefinition, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    bpmn_xml = models.TextField()
    spec_json = models.TextField()
    deployed_at = models.DateTimeField()
    deployed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["definition", "-number"]
        constraints = [models.UniqueConstraint(fields=["definition", "number"], name="uniq_flow_version")]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.number}"


class FlowInstance(models.Model):
    version = models.ForeignKey(FlowVersion, on_delete=models.PROTECT, related_name="instances")
    state = models.TextField()
    completed = models.BooleanField(default=False)
    next_timer_due = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_timer_due"],
                name="ix_flowinstance_timer_due",
                condition=models.Q(next_timer_due__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"instance {self.pk} on {self.version_id}"


class FlowDraft(models.Model):
    """A BPMN file imported from another modeler: kept as uploaded, a draft until deployed.

    ``original_xml`` is the file exactly as uploaded (export of an unedited draft gives
    back the same bytes); ``bpmn_xml`` is the current draft, the original plus Baton's
    edits with every vendor attribute put back. ``key`` names the flow it is for (a
    ticket type or a flow definition; the first deploy may create the definition).
    """

    key = models.SlugField(_("flow"), max_length=64, db_index=True)
    filename = models.CharField(_("file name"), max_length=255)
    tool = models.CharField(_("made with"), max_length=100, blank=True)
    original_xml = models.TextField()
    bpmn_xml = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()
    deployed_version = models.ForeignKey(
        FlowVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.key}: {self.filename}"


from .decisions.models import DecisionDefinition, DecisionVersion, TicketDecision  # noqa: E402

__all__ = [
    "DecisionDefinition",
    "DecisionVersion",
    "FlowDefinition",
    "FlowDraft",
    "FlowInstance",
    "FlowVersion",
    "TicketDecision",
]
