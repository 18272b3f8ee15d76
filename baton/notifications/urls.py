from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/bell/", views.bell, name="notification-bell"),
    path("notifications/read-all/", views.read_all, name="notification-read-all"),
    path("notifications/<int:notification_id>/open/", views.open_notification, name="notification-open"),
    path("notifications/preferences/", views.preferences, name="notification-preferences"),
    path("notifications/dead-letters/", views.dead_letters, name="notification-dead-letters"),
    path(
        "notifications/dead-letters/retry/", views.retry_dead_letters, name="notification-dead-letters-retry"
    ),
]
