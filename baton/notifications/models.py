"""Notifications: the in-app inbox, the outbox that carries everything else, and who wants what.

The app points only at ``accounts.User``. A notification about a ticket stores the ticket's id as a
plain integer (no foreign key into ``tickets``) so the dependency runs one way: tickets call
``notifications.services``; nothing here imports tickets.

Delivery is an outbox: a service writes ``OutboxMessage`` rows in the same transaction as the change
that caused them, and workers deliver them after commit, at least once, keyed by
``idempotency_key``. ``next_attempt_at`` is the single indexed column workers sweep.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")
    FEISHU = "feishu", _("飞书群机器人")
    WEBHOOK = "webhook", _("Webhook")


#: Channels that reach one person (chosen in their preferences).
PERSONAL_CHANNELS = (Channel.IN_APP, Channel.EMAIL, Channel.SMS)
#: Channels that post to an admin-configured endpoint (a group robot or a webhook).
ENDPOINT_CHANNELS = (Channel.DINGTALK, Channel.WECOM, Channel.FEISHU, Channel.WEBHOOK)


class Notification(models.Model):
    """One line in a user's bell. Written directly (no outbox): it lives in our own database."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("event"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    ticket_id = models.PositiveBigIntegerField(_("ticket id"), null=True, blank=True, db_index=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notif_user_created"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notif_user_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class EndpointKind(models.TextChoices):
    DINGTALK = Channel.DINGTALK.value, Channel.DINGTALK.label
    WECOM = Channel.WECOM.value, Channel.WECOM.label
    FEISHU = Channel.FEISHU.value, Channel.FEISHU.label
    WEBHOOK = Channel.WEBHOOK.value, Channel.WEBHOOK.label


class ChannelEndpoint(models.Model):
    """A group robot or webhook an admin configured. The URL and secret are read at delivery time,
    so fixing a wrong URL and retrying the dead letters works without re-creating messages."""

    kind = models.CharField(_("kind"), max_length=20, choices=EndpointKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=200,
        blank=True,
        help_text=_("钉钉“加签”密钥、飞书签名校验密钥或 Webhook 的 HMAC 密钥；企业微信无需填写。"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    events = models.JSONField(
        _("events"), default=list, blank=True, help_text=_("只接收这些事件；留空表示全部事件。")
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel endpoint")
        verbose_name_plural = _("channel endpoints")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DEAD = "dead", _("发送失败")


class OutboxMessage(models.Model):
    """One delivery to one address or endpoint.

    ``status`` is ``sending`` while a worker holds the row; ``next_attempt_at`` is then the end of
    its lease, so a row whose worker died becomes due again by itself. ``attempts`` counts claims
    and doubles as a fencing token: a worker only records the outcome if the row still carries the
    attempt number it claimed.
    """

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    endpoint = models.ForeignKey(
        ChannelEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    event = models.CharField(_("event"), max_length=50)
    ticket_id = models.PositiveBigIntegerField(_("ticket id"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    #: What the receiver called the delivery (SMTP Message-ID, SMS BizId/SerialNo), for support.
    reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(endpoint__isnull=False), name="outbox_has_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} → {self.address or self.endpoint_id}"


class UserNotificationPreference(models.Model):
    """Which personal channels a user wants, and when not to be disturbed.

    In-app notifications cannot be switched off: the bell is the record of what reached a person.
    Quiet hours are wall-clock times in the user's own time zone; ``start == end`` means none, and
    ``start > end`` spans midnight (22:00–07:00). Urgent notifications ignore quiet hours.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("e-mail"), default=True)
    sms_enabled = models.BooleanField(_("SMS"), default=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user}"

    def allows(self, channel: str) -> bool:
        if channel == Channel.EMAIL:
            return self.email_enabled
        if channel == Channel.SMS:
            return self.sms_enabled
        return channel == Channel.IN_APP


class DeliveryRateWindow(models.Model):
    """Recent send times for one rate-limited endpoint (a sliding log, oldest first).

    Kept in the database so several workers on several machines share one budget; the row is locked
    (``SELECT … FOR UPDATE`` on PostgreSQL, the write lock on SQLite) while a slot is taken.
    """

    key = models.CharField(max_length=100, unique=True)
    recent = models.JSONField(default=list)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("delivery rate window")
        verbose_name_plural = _("delivery rate windows")

    def __str__(self) -> str:
        return self.key
