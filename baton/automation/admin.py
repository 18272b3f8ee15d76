"""Django admin for the dispatch data (skills, coverage, duty, roster); rules have their own page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Coverage, DispatchSetting, DutyMapping, RosterEntry, RuleRun, TechnicianSkill


@admin.register(TechnicianSkill)
class TechnicianSkillAdmin(admin.ModelAdmin):
    list_display = ("user", "fault_category")
    list_filter = ("fault_category",)
    autocomplete_fields = ("user",)


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    list_display = ("user", "site", "region")
    autocomplete_fields = ("user",)


@admin.register(DutyMapping)
class DutyMappingAdmin(admin.ModelAdmin):
    list_display = ("fault_category", "department")


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ("department", "user", "starts_at", "ends_at")
    list_filter = ("department",)
    autocomplete_fields = ("user",)


@admin.register(DispatchSetting)
class DispatchSettingAdmin(admin.ModelAdmin):
    list_display = ("department", "strategy", "enabled")


@admin.register(RuleRun)
class RuleRunAdmin(admin.ModelAdmin):
    """The run log is a record: read only."""

    list_display = ("rule", "ticket", "event", "status", "created_at")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
