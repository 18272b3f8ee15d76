"""Sites (stores) and customers, read-only in the API for now."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from baton.core.errors import NotFound
from baton.core.types import DbId

from . import queries

router = Router(tags=["customers"])


class SiteOut(Schema):
    id: int
    code: str
    name: str
    region_id: int
    customer_id: int | None
    address: str
    time_zone: str
    revenue_per_hour: Decimal


@router.get("/sites", response=list[SiteOut])
def list_sites(request: HttpRequest, q: str = "") -> Any:
    """Sites you may report for or work on."""
    return queries.visible_sites(request.user, q=q)[:500]


@router.get("/sites/{site_id}", response={200: SiteOut, 404: dict})
def get_site(request: HttpRequest, site_id: DbId) -> Any:
    site = queries.visible_sites(request.user).filter(pk=site_id).first()
    if site is None:
        raise NotFound("Site not found.")
    return site
