"""Admins define business calendars here: one page with the working periods and dated exceptions.

The forms check the whole calendar with the same pure ``Calendar`` construction the services use,
so an overlap shows as a form error. Saving and deleting go through ``services``: Django admin's
own per-row saves are bypassed, so a calendar is written all at once or not at all.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from baton.core import clock

from . import services
from .calendar import Calendar, CalendarError, Shift, has_statutory_data
from .models import BusinessCalendar, CalendarHoliday, WorkingPeriod


def _live_rows(formset: BaseInlineFormSet[Any, Any, Any]) -> list[dict[str, Any]]:
    """Cleaned data of the forms that will be kept (filled in and not marked for deletion)."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class BusinessCalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ["code", "name", "time_zone", "use_statutory_holidays", "makeup_weekday"]

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("Unknown time zone (use an IANA name such as Asia/Shanghai).")
            ) from None
        return value


class WorkingPeriodFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        hours: dict[int, list[Shift]] = {}
        for row in _live_rows(self):
            hours.setdefault(row["weekday"], []).append((row["start"], row["end"]))
        parent = self.instance
        try:
            ZoneInfo(parent.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return  # the calendar form reports the zone; nothing to check the periods against
        try:
            Calendar(time_zone=parent.time_zone, hours=hours, makeup_weekday=parent.makeup_weekday)
        except CalendarError as exc:
            raise forms.ValidationError(str(exc)) from None


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    formset = WorkingPeriodFormSet
    extra = 0
    min_num = 1
    ordering = ("weekday", "start")


class CalendarHolidayInline(admin.TabularInline):
    model = CalendarHoliday
    extra = 0
    ordering = ("-date",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    inlines = [WorkingPeriodInline, CalendarHolidayInline]
    list_display = ("code", "name", "time_zone", "use_statutory_holidays")
    search_fields = ("code", "name")
    list_filter = ("use_statutory_holidays", "time_zone")
    readonly_fields = ("statutory_coverage",)

    @admin.display(description=_("statutory data"))
    def statutory_coverage(self, obj: BusinessCalendar | None) -> str:
        """Warn before a year starts that chinesecalendar does not know yet (it counts as normal weeks)."""
        year = clock.now().year
        missing = [y for y in (year, year + 1) if not has_statutory_data(y)]
        if not missing:
            return str(_("Statutory holidays known for {a} and {b}.")).format(a=year, b=year + 1)
        message = _(
            "No statutory data for {years}: those years count as ordinary weeks "
            "until chinesecalendar is upgraded."
        )
        return str(message).format(years=", ".join(map(str, missing)))

    def save_model(self, request: HttpRequest, obj: BusinessCalendar, form: Any, change: bool) -> None:
        """Deferred to :meth:`save_related`, where the periods and holidays are known."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        periods: list[services.PeriodSpec] = []
        holidays: list[services.HolidaySpec] = []
        for formset in formsets:
            rows = _live_rows(formset)
            if formset.model is WorkingPeriod:
                periods = [services.PeriodSpec(r["weekday"], r["start"], r["end"]) for r in rows]
            elif formset.model is CalendarHoliday:
                holidays = [services.HolidaySpec(r["date"], r["kind"], r["name"]) for r in rows]
            # construct_change_message reads these; formset.save() is what would have set them.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        obj: BusinessCalendar = form.instance
        values: dict[str, Any] = {
            "code": obj.code,
            "name": obj.name,
            "time_zone": obj.time_zone,
            "use_statutory_holidays": obj.use_statutory_holidays,
            "makeup_weekday": obj.makeup_weekday,
        }
        if change:
            services.update_calendar(calendar=obj, periods=periods, holidays=holidays, **values)
        else:
            created = services.create_calendar(periods=periods, holidays=holidays, **values)
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db

    def delete_model(self, request: HttpRequest, obj: BusinessCalendar) -> None:
        services.delete_calendar(calendar=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BusinessCalendar]) -> None:
        for calendar in queryset:
            services.delete_calendar(calendar=calendar)
