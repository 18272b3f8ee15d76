"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from baton.accounts.queries import roles_of


def baton(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles: set[str] = set()
    if user is not None and user.is_authenticated:
        roles = roles_of(user)
    return {"baton_roles": roles}
