"""Equipment at sites, with model and warranty."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetCategory(models.TextChoices):
    FRYER = "fryer", _("炸炉")
    FREEZER = "freezer", _("冷柜")
    ICE_MAKER = "ice_maker", _("制冰机")
    AIR_CONDITIONER = "air_conditioner", _("空调")
    POS = "pos", _("POS 终端")
    OTHER = "other", _("其他")


class Asset(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True, db_index=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=AssetCategory.choices)
    site = models.ForeignKey("customers.Site", on_delete=models.PROTECT, related_name="assets")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    install_date = models.DateField(_("install date"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def under_warranty(self, on: date) -> bool | None:
        if self.warranty_end is None:
            return None
        return on <= self.warranty_end
