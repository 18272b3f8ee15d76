"""Reads about imported flows; administrators only (anyone else gets NotFound)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from baton.core.errors import NotFound
from baton.workflows import policies
from baton.workflows.models import FlowDraft


def drafts_for(target: policies.FlowTarget) -> QuerySet[FlowDraft]:
    return FlowDraft.objects.filter(key=target.key).select_related("created_by", "deployed_version")


def get_draft_for(user: Any, key: str, draft_id: int) -> tuple[policies.FlowTarget, FlowDraft]:
    target = policies.get_flow_for(user, key)
    draft = drafts_for(target).filter(pk=draft_id).first() if 0 < draft_id < 2**31 else None
    if draft is None:
        raise NotFound("No such imported file.")
    return target, draft
