from django.urls import path

from . import views

urlpatterns = [
    path("tickets/<int:ticket_id>/sla/", views.ticket_clocks, name="sla-ticket-clocks"),
    path("tickets/<int:ticket_id>/sla/hold/", views.ticket_hold, name="sla-ticket-hold"),
    path("tickets/<int:ticket_id>/sla/resume/", views.ticket_resume, name="sla-ticket-resume"),
]
