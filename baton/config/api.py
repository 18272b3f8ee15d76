"""The REST API: one NinjaAPI, a router per app, one error format.

Auth: a personal token (``Authorization: Bearer bt_…``) for integrations, or the browser
session (with CSRF) for the web UI. Every error is ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from baton.accounts.api import router as accounts_router
from baton.accounts.services import user_for_token
from baton.assets.api import router as assets_router
from baton.automation.api import router as automation_router
from baton.core.errors import BatonError
from baton.customers.api import router as customers_router
from baton.notifications.api import router as notifications_router
from baton.sla.api import router as sla_router
from baton.tickets.api import router as tickets_router
from baton.workflows.api import router as workflows_router
from baton.workflows.decisions.api import router as decisions_router


def _token_user(request: HttpRequest, secret: str | None) -> Any:
    """The token's user, also set as ``request.user`` so services and policies see who acts."""
    user = user_for_token(secret or "")
    if user is not None:
        request.user = user
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _token_user(request, token)


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _token_user(request, key)


api = NinjaAPI(
    title="Baton API",
    version="1",
    description="Work orders, steps, comments, attachments and the audit trail. "
    "Errors are always {code, message, fields}.",
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


@api.exception_handler(BatonError)
def _baton_error(request: HttpRequest, exc: BatonError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", ())
            if p not in ("body", "payload", "query", "path", "form", "file")
        ]
        fields.setdefault(".".join(loc) or "body", []).append(str(err.get("msg", "invalid")))
    return _error(request, 422, "validation_error", "The request is not valid.", fields)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", "Sign in or send a valid API token.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "bad_request" if exc.status_code == 400 else "error"
    message = str(exc)
    if message == "Cannot parse request body":
        message = "The request body is not valid JSON."
    return _error(request, exc.status_code, code, message)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "too_large", "The request body is too large.")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return _error(request, 400, "bad_request", "The request could not be read.")


api.add_router("/", accounts_router)
api.add_router("/", customers_router)
api.add_router("/", assets_router)
api.add_router("/", tickets_router)
api.add_router("/", notifications_router)
api.add_router("/", workflows_router)
api.add_router("/", sla_router)
api.add_router("/", automation_router)
api.add_router("/", decisions_router)
