"""Opening a ticket for an asset loads the asset with everything it reads, in plain one-row statements."""

from __future__ import annotations

from typing import Any

import pytest

from baton.assets.models import Asset
from baton.assets.queries import asset_for_report

pytestmark = pytest.mark.django_db


def test_the_asset_comes_with_site_region_department_dispatcher_and_customers(
    org: Any, django_assert_num_queries: Any
) -> None:
    own_customer = Asset.objects.select_related("customer").get(pk=org.asset.pk).customer
    with django_assert_num_queries(6):  # asset, site, region, department, dispatcher, customer
        asset = asset_for_report(org.asset.pk)
    assert asset is not None
    with django_assert_num_queries(0):
        assert asset.pk == org.asset.pk
        assert asset.site.code == org.site.code
        department = asset.site.region.department
        assert department == org.north
        assert department is not None
        assert department.dispatcher == org.dispatcher
        assert asset.site.customer == org.site.customer
        assert asset.customer == own_customer
        assert asset.under_warranty is not None


def test_missing_pieces_are_none_and_an_unknown_asset_is_not_found(org: Any) -> None:
    assert asset_for_report(999_999) is None
    Asset.objects.filter(pk=org.asset.pk).update(customer=None)
    org.north.dispatcher = None
    org.north.save(update_fields=["dispatcher"])
    asset = asset_for_report(org.asset.pk)
    assert asset is not None
    assert asset.customer is None
    department = asset.site.region.department
    assert department is not None
    assert department.dispatcher is None
