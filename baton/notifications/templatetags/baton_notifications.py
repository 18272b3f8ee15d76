"""``{% notification_bell %}``: the navbar bell with the signed-in user's unread count.

A tag rather than a context processor so only pages that show the bell pay for the count query.
"""

from __future__ import annotations

from typing import Any

from django import template

from baton.notifications import queries

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0, "hidden": True}
    return {"unread_count": queries.unread_count(user)}
