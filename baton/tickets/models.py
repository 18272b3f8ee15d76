"""Tickets, their steps (work items with one owner each), comments, attachments and the audit trail."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketType(models.TextChoices):
    STORE_REPAIR = "store_repair", _("门店设备报修")
    AFTER_SALES = "after_sales", _("售后维修")
    MAINTENANCE = "maintenance", _("保养")
    IT = "it", _("IT 请求")


class Priority(models.TextChoices):
    LOW = "low", _("低")
    NORMAL = "normal", _("普通")
    HIGH = "high", _("高")
    URGENT = "urgent", _("紧急")


class Channel(models.TextChoices):
    WEB = "web", _("网页")
    MOBILE = "mobile", _("手机")
    PHONE = "phone", _("电话")
    API = "api", _("接口")


class Status(models.TextChoices):
    """The ticket's status follows its active step (the step's ``status`` property in the flow)."""

    NEW = "new", _("新建")
    WAITING_DISPATCH = "waiting_dispatch", _("待派工")
    IN_REPAIR = "in_repair", _("维修中")
    WAITING_PARTS = "waiting_parts", _("待备件")
    WAITING_CUSTOMER = "waiting_customer", _("待客户")
    WAITING_ACCEPTANCE = "waiting_acceptance", _("待验收")
    IN_PROGRESS = "in_progress", _("处理中")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = [s for s in Status.values if s not in (Status.CLOSED, Status.CANCELLED)]


class FaultCategory(models.TextChoices):
    NOT_COOLING = "not_cooling", _("不制冷")
    NO_POWER = "no_power", _("不通电")
    LEAK = "leak", _("漏水/漏油")
    NOISE = "noise", _("异响")
    DOWN = "down", _("设备停机")
    SOFTWARE = "software", _("软件故障")
    OTHER = "other", _("其他")


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    type = models.CharField(
        _("type"), max_length=32, choices=TicketType.choices, default=TicketType.STORE_REPAIR
    )
    fault_category = models.CharField(
        _("fault category"), max_length=32, choices=FaultCategory.choices, default=FaultCategory.OTHER
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=32, choices=Status.choices, default=Status.NEW)
    site = models.ForeignKey(
        "customers.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asset = models.ForeignKey(
        "assets.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="requested_tickets")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    asset_model = models.CharField(_("model"), max_length=100, blank=True)
    under_warranty = models.BooleanField(_("under warranty"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    satisfaction_comment = models.CharField(max_length=500, blank=True)
    is_drill = models.BooleanField(_("drill"), default=False)
    version = models.PositiveIntegerField(default=1)
    audit_seq = models.PositiveIntegerField(default=0, editable=False)
    audit_head = models.CharField(max_length=64, blank=True, editable=False)
    flow_instance = models.OneToOneField(
        "workflows.FlowInstance", null=True, blank=True, on_delete=models.PROTECT, related_name="ticket"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["department", "status", "-created_at"], name="ix_ticket_dept_status"),
            models.Index(fields=["status", "-created_at"], name="ix_ticket_status_created"),
            models.Index(fields=["requester", "-created_at"], name="ix_ticket_requester"),
            models.Index(fields=["customer", "-created_at"], name="ix_ticket_customer"),
            models.Index(fields=["-created_at"], name="ix_ticket_created"),
            models.Index(fields=["department", "requester"], name="ix_ticket_dept_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketCounter(models.Model):
    """Per-day sequence behind ticket numbers (WO-20261123-0007)."""

    day = models.CharField(max_length=8, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class StepState(models.TextChoices):
    ACTIVE = "active", _("进行中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")
    # An approver who added someone before themselves (前加签) waits here until that person approves.
    QUEUED = "queued", _("Waiting")


#: Rows still part of an open step: the active one(s) and approvers waiting their turn.
OPEN_STEP_STATES = (StepState.ACTIVE, StepState.QUEUED)


class Step(models.Model):
    """One work item of a ticket: mirrors an active user task of the flow."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="steps")
    key = models.CharField(max_length=64)
    name = models.CharField(_("step"), max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=StepState.choices, default=StepState.ACTIVE)
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="owned_steps")
    # The ticket's department, copied so department queues are one indexed range scan.
    department = models.ForeignKey(
        "accounts.Department", null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    collaborators = models.ManyToManyField("accounts.User", blank=True, related_name="collaborating_steps")
    due_at = models.DateTimeField(_("due"))
    entered_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    # What the step's own form fields recorded when it was completed (fault cause, parts used,
    # customer signature): Baton's data, never the engine's (routing data stays in the flow).
    values = models.JSONField(default=dict, blank=True)
    # Delegation while away: the person the step was meant for, when ``owner`` stands in for them.
    on_behalf_of = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 前加签: the approver's own row, waiting (QUEUED) until this row is approved.
    resumes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["entered_at", "id"]
        indexes = [
            # My to-do list and its counts (total, overdue) read this small index only.
            models.Index(
                fields=["owner", "due_at", "id"],
                condition=models.Q(state="active"),
                name="ix_step_active_owner_due",
            ),
            models.Index(fields=["ticket", "state"], name="ix_step_ticket_state"),
            models.Index(fields=["state", "due_at"], name="ix_step_state_due"),
            # The department queue: its count is an index-only scan on PostgreSQL (owner included).
            models.Index(
                fields=["department", "due_at", "id"],
                condition=models.Q(state="active"),
                include=["owner"],
                name="ix_step_active_dept_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.name}"


class Participant(models.Model):
    """Everyone who ever owned or collaborated on a step of a ticket: they keep seeing it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    # The ticket's department, copied so "participations outside my departments" is an index scan.
    department = models.ForeignKey(
        "accounts.Department", null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="uniq_participant")]
        indexes = [models.Index(fields=["user", "department", "ticket"], name="ix_participant_user_dept")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id}"


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="comments")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.ticket_id}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TicketEvent(models.Model):
    """Append-only, hash-chained record of every change to a ticket.

    Written only by ``baton.tickets.events.record`` in the same transaction as the change.
    Database triggers refuse UPDATE and DELETE (see migration 0002).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["ticket", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="uniq_ticket_event_seq")]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq} {self.kind}"
