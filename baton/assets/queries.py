"""Which assets a user may see: those at the sites they may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from baton.customers.queries import visible_sites

from .models import Asset


def visible_assets(user: Any, *, site_id: int | None = None, q: str = "") -> QuerySet[Asset]:
    qs = Asset.objects.filter(site__in=visible_sites(user)).select_related("site", "customer")
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    if q:
        qs = qs.filter(
            Q(code__icontains=q[:50]) | Q(name__icontains=q[:50]) | Q(serial_number__iexact=q[:64])
        )
    return qs.order_by("code")
