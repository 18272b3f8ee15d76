"""What tickets are promised (SLA policies) and who hears about it when a step stalls (escalation).

Matching fields left blank match anything. The first policy by ``order`` wins; among equal
orders the more specific one (more matching fields filled in) wins, then the older one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: Ticket statuses that pause a clock unless a policy lists its own.
DEFAULT_PAUSE_STATUSES = ["waiting_parts", "waiting_customer"]


def default_pause_statuses() -> list[str]:
    return list(DEFAULT_PAUSE_STATUSES)


class SlaPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Lower numbers are tried first.")
    )
    ticket_type = models.CharField(_("ticket type"), max_length=32, blank=True)
    priority = models.CharField(_("priority"), max_length=16, blank=True)
    customer_level = models.CharField(_("customer level"), max_length=16, blank=True)
    site = models.ForeignKey(
        "customers.Site",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("site"),
    )
    dispatch_target = models.DurationField(_("time to dispatch"), null=True, blank=True)
    dispatch_business = models.BooleanField(_("dispatch in business time"), default=False)
    accept_target = models.DurationField(_("time to accept"), null=True, blank=True)
    accept_business = models.BooleanField(_("accept in business time"), default=False)
    resolve_target = models.DurationField(_("time to resolve"), null=True, blank=True)
    resolve_business = models.BooleanField(_("resolve in business time"), default=False)
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at %"), default=80, help_text=_("0 sends no warning.")
    )
    pause_statuses = models.JSONField(
        _("statuses that pause the clocks"), default=default_pause_statuses, blank=True
    )
    notify_on_breach = models.BooleanField(_("alert on breach"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(condition=Q(warning_percent__lte=99), name="sla_policy_warning_percent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.ticket_type, self.priority, self.customer_level, self.site_id))


class SlaStepTarget(models.Model):
    """A per-step target (by the step's key in the flow) inside a policy."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="step_targets")
    step_key = models.CharField(_("step key"), max_length=64)
    target = models.DurationField(_("target"))
    business = models.BooleanField(_("business time"), default=False)

    class Meta:
        ordering = ["policy", "step_key"]
        verbose_name = _("step target")
        verbose_name_plural = _("step targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "step_key"], name="sla_step_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.step_key}: {self.target}"


class EscalationAnchor(models.TextChoices):
    STEP_START = "step_start", _("after the step started")
    BREACH = "breach", _("after the step's deadline passed")


class EscalationTarget(models.TextChoices):
    OWNER = "owner", _("the step's owner")
    SUPERIOR = "superior", _("the owner's superior")
    DISPATCHER = "dispatcher", _("the department's dispatcher")
    DEPARTMENT_MANAGER = "department_manager", _("the department's manager")
    REGION_MANAGER = "region_manager", _("the manager above the department")


class EscalationPolicy(models.Model):
    """Levels that fire one after another while a step stays unhandled (accept/complete/reassign stops it)."""

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    step_key = models.CharField(_("step key"), max_length=64, blank=True, help_text=_("Blank: every step."))
    ticket_type = models.CharField(_("ticket type"), max_length=32, blank=True)
    priority = models.CharField(_("priority"), max_length=16, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    anchor = models.CharField(
        _("counted from"), max_length=16, choices=EscalationAnchor.choices, default=EscalationAnchor.BREACH
    )
    delay = models.DurationField(_("delay"))
    targets = models.JSONField(_("who"), default=list, help_text=_("owner, superior, dispatcher, …"))
    channels = models.JSONField(
        _("channels"), default=list, help_text=_("in_app, email, sms, dingtalk, wecom, feishu")
    )

    class Meta:
        ordering = ["policy", "level"]
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="sla_escalation_level_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} L{self.level}"
