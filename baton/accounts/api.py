"""The signed-in user, their API tokens, and people to pick (technicians, collaborators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from baton.core.types import DbId

from . import queries, services
from .models import User

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    department_id: int | None
    customer_id: int | None
    language: str
    time_zone: str
    roles: list[str]


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


class PersonOut(Schema):
    id: int
    name: str
    department_id: int | None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    assert isinstance(user, User)
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "department_id": user.department_id,
        "customer_id": user.customer_id,
        "language": user.language,
        "time_zone": user.time_zone,
        "roles": sorted(queries.roles_of(user)),
    }


@router.get("/me/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> Any:
    assert isinstance(request.user, User)
    return request.user.api_tokens.order_by("-created_at")


@router.post("/me/tokens", response={201: TokenCreatedOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Create a personal API token. The secret is shown once; send it as ``Authorization: Bearer``."""
    assert isinstance(request.user, User)
    token, secret = services.create_api_token(user=request.user, name=payload.name)
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": None,
            "revoked_at": None,
            "secret": secret,
        },
    )


@router.delete("/me/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: DbId) -> Status[None]:
    assert isinstance(request.user, User)
    services.revoke_api_token(user=request.user, token_id=token_id)
    return Status(204, None)
