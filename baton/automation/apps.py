from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "baton.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from baton.core import bus  # noqa: PLC0415 - apps are loaded after settings

        from . import dispatch, runner  # noqa: PLC0415 - models must be ready first

        bus.subscribe("*", runner.on_event)
        bus.subscribe("step_entered", dispatch.on_step_entered)
        bus.subscribe("department_changed", dispatch.on_department_changed)
