"""Assets (equipment), read-only in the API for now."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from baton.core.errors import NotFound
from baton.core.types import DbId

from .queries import visible_assets

router = Router(tags=["assets"])


class AssetOut(Schema):
    id: int
    code: str
    name: str
    serial_number: str
    model: str
    category: str
    site_id: int
    customer_id: int | None
    install_date: date | None
    warranty_end: date | None


@router.get("/assets", response=list[AssetOut])
def list_assets(request: HttpRequest, site: DbId | None = None, q: str = "") -> Any:
    return visible_assets(request.user, site_id=site, q=q)[:500]


@router.get("/assets/{asset_id}", response={200: AssetOut, 404: dict})
def get_asset(request: HttpRequest, asset_id: DbId) -> Any:
    asset = visible_assets(request.user).filter(pk=asset_id).first()
    if asset is None:
        raise NotFound("Asset not found.")
    return asset
