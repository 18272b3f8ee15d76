"""People and the organisation: users, the department tree and department-scoped roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REQUESTER = "requester", _("报修人")
    AGENT = "agent", _("客服")
    DISPATCHER = "dispatcher", _("派工主管")
    TECHNICIAN = "technician", _("维修工程师")
    APPROVER = "approver", _("审批人")
    MANAGER = "manager", _("经理")
    ADMIN = "admin", _("系统管理员")
    CUSTOMER = "customer", _("客户")


class Department(models.Model):
    """A node of the org tree. ``path`` ("/1/4/9/") makes subtree queries one indexed LIKE."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="/")
    manager = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_departments"
    )
    dispatcher = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dispatching_departments",
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("business calendar"),
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Customer-portal users carry ``customer``; staff carry ``department``."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=32, null=True, blank=True, unique=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    superior = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subordinates"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="portal_users"
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username


class RoleAssignment(models.Model):
    """A role held in a department (and, for managers, its subtree)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "department"], name="uniq_role_assignment")
        ]
        indexes = [models.Index(fields=["role", "department"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.department}"


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Delegation(models.Model):
    """Away from ``starts_at`` to ``ends_at``: steps meant for ``user`` go to ``delegate`` meanwhile."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(User, on_delete=models.PROTECT, related_name="standing_in_for")
    starts_at = models.DateTimeField(_("away from"))
    ends_at = models.DateTimeField(_("away until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["user", "ends_at"], name="ix_delegation_user_ends")]

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate} ({self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d})"
