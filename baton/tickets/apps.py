from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "baton.tickets"
    label = "tickets"
