"""Ticket pages. Every view loads tickets through ``policies`` and lists through ``queries``."""

from .actions import (
    attachment_file,
    attachment_thumbnail,
    comment,
    step_accept,
    step_collaborator,
    step_complete,
    step_reassign,
)
from .create import asset_options, ticket_create
from .detail import ticket_detail
from .lists import ticket_list

__all__ = [
    "asset_options",
    "attachment_file",
    "attachment_thumbnail",
    "comment",
    "step_accept",
    "step_collaborator",
    "step_complete",
    "step_reassign",
    "ticket_create",
    "ticket_detail",
    "ticket_list",
]
