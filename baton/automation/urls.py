from django.urls import path

from . import views

urlpatterns = [
    path("automation/", views.rule_list, name="automation-rules"),
    path("automation/rules/new/", views.rule_new, name="automation-rule-new"),
    path("automation/rules/<int:rule_id>/", views.rule_detail, name="automation-rule"),
    path("automation/rules/<int:rule_id>/toggle/", views.rule_toggle, name="automation-rule-toggle"),
    path(
        "automation/dispatch/<int:department_id>/",
        views.dispatch_setting,
        name="automation-dispatch-setting",
    ),
]
