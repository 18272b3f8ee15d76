"""Per-ticket clocks and their durable timers.

A clock measures one promise of a ticket (dispatch, accept, resolve, or one step) against its
target, on a calendar, minus paused time. Its warning, breach and escalation moments are
``SlaTimer`` rows; the sweep claims the due ones with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL)
through a partial index that holds only unfired timers, so its cost does not depend on how many
tickets are open. A fired timer keeps its row (``fired_at``): firing twice is impossible because
the claim re-checks ``fired_at`` under the row lock in the transaction that fires it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ClockState(models.TextChoices):
    RUNNING = "running", _("running")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped")
    CANCELLED = "cancelled", _("cancelled")


OPEN_CLOCK_STATES = (ClockState.RUNNING, ClockState.PAUSED)


class SlaClock(models.Model):
    """``kind`` is ``dispatch``, ``accept``, ``resolve`` or ``step:<key>``; ``pauses`` are ISO pairs."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks")
    step = models.ForeignKey(
        "tickets.Step", null=True, blank=True, on_delete=models.CASCADE, related_name="sla_clocks"
    )
    kind = models.CharField(_("kind"), max_length=80)
    policy = models.ForeignKey(
        "sla.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar", null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    business = models.BooleanField(default=False)
    target = models.DurationField(_("target"))
    #: The flow's (steps) or the priority's (resolve) own target, used when no policy sets one.
    own_target = models.DurationField(null=True, blank=True)
    warning_percent = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(_("started"))
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_total = models.DurationField(_("paused"), default=timedelta(0))
    pauses = models.JSONField(default=list, blank=True)
    warning_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)

    class Meta:
        ordering = ["ticket", "started_at", "pk"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(fields=["ticket", "kind"], name="ix_sla_clock_ticket_kind"),
            models.Index(
                fields=["policy"], name="ix_sla_clock_open_policy", condition=Q(state__in=OPEN_CLOCK_STATES)
            ),
            models.Index(
                fields=["calendar"],
                name="ix_sla_clock_open_calendar",
                condition=Q(state__in=OPEN_CLOCK_STATES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.kind}"


class TimerKind(models.TextChoices):
    WARNING = "warning", _("warning")
    BREACH = "breach", _("breach")
    ESCALATION = "escalation", _("escalation")


class SlaTimer(models.Model):
    """One moment to act on a clock. Unfired rows sit in a partial index on ``due_at``."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="timers")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=TimerKind.choices)
    level = models.ForeignKey(
        "sla.EscalationLevel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["due_at"], name="ix_sla_timer_pending", condition=Q(fired_at__isnull=True)),
            models.Index(fields=["clock"], name="ix_sla_timer_clock"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.clock_id} @ {self.due_at.isoformat()}"
