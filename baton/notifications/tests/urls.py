"""The project's URLs plus this app's pages and a test mount of its API router.

Used with ``@pytest.mark.urls`` so the app's tests do not depend on how (or whether yet) the project
mounts them. The test API has the project's error format for ``BatonError``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from ninja import NinjaAPI
from ninja.security import django_auth

from baton.config.urls import urlpatterns as project_urlpatterns
from baton.core.errors import BatonError
from baton.notifications.api import router

api = NinjaAPI(urls_namespace="notifications-test-api", auth=django_auth, docs_url=None, openapi_url=None)
api.add_router("/", router)


@api.exception_handler(BatonError)
def _baton_error(request: HttpRequest, exc: BatonError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


urlpatterns = [
    path("test-api/", api.urls),
    path("", include("baton.notifications.urls")),
    *project_urlpatterns,
]
