"""Business calendars as admins define them: weekly working periods and dated exceptions.

The rows only store the definition; the arithmetic lives in the pure ``calendar`` module and the
rows are turned into a ``calendar.Calendar`` by ``queries.to_calendar``. Writes go through
``services`` (which validate the whole calendar at once: an overlap is a property of two rows, so a
single model's ``clean`` cannot catch it).

Sites and departments point at a calendar from their own apps; nothing here points outwards.
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday (closed)")
    WORKDAY = "workday", _("extra working day")


class BusinessCalendar(models.Model):
    """Working hours in one time zone; Chinese statutory holidays and 调休 apply when switched on.

    ``makeup_weekday`` is whose hours a make-up working day (调休) or an extra working day works.
    A store open every day usually switches statutory holidays off.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    use_statutory_holidays = models.BooleanField(_("Chinese statutory holidays and 调休"), default=True)
    makeup_weekday = models.PositiveSmallIntegerField(
        _("make-up days work the hours of"), choices=Weekday.choices, default=Weekday.MONDAY
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.CheckConstraint(condition=Q(makeup_weekday__lte=6), name="sla_calendar_makeup_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WorkingPeriod(models.Model):
    """One shift on a weekday, local to the calendar's time zone.

    ``end`` after ``start`` is a same-day shift; ``end`` at or before ``start`` runs past midnight
    into the next day (22:00–02:00), and 00:00–00:00 is the whole day. ``start == end`` otherwise is
    meaningless and refused, here by a constraint and in ``services`` with a readable message.
    """

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"), help_text=_("At or before the start: runs past midnight."))

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="sla_period_weekday"),
            models.CheckConstraint(
                condition=~Q(start=F("end")) | Q(start=time(0)), name="sla_period_not_empty"
            ),
            models.UniqueConstraint(fields=["calendar", "weekday", "start"], name="sla_period_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarHoliday(models.Model):
    """A dated exception: a company holiday (closed) or an extra working day.

    It overrides the statutory calendar for that date, so admins can also open on a statutory
    holiday or close on a 调休 day.
    """

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=HolidayKind.choices, default=HolidayKind.HOLIDAY
    )

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("calendar holiday")
        verbose_name_plural = _("calendar holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_holiday_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name or self.get_kind_display()}"
