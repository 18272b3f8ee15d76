"""The ticket list: search and filters, 50 per page; htmx swaps just the table when a filter changes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from baton.core import clock
from baton.customers.queries import visible_sites
from baton.tickets import queries
from baton.tickets.forms import TicketFilterForm

from .common import is_htmx, user_of

PER_PAGE = 50


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = TicketFilterForm(request.GET or None, sites=visible_sites(user))
    filters = form.filters() if request.GET else queries.TicketFilters()
    tickets = queries.ticket_list(user, filters)
    page = Paginator(tickets, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "tickets": page.object_list,
        "now": clock.now(),
        "filters": filters,
    }
    template = "tickets/_table.html" if is_htmx(request) else "tickets/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
