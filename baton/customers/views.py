"""Sites (stores) and their equipment, as the people who may see them see them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from baton.assets.queries import visible_assets
from baton.core import clock
from baton.tickets import policies
from baton.tickets import queries as tickets
from baton.tickets.models import OPEN_STATUSES

from .queries import visible_sites

PER_PAGE = 50
RECENT = 20


@login_required
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    sites = visible_sites(request.user, q=q).annotate(asset_count=Count("assets"))
    page = Paginator(sites, PER_PAGE).get_page(request.GET.get("page"))
    template = "customers/_site_table.html" if getattr(request, "htmx", False) else "customers/site_list.html"
    response = render(request, template, {"page_obj": page, "sites": page.object_list, "q": q})
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = (
        visible_sites(request.user).select_related("region__department", "manager").filter(pk=site_id).first()
    )
    if site is None:
        raise Http404("Site not found.")
    user = request.user
    site_tickets = tickets.ticket_list(user, tickets.TicketFilters(site=site.pk))
    open_by_asset = dict(
        site_tickets.filter(status__in=OPEN_STATUSES, asset__isnull=False)
        .order_by()
        .values_list("asset_id")
        .annotate(n=Count("id"))
    )
    assets = list(visible_assets(user, site_id=site.pk))
    for asset in assets:
        asset.open_tickets = open_by_asset.get(asset.pk, 0)  # type: ignore[attr-defined]
    context = {
        "site": site,
        "assets": assets,
        "tickets": list(site_tickets[:RECENT]),
        "open_count": site_tickets.filter(status__in=OPEN_STATUSES).count(),
        "can_report": policies.can_report_for_site(user, site),  # type: ignore[arg-type]
        "today": timezone.localdate(clock.now()),
    }
    return render(request, "customers/site_detail.html", context)


@login_required
@require_GET
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = visible_assets(request.user).select_related("site__region").filter(pk=asset_id).first()
    if asset is None:
        raise Http404("Asset not found.")
    user = request.user
    asset_tickets = tickets.ticket_list(user, tickets.TicketFilters()).filter(asset_id=asset.pk)
    today = timezone.localdate(clock.now())
    context = {
        "asset": asset,
        "site": asset.site,
        "tickets": list(asset_tickets[:50]),
        "ticket_count": asset_tickets.count(),
        "under_warranty": asset.under_warranty(today),
        "can_report": policies.can_report_for_site(user, asset.site),  # type: ignore[arg-type]
    }
    return render(request, "customers/asset_detail.html", context)
