from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("baton.web.urls")),
    path("", include("baton.tickets.urls")),
    path("", include("baton.customers.urls")),
    path("", include("baton.notifications.urls")),
    path("", include("baton.workflows.urls")),
    path("", include("baton.sla.urls")),
    path("", include("baton.automation.urls")),
    path("", include("baton.workflows.decisions.urls")),
]
