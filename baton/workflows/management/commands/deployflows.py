from django.core.management.base import BaseCommand

from baton.workflows.services import ensure_default_flows


class Command(BaseCommand):
    help = "Deploy the shipped flows (baton/workflows/flows/*.bpmn) when missing or changed."

    def handle(self, *args: object, **options: object) -> None:
        ensure_default_flows()
