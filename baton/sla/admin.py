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
from baton.customers.models import CustomerLevel
from baton.tickets.models import Priority, Status, TicketType

from . import services
from .calendar import Calendar, CalendarError, Shift, has_statutory_data
from .models import (
    BusinessCalendar,
    CalendarHoliday,
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    SlaClock,
    SlaPolicy,
    SlaStepTarget,
    WorkingPeriod,
)
from .services import escalation, recompute


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


# ---------------------------------------------------------------------------- SLA and escalation policies


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "active",
            "order",
            "ticket_type",
            "priority",
            "customer_level",
            "site",
            "dispatch_target",
            "dispatch_business",
            "accept_target",
            "accept_business",
            "resolve_target",
            "resolve_business",
            "warning_percent",
            "pause_statuses",
            "notify_on_breach",
        ]
        widgets = {
            "ticket_type": forms.Select(choices=[("", "—"), *TicketType.choices]),
            "priority": forms.Select(choices=[("", "—"), *Priority.choices]),
            "customer_level": forms.Select(choices=[("", "—"), *CustomerLevel.choices]),
        }

    def clean_pause_statuses(self) -> list[str]:
        value = self.cleaned_data.get("pause_statuses") or []
        if not isinstance(value, list) or any(v not in Status.values for v in value):
            raise forms.ValidationError(
                _('A list of ticket statuses, e.g. ["waiting_parts", "waiting_customer"].')
            )
        if set(value) & {Status.CLOSED, Status.CANCELLED}:
            raise forms.ValidationError(_("Closed and cancelled tickets have no running clocks to pause."))
        return list(value)


class SlaStepTargetInline(admin.TabularInline):
    model = SlaStepTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Saving or deleting a policy recomputes the due times of open tickets (one transaction)."""

    form = SlaPolicyForm
    inlines = [SlaStepTargetInline]
    list_display = (
        "name",
        "active",
        "order",
        "ticket_type",
        "priority",
        "customer_level",
        "site",
        "dispatch_target",
        "resolve_target",
        "warning_percent",
    )
    list_editable = ("active", "order")
    autocomplete_fields = ["site"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        moved = recompute.recompute_for_policy(policy_id=form.instance.pk, actor=_user(request))
        if moved:
            self.message_user(
                request, _("Due times of %(count)d open tickets were recomputed.") % {"count": moved}
            )

    def delete_model(self, request: HttpRequest, obj: SlaPolicy) -> None:
        super().delete_model(request, obj)
        recompute.recompute_for_policy(actor=_user(request))


def _user(request: HttpRequest) -> Any:
    return request.user if getattr(request.user, "is_authenticated", False) else None


class EscalationLevelForm(forms.ModelForm):
    class Meta:
        model = EscalationLevel
        fields = ["level", "anchor", "delay", "targets", "channels"]

    def clean_targets(self) -> list[str]:
        value = self.cleaned_data.get("targets") or []
        if not isinstance(value, list) or not value or any(v not in EscalationTarget.values for v in value):
            raise forms.ValidationError(
                _("A list of: %(choices)s.") % {"choices": ", ".join(EscalationTarget.values)}
            )
        return list(value)

    def clean_channels(self) -> list[str]:
        value = self.cleaned_data.get("channels") or []
        if not isinstance(value, list) or not value or any(v not in escalation.ALL_CHANNELS for v in value):
            raise forms.ValidationError(
                _("A list of: %(choices)s.") % {"choices": ", ".join(escalation.ALL_CHANNELS)}
            )
        return list(value)


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    form = EscalationLevelForm
    extra = 0
    min_num = 1


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    """Changes apply to steps entered (and breaches fired) from now on; armed levels keep their time."""

    inlines = [EscalationLevelInline]
    list_display = ("name", "active", "step_key", "ticket_type", "priority")
    list_editable = ("active",)


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    """Read-only: clocks are written by the SLA services only."""

    list_display = ("ticket", "kind", "state", "started_at", "due_at", "met_at", "breached_at")
    list_filter = ("state", "kind")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
