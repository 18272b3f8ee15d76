from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "baton.sla"
    label = "sla"
