"""The automation API: rules (list, create, update, enable, dry run, run log) and dispatch settings.

Administrators only: anyone else gets 403 and nothing changes. Mounted by ``baton/config/api.py``;
errors are the API's one format ``{code, message, fields}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from baton.accounts.models import User
from baton.core.errors import NotFound
from baton.core.types import DbId
from baton.tickets import policies as ticket_policies
from baton.tickets.models import Ticket

from . import catalog, policies, queries, runner, services
from .models import DispatchSetting, Rule, RuleRun

router = Router(tags=["automation"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class RuleIn(StrictIn):
    name: str | None = None
    enabled: bool | None = None
    order: int | None = None
    trigger: str | None = None
    trigger_field: str | None = None
    trigger_step: str | None = None
    every_minutes: int | None = None
    condition: str | None = None
    actions: list[dict[str, Any]] | None = None


class RuleOut(Schema):
    id: int
    name: str
    enabled: bool
    order: int
    trigger: str
    trigger_field: str
    trigger_step: str
    every_minutes: int | None
    condition: str
    actions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class DryRunIn(StrictIn):
    ticket: str = Field(min_length=1, max_length=64, description="ticket number (WO-…) or id")


class DraftDryRunIn(DryRunIn):
    rule: RuleIn


class ActionResult(Schema):
    type: str
    result: str


class DryRunOut(Schema):
    ticket: str
    matches: bool
    error: str
    actions: list[ActionResult]


class RunOut(Schema):
    id: int
    ticket_id: int | None
    ticket_number: str
    event: str
    status: str
    results: list[dict[str, Any]]
    error: str
    created_at: datetime


class SettingIn(StrictIn):
    strategy: str
    enabled: bool = True


class SettingOut(Schema):
    department_id: int
    department: str
    strategy: str
    enabled: bool


def _admin(request: HttpRequest) -> User:
    policies.require_admin(request.user)
    assert isinstance(request.user, User)
    return request.user


def _data(payload: RuleIn) -> dict[str, Any]:
    return payload.dict(exclude_unset=True)


def _ticket(user: User, ref: str) -> Ticket:
    ref = ref.strip()
    if ref.isdigit():
        return ticket_policies.get_ticket_for(user, int(ref))
    return ticket_policies.get_ticket_by_number_for(user, ref)


def _dry(rule: Rule, ticket: Ticket) -> dict[str, Any]:
    return {"ticket": ticket.number, **runner.dry_run(rule, ticket)}


@router.get("/automation/catalog", response={200: dict[str, Any], **ERRORS})
def get_catalog(request: HttpRequest) -> dict[str, Any]:
    """What rules can test (condition fields and operators), trigger on and do."""
    _admin(request)
    return catalog.catalog()


@router.get("/automation/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request: HttpRequest) -> list[Rule]:
    """Every rule in the order they run."""
    _admin(request)
    return list(queries.rules())


@router.post("/automation/rules", response={201: RuleOut, **ERRORS}, url_name="automation-rules")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[Rule]:
    """Create a rule (disabled unless ``enabled: true``). Bad CEL, fields or actions: 422, nothing saved."""
    return Status(201, services.create_rule(actor=_admin(request), data=_data(payload)))


@router.get("/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def get_rule(request: HttpRequest, rule_id: DbId) -> Rule:
    _admin(request)
    return queries.get_rule(rule_id)


@router.patch("/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request: HttpRequest, rule_id: DbId, payload: RuleIn) -> Rule:
    """Change some of a rule's settings; the whole rule is validated again."""
    actor = _admin(request)
    return services.update_rule(actor=actor, rule=queries.get_rule(rule_id), data=_data(payload))


@router.post("/automation/rules/{rule_id}/enable", response={200: RuleOut, **ERRORS})
def enable_rule(request: HttpRequest, rule_id: DbId) -> Rule:
    actor = _admin(request)
    return services.set_rule_enabled(actor=actor, rule=queries.get_rule(rule_id), enabled=True)


@router.post("/automation/rules/{rule_id}/disable", response={200: RuleOut, **ERRORS})
def disable_rule(request: HttpRequest, rule_id: DbId) -> Rule:
    actor = _admin(request)
    return services.set_rule_enabled(actor=actor, rule=queries.get_rule(rule_id), enabled=False)


@router.delete("/automation/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, rule_id: DbId) -> Status[None]:
    actor = _admin(request)
    services.delete_rule(actor=actor, rule=queries.get_rule(rule_id))
    return Status(204, None)


@router.post("/automation/rules/{rule_id}/dry-run", response={200: DryRunOut, **ERRORS})
def dry_run_rule(request: HttpRequest, rule_id: DbId, payload: DryRunIn) -> dict[str, Any]:
    """Would the saved rule match this ticket, and what would it do? Changes nothing."""
    actor = _admin(request)
    return _dry(queries.get_rule(rule_id), _ticket(actor, payload.ticket))


@router.post("/automation/dry-run", response={200: DryRunOut, **ERRORS})
def dry_run_draft(request: HttpRequest, payload: DraftDryRunIn) -> dict[str, Any]:
    """Try a rule that is not saved yet (as the rule page edits it) against a ticket. Changes nothing."""
    actor = _admin(request)
    draft = services.draft_rule(actor=actor, data=payload.rule.dict(exclude_unset=True))
    return _dry(draft, _ticket(actor, payload.ticket))


def _run(run: RuleRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "ticket_id": run.ticket_id,
        "ticket_number": run.ticket.number if run.ticket else "",
        "event": run.event,
        "status": run.status,
        "results": run.results,
        "error": run.error,
        "created_at": run.created_at,
    }


@router.get("/automation/rules/{rule_id}/runs", response={200: list[RunOut], **ERRORS})
def rule_runs(request: HttpRequest, rule_id: DbId) -> list[dict[str, Any]]:
    """The rule's latest 50 firings (and failures), newest first."""
    _admin(request)
    return [_run(run) for run in queries.runs_of(queries.get_rule(rule_id))]


def _setting(setting: DispatchSetting) -> dict[str, Any]:
    return {
        "department_id": setting.department_id,
        "department": setting.department.name,
        "strategy": setting.strategy,
        "enabled": setting.enabled,
    }


@router.get("/automation/dispatch-settings", response={200: list[SettingOut], **ERRORS})
def list_settings(request: HttpRequest) -> list[dict[str, Any]]:
    """Which departments dispatch automatically, and how."""
    _admin(request)
    return [_setting(s) for s in queries.dispatch_settings()]


@router.put("/automation/dispatch-settings/{department_id}", response={200: SettingOut, **ERRORS})
def put_setting(request: HttpRequest, department_id: DbId, payload: SettingIn) -> dict[str, Any]:
    actor = _admin(request)
    setting = services.save_dispatch_setting(
        actor=actor, department_id=department_id, strategy=payload.strategy, enabled=payload.enabled
    )
    return _setting(setting)


@router.delete("/automation/dispatch-settings/{department_id}", response={204: None, **ERRORS})
def delete_setting(request: HttpRequest, department_id: DbId) -> Status[None]:
    actor = _admin(request)
    if not services.remove_dispatch_setting(actor=actor, department_id=department_id):
        raise NotFound("That department has no dispatch setting.")
    return Status(204, None)
