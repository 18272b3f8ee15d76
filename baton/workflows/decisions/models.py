"""Decision definitions, their deployed versions, and which version decided which ticket."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionDefinition(models.Model):
    """A decision table by key (``triage``); flows reference it as ``camunda:decisionRef``."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # When set, the newest version decides priority and department of new tickets of this
    # type ("" = every type without a triage decision of its own).
    triage = models.BooleanField(_("triage"), default=False)
    ticket_type = models.CharField(_("ticket type"), max_length=32, blank=True)

    class Meta:
        app_label = "workflows"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class DecisionVersion(models.Model):
    definition = models.ForeignKey(DecisionDefinition, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    table = models.JSONField()
    dmn_xml = models.TextField()
    deployed_at = models.DateTimeField()
    deployed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        app_label = "workflows"
        ordering = ["definition", "-number"]
        constraints = [models.UniqueConstraint(fields=["definition", "number"], name="uniq_decision_version")]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.number}"


class TicketDecision(models.Model):
    """The decision version that triaged a ticket, with what it saw and what it decided."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="decision")
    version = models.ForeignKey(DecisionVersion, on_delete=models.PROTECT, related_name="tickets")
    inputs = models.JSONField()
    outputs = models.JSONField()
    matched = models.JSONField(default=list)
    applied = models.JSONField(default=dict)
    decided_at = models.DateTimeField()

    class Meta:
        app_label = "workflows"

    def __str__(self) -> str:
        return f"{self.ticket_id} by {self.version_id}"
