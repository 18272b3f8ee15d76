from django.urls import path

from . import views
from .views.approvals import step_add_approver, step_reject
from .views.diagram import ticket_diagram

urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket-list"),
    path("tickets/new/", views.ticket_create, name="ticket-create"),
    path("tickets/new/assets/", views.asset_options, name="ticket-asset-options"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:ticket_id>/diagram/", ticket_diagram, name="ticket-diagram"),
    path("tickets/<int:ticket_id>/comments/", views.comment, name="ticket-comment"),
    path("tickets/<int:ticket_id>/steps/<int:step_id>/accept/", views.step_accept, name="ticket-step-accept"),
    path(
        "tickets/<int:ticket_id>/steps/<int:step_id>/complete/",
        views.step_complete,
        name="ticket-step-complete",
    ),
    path(
        "tickets/<int:ticket_id>/steps/<int:step_id>/reassign/",
        views.step_reassign,
        name="ticket-step-reassign",
    ),
    path(
        "tickets/<int:ticket_id>/steps/<int:step_id>/collaborators/",
        views.step_collaborator,
        name="ticket-step-collaborator",
    ),
    path("tickets/<int:ticket_id>/steps/<int:step_id>/reject/", step_reject, name="ticket-step-reject"),
    path(
        "tickets/<int:ticket_id>/steps/<int:step_id>/approvers/",
        step_add_approver,
        name="ticket-step-add-approver",
    ),
    path(
        "tickets/<int:ticket_id>/attachments/<int:attachment_id>/",
        views.attachment_file,
        name="attachment-file",
    ),
    path(
        "tickets/<int:ticket_id>/attachments/<int:attachment_id>/thumbnail/",
        views.attachment_thumbnail,
        name="attachment-thumbnail",
    ),
]
