from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "baton.sla"
    label = "sla"

    def ready(self) -> None:
        from .subscribers import subscribe_all  # noqa: PLC0415 - models must be ready first

        subscribe_all()
