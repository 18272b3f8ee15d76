from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "baton.notifications"
    label = "notifications"
    verbose_name = "Notifications"
