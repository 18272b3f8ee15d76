"""The demo company as the history needs it: people, regions and stores loaded once."""

from __future__ import annotations

from dataclasses import dataclass

from baton.accounts.models import Department, User
from baton.assets.models import Asset
from baton.customers.models import Region, Site

from . import data


@dataclass
class RegionPeople:
    region: Region
    department: Department
    manager: User
    dispatcher: User
    technicians: list[User]


@dataclass
class StoreInfo:
    site: Site
    manager: User
    assets: list[Asset]


@dataclass
class Company:
    """Everything the history needs, loaded once so no ticket pays for look-ups."""

    admin: User
    director: User
    agents: list[User]
    regions: dict[str, RegionPeople]
    stores: list[StoreInfo]
    users: dict[int, User]


def load_company() -> Company:
    """Read the demo company back with everything the history needs preloaded."""
    users = {u.pk: u for u in User.objects.all()}
    by_name = {u.username: u for u in users.values()}
    regions: dict[str, RegionPeople] = {}
    region_rows = {r.code: r for r in Region.objects.select_related("department")}
    for r in data.REGIONS:
        region = region_rows[r.code]
        assert region.department is not None
        regions[r.key] = RegionPeople(
            region=region,
            department=region.department,
            manager=by_name[f"manager_{r.key}"],
            dispatcher=by_name[f"dispatcher_{r.key}"],
            technicians=[by_name[f"tech_{r.key}{i}"] for i in range(1, len(r.technicians) + 1)],
        )
    region_by_id = {rp.region.pk: rp.region for rp in regions.values()}
    assets_by_site: dict[int, list[Asset]] = {}
    for asset in Asset.objects.filter(site__code__in=[s.code for s in data.STORES]).order_by("code"):
        assets_by_site.setdefault(asset.site_id, []).append(asset)
    stores: list[StoreInfo] = []
    for site in Site.objects.filter(code__in=[s.code for s in data.STORES]).select_related("customer"):
        site.region = region_by_id[site.region_id]
        for asset in assets_by_site[site.pk]:
            asset.site = site
            asset.customer = site.customer
        assert site.manager_id is not None
        stores.append(StoreInfo(site=site, manager=users[site.manager_id], assets=assets_by_site[site.pk]))
    stores.sort(key=lambda info: info.site.code)
    return Company(
        admin=by_name["admin"],
        director=by_name["director"],
        agents=[by_name["agent1"], by_name["agent2"]],
        regions=regions,
        stores=stores,
        users=users,
    )
