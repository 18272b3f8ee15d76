"""Automation rules (trigger, CEL condition, actions), their run log, and auto-dispatch settings.

Rules are data an administrator builds in the rule page; ``runner`` evaluates them when ticket
events arrive on ``baton.core.bus`` (or on a schedule) and ``actions`` carries them out through the
ticket services. Dispatch strategies (``dispatch``) read the skill, coverage, duty and roster rows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from baton.tickets.models import FaultCategory


class Trigger(models.TextChoices):
    CREATED = "created", _("Ticket created")
    FIELD_CHANGED = "field_changed", _("Field changed")
    STEP_ENTERED = "step_entered", _("Step entered")
    STEP_COMPLETED = "step_completed", _("Step completed")
    COMMENT_ADDED = "comment_added", _("Comment added")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SCHEDULE = "schedule", _("On a schedule")


class Strategy(models.TextChoices):
    DUTY = "duty", _("By department duty")
    REGION = "region", _("By region / site")
    SKILL = "skill", _("By skill")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    ROUND_ROBIN = "round_robin", _("Round robin")
    ROSTER = "roster", _("Who is on duty now")


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=False)
    order = models.IntegerField(_("order"), default=100)
    trigger = models.CharField(_("trigger"), max_length=32, choices=Trigger.choices)
    #: field_changed: which field (blank: any); step_entered/completed: which step key (blank: any).
    trigger_field = models.CharField(_("field"), max_length=64, blank=True)
    trigger_step = models.CharField(_("step"), max_length=64, blank=True)
    every_minutes = models.PositiveIntegerField(_("every (minutes)"), null=True, blank=True)
    #: CEL over the ticket's variables; blank matches every ticket.
    condition = models.TextField(_("condition"), blank=True)
    actions = models.JSONField(_("actions"), default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: When the schedule last ran this rule (schedule rules only).
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["trigger", "enabled", "order"], name="ix_rule_trigger")]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    FIRED = "fired", _("Fired")
    FAILED = "failed", _("Failed")


class RuleRun(models.Model):
    """One firing of a rule on a ticket (a rule whose condition did not match leaves no row)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=RunStatus.choices)
    results = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["rule", "-created_at"], name="ix_rulerun_rule")]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.ticket_id}: {self.status}"


class TechnicianSkill(models.Model):
    """A technician can repair this fault category (used by the skill strategy)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="skills")
    fault_category = models.CharField(_("fault category"), max_length=32, choices=FaultCategory.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "fault_category"], name="uniq_tech_skill")]

    def __str__(self) -> str:
        return f"{self.user} · {self.fault_category}"


class Coverage(models.Model):
    """A technician serves a site (store) or a whole region (used by the region/site strategy)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="coverage")
    site = models.ForeignKey(
        "customers.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "customers.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(site__isnull=False) | models.Q(region__isnull=False),
                name="coverage_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.site or self.region}"


class DutyMapping(models.Model):
    """Department duty: which department is responsible for a fault category."""

    fault_category = models.CharField(
        _("fault category"), max_length=32, choices=FaultCategory.choices, unique=True
    )
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.fault_category} → {self.department}"


class RosterEntry(models.Model):
    """Who is on duty for a department from ``starts_at`` until ``ends_at``."""

    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="roster_entries")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["department", "starts_at", "ends_at"], name="ix_roster_dept")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class DispatchSetting(models.Model):
    """The strategy a department's dispatch steps use (a step's ``auto_dispatch`` property wins)."""

    department = models.OneToOneField("accounts.Department", on_delete=models.CASCADE, related_name="+")
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    def __str__(self) -> str:
        return f"{self.department}: {self.strategy}"


class RoundRobinPointer(models.Model):
    """The last technician a department's round robin chose; locked while the next one is picked."""

    department = models.OneToOneField("accounts.Department", on_delete=models.CASCADE, related_name="+")
    last_user_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.department}: {self.last_user_id}"
