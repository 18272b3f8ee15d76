from django.urls import path

from . import views

DRAFT = "flows/<slug:key>/imports/<int:draft_id>/"

urlpatterns = [
    path("flows/", views.flow_list, name="flow-list"),
    path("flows/templates/<slug:template_id>/xml/", views.flow_template_xml, name="flow-template-xml"),
    path("flows/<slug:key>/", views.flow_detail, name="flow-detail"),
    path("flows/<slug:key>/diff/", views.flow_diff, name="flow-diff"),
    path("flows/<slug:key>/migrate/", views.flow_migrate, name="flow-migrate"),
    path("flows/<slug:key>/design/", views.flow_design, name="flow-design"),
    path("flows/<slug:key>/import/", views.flow_import, name="flow-import"),
    path(DRAFT, views.flow_draft, name="flow-draft"),
    path(DRAFT + "bpmn/", views.flow_draft_bpmn, name="flow-draft-bpmn"),
    path(DRAFT + "deploy/", views.flow_draft_deploy, name="flow-draft-deploy"),
    path(DRAFT + "delete/", views.flow_draft_delete, name="flow-draft-delete"),
    path("flows/<slug:key>/versions/<int:number>/", views.flow_version, name="flow-version"),
    path("flows/<slug:key>/versions/<int:number>/xml/", views.flow_version_xml, name="flow-version-xml"),
]
