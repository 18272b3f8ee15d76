"""Reads: a user's bell and list, their preferences, and the dead letters admins look after."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from baton.accounts.models import User

from .models import Notification, OutboxMessage, OutboxStatus, UserNotificationPreference


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody reads another person's bell)."""
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def preference_for(user: User) -> UserNotificationPreference:
    """The saved preference, or the defaults (unsaved) for a user who never chose."""
    pref = UserNotificationPreference.objects.filter(user=user).first()
    return pref or UserNotificationPreference(user=user)


def dead_letters() -> QuerySet[OutboxMessage]:
    """Messages that kept failing, newest first; the caller checks the reader is an admin."""
    return (
        OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
        .select_related("user", "endpoint")
        .order_by("-updated_at", "-pk")
    )


def outbox_counts() -> dict[str, int]:
    """How many messages are in each state (for the dead-letter page's header)."""
    counts = {status.value: 0 for status in OutboxStatus}
    for row in OutboxMessage.objects.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts
