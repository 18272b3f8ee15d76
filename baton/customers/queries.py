"""Which sites and customers a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from baton.accounts import queries as people

from .models import Site


def visible_sites(user: Any, *, q: str = "") -> QuerySet[Site]:
    """Admins see all; portal users their customer's sites; staff their regions'; managers their own."""
    qs = Site.objects.select_related("region", "customer")
    if not people.is_admin(user):
        if user.customer_id is not None:
            qs = qs.filter(customer_id=user.customer_id)
        else:
            scope = people.scope_department_ids(user)
            qs = qs.filter(Q(manager_id=user.pk) | Q(region__department_id__in=scope))
    if q:
        qs = qs.filter(Q(code__icontains=q[:50]) | Q(name__icontains=q[:50]))
    return qs.order_by("code")
