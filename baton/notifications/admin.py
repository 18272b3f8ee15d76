"""Admin: endpoints are configured here; notifications and the outbox are read-only (the services
write them), with an action to retry dead letters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    ChannelEndpoint,
    Notification,
    OutboxMessage,
    OutboxStatus,
    UserNotificationPreference,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = ChannelEndpoint
        fields = ["name", "kind", "url", "secret", "language", "events", "enabled"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


@admin.register(ChannelEndpoint)
class ChannelEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("name", "kind", "enabled", "language")
    list_filter = ("kind", "enabled")
    search_fields = ("name",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "event", "title", "urgent", "created_at", "read_at")
    list_filter = ("event", "urgent")
    search_fields = ("user__username", "title")


@admin.action(description=_("重试所选的失败通知"))
def retry_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[OutboxMessage]
) -> None:
    ids = list(queryset.filter(status=OutboxStatus.DEAD).values_list("pk", flat=True))
    count = services.retry_dead(message_ids=ids)
    modeladmin.message_user(request, _("已重新排队 %(count)d 条。") % {"count": count}, messages.SUCCESS)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "channel",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "event")
    search_fields = ("idempotency_key", "address")
    actions = [retry_selected]
    exclude = ("payload",)
    readonly_fields = ("payload_text",)

    @admin.display(description=_("payload"))
    def payload_text(self, obj: OutboxMessage) -> str:
        return str(obj.payload)


@admin.register(UserNotificationPreference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "sms_enabled", "quiet_start", "quiet_end")
    search_fields = ("user__username",)
