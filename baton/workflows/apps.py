from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "baton.workflows"
    label = "workflows"
