"""Reporting a fault (报修): pick the site, then its asset, the fault; the title suggests itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from baton.assets.models import Asset
from baton.assets.queries import visible_assets
from baton.core.errors import BatonError
from baton.customers.models import Site
from baton.customers.queries import visible_sites
from baton.tickets import policies, services
from baton.tickets.forms import TITLE_FORMAT, TicketCreateForm, read_files
from baton.tickets.models import Channel, Status, TicketType
from baton.web.errors import add_to_form

from .common import is_staff_user, user_of


def reportable_sites(request: HttpRequest) -> QuerySet[Site]:
    """Sites the user may report for (their own store, or their region's as staff)."""
    user = user_of(request)
    sites = visible_sites(user).select_related("region")
    allowed = [s.pk for s in sites if policies.can_report_for_site(user, s)]
    return visible_sites(user).filter(pk__in=allowed)


def _site_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _assets_for(request: HttpRequest, site_id: int | None) -> QuerySet[Asset]:
    if site_id is None:
        return Asset.objects.none()
    return visible_assets(user_of(request), site_id=site_id)


def _channel(request: HttpRequest) -> str:
    agent = request.headers.get("User-Agent", "")
    return Channel.MOBILE if ("Mobile" in agent or "Android" in agent) else Channel.WEB


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    sites = reportable_sites(request)
    staff = is_staff_user(user)
    if request.method == "POST":
        site_id = _site_id(request.POST.get("site"))
        form = TicketCreateForm(
            request.POST, request.FILES, sites=sites, assets=_assets_for(request, site_id), staff=staff
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.create_ticket(
                    requester=user,
                    title=data["title"],
                    description=data["description"],
                    ticket_type=data.get("ticket_type") or TicketType.STORE_REPAIR,
                    fault_category=data["fault_category"],
                    priority=data["priority"],
                    site=data["site"],
                    asset=data.get("asset"),
                    channel=_channel(request),
                    photos=read_files(data["photos"]),
                    created_by=user,
                )
            except BatonError as exc:
                add_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("已提交工单 %(number)s，当前状态：%(status)s。")
                    % {"number": ticket.number, "status": Status(ticket.status).label},
                )
                return redirect("ticket-detail", ticket.pk)
        status = 422
    else:
        initial_site = _site_id(request.GET.get("site"))
        if initial_site is None and sites.count() == 1:
            only = sites.first()
            initial_site = only.pk if only else None
        initial_asset = _site_id(request.GET.get("asset"))
        form = TicketCreateForm(
            initial={"site": initial_site, "asset": initial_asset},
            sites=sites,
            assets=_assets_for(request, initial_site),
            staff=staff,
        )
        site_id, status = initial_site, 200
    context = {
        "form": form,
        "assets": list(_assets_for(request, site_id)),
        "selected_asset": str(form["asset"].value() or ""),
        "title_format": str(TITLE_FORMAT),
        "has_sites": sites.exists(),
        "has_site": site_id is not None,
    }
    return render(request, "tickets/create.html", context, status=status)


@login_required
@require_GET
def asset_options(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of a site's assets, for the report form (htmx)."""
    site_id = _site_id(request.GET.get("site"))
    if site_id is not None and not reportable_sites(request).filter(pk=site_id).exists():
        site_id = None
    return render(
        request,
        "tickets/_asset_options.html",
        {
            "assets": list(_assets_for(request, site_id)),
            "selected_asset": "",
            "has_site": site_id is not None,
        },
    )
