from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "baton.assets"
    label = "assets"
