from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import FlowDefinition, FlowVersion


@admin.register(FlowDefinition)
class FlowDefinitionAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "ticket_type")


@admin.register(FlowVersion)
class FlowVersionAdmin(admin.ModelAdmin):
    list_display = ("definition", "number", "deployed_at", "deployed_by")
    readonly_fields = ("definition", "number", "bpmn_xml", "spec_json", "deployed_at", "deployed_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
