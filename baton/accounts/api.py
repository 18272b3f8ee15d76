"""The signed-in user, their API tokens, and people to pick (technicians, collaborators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from baton.core import clock
from baton.core.errors import ValidationFailed
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


class AwayIn(Schema):
    model_config = ConfigDict(extra="forbid")
    starts_at: datetime
    ends_at: datetime
    delegate_id: DbId
    note: str = Field(default="", max_length=200)


class AwayOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    delegate: PersonOut
    note: str


def _away_out(row: Any) -> dict[str, Any]:
    delegate = row.delegate
    return {
        "id": row.pk,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "delegate": {
            "id": delegate.pk,
            "name": delegate.display_name,
            "department_id": delegate.department_id,
        },
        "note": row.note,
    }


@router.get("/me/away", response=list[AwayOut])
def list_away(request: HttpRequest) -> list[dict[str, Any]]:
    """Your current and coming away periods (delegation while away)."""
    assert isinstance(request.user, User)
    return [_away_out(row) for row in queries.away_periods(request.user, clock.now())]


@router.post("/me/away", response={201: AwayOut})
def set_away(request: HttpRequest, payload: AwayIn) -> Status[dict[str, Any]]:
    """Away from … to …: steps assigned to you meanwhile go to the delegate ("on behalf of" you)."""
    assert isinstance(request.user, User)
    delegate = User.objects.filter(pk=payload.delegate_id).first()
    if delegate is None:
        raise ValidationFailed("No such user.", fields={"delegate_id": ["not found"]})
    row = services.set_away(
        user=request.user,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        delegate=delegate,
        note=payload.note,
    )
    return Status(201, _away_out(row))


@router.delete("/me/away/{away_id}", response={204: None})
def cancel_away(request: HttpRequest, away_id: DbId) -> Status[None]:
    assert isinstance(request.user, User)
    services.cancel_away(user=request.user, delegation_id=away_id)
    return Status(204, None)
