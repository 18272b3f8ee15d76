from django.urls import path

from . import views

urlpatterns = [
    path("decisions/", views.decision_list, name="decision-list"),
    path("decisions/new/", views.decision_new, name="decision-new"),
    path("decisions/<slug:key>/", views.decision_detail, name="decision-detail"),
    path("decisions/<slug:key>/edit/", views.decision_edit, name="decision-edit"),
    path("decisions/<slug:key>/versions/<int:number>/", views.decision_version, name="decision-version"),
]
