"""API shapes for tickets. Inputs forbid unknown fields, so typos are refused, not ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from baton.core.types import DbId


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_max_length=5000)


class UserRef(Schema):
    id: int
    name: str


class TicketCreateIn(StrictIn):
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    type: str = "store_repair"
    fault_category: str = "other"
    priority: str = "normal"
    site_id: DbId | None = None
    asset_id: DbId | None = None
    channel: str = "api"
    is_drill: bool = False


class TicketPatchIn(StrictIn):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    priority: str | None = None
    fault_category: str | None = None
    version: int | None = Field(default=None, description="The version you read; a stale one gets 409.")


class StepOut(Schema):
    id: int
    key: str
    name: str
    state: str
    owner: UserRef
    collaborators: list[UserRef]
    due_at: datetime
    entered_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    outcome: str
    reason: str
    on_behalf_of: UserRef | None = None


class TicketOut(Schema):
    id: int
    number: str
    title: str
    status: str
    priority: str
    type: str
    fault_category: str
    site_id: int | None
    asset_id: int | None
    customer_id: int | None
    department_id: int
    requester: UserRef
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    is_drill: bool
    version: int


class TicketDetailOut(TicketOut):
    description: str
    channel: str
    asset_model: str
    under_warranty: bool | None
    resolution: str
    satisfaction: int | None
    satisfaction_comment: str
    steps: list[StepOut]


class TicketPage(Schema):
    count: int
    items: list[TicketOut]


class EventOut(Schema):
    seq: int
    kind: str
    actor: UserRef | None
    step_id: DbId | None
    data: dict[str, Any]
    created_at: datetime
    hash: str


class CommentIn(StrictIn):
    body: str = Field(min_length=1, max_length=5000)
    internal: bool = False


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    internal: bool
    url: str
    thumbnail_url: str | None
    created_at: datetime


class CommentOut(Schema):
    id: int
    author: UserRef
    body: str
    internal: bool
    created_at: datetime
    attachments: list[AttachmentOut]


class CompleteIn(StrictIn):
    outcome: str | None = None
    reason: str = ""
    technician: DbId | None = None
    resolution: str | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    rating_comment: str | None = None
    cost: float | None = Field(default=None, ge=0, le=1_000_000_000)
    version: int | None = None


class ReassignIn(StrictIn):
    owner_id: DbId
    reason: str = Field(min_length=1, max_length=1000)
    version: int | None = None


class CollaboratorIn(StrictIn):
    user_id: DbId


class VersionIn(StrictIn):
    version: int | None = None


class TodoItemOut(Schema):
    step: StepOut
    ticket: TicketOut
    overdue: bool


class TodoOut(Schema):
    mine_count: int
    mine_overdue: int
    queue_count: int
    mine: list[TodoItemOut]
    queue: list[TodoItemOut]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]
