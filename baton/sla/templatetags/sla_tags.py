"""``{% sla_clocks %}``: the ticket page's clocks card, rendered with the page (htmx refreshes it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _

from baton.sla.views import clocks_context

register = template.Library()


@register.inclusion_tag("sla/_clocks.html", takes_context=True)
def sla_clocks(context: template.Context, ticket: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        **clocks_context(request.user, ticket),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def span(value: timedelta | None) -> str:
    """A duration as 2 小时 5 分 / 2 h 5 min (negative: how far past)."""
    if value is None:
        return "—"
    seconds = int(abs(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)d min") % {"n": minutes})
    return " ".join(parts)


@register.filter
def clock_label(kind: str) -> str:
    labels = {
        "dispatch": _("Time to dispatch"),
        "accept": _("Time to accept"),
        "resolve": _("Time to resolve"),
    }
    return labels.get(kind, _("Step"))
