"""Helpers shared by the flow pages: admins only (404 for anyone else), loading a flow."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from baton.core.errors import NotFound
from baton.workflows import policies


def designer_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; a signed-in user who may not design flows gets 404, not 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policies.can_design(request.user):
            raise Http404("Not found.")
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("Not found.") from None

    return login_required(wrapper)
