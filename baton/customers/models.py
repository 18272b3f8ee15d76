"""Customers (the organisations served), regions and sites (stores, plants)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerLevel(models.TextChoices):
    NORMAL = "normal", _("普通")
    VIP = "vip", _("VIP")
    STRATEGIC = "strategic", _("战略")


class Customer(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(
        _("level"), max_length=16, choices=CustomerLevel.choices, default=CustomerLevel.NORMAL
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A service region; its department dispatches the tickets of its sites."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="regions"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sites")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    revenue_per_hour = models.DecimalField(
        _("revenue per opening hour"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    manager = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_sites"
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
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
