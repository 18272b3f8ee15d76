"""Admins may look at tickets and their trail here; every change goes through the app's services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Ticket, TicketEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "status", "priority", "site", "department", "created_at")
    search_fields = ("number", "title")
    list_filter = ("status", "priority", "type", "is_drill")


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "seq", "kind", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("ticket__number",)
