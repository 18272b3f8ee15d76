"""Writes about imported flows: import a file as a draft, save edits, deploy, delete."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from baton.core import clock
from baton.core.errors import ValidationFailed
from baton.workflows import engine, policies
from baton.workflows import services as flows
from baton.workflows.engine.safexml import parse_xml
from baton.workflows.forms import by_element
from baton.workflows.models import FlowDraft, FlowVersion

from . import vendors
from .preserve import merge_preserved
from .reading import read_bpmn

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_filename(name: str | None) -> str:
    base = _UNSAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:255] or "flow.bpmn"


@transaction.atomic
def import_draft(*, target: policies.FlowTarget, filename: str | None, data: bytes, actor: Any) -> FlowDraft:
    """Store an uploaded BPMN file unchanged as a draft of ``target``'s flow (4xx if refused)."""
    imported = read_bpmn(data)
    now = clock.now()
    return FlowDraft.objects.create(
        key=target.key,
        filename=clean_filename(filename),
        tool=vendors.tool_of(imported.root)[:100],
        original_xml=imported.text,
        bpmn_xml=imported.text,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )


def _merged(draft: FlowDraft, edited: bytes) -> str:
    """The edited file (checked like an upload) with the original's vendor data put back."""
    checked = read_bpmn(edited)
    original = parse_xml(draft.original_xml.lstrip("\ufeff"), "BPMN")
    merged = merge_preserved(original, checked.root).decode("utf-8")
    read_bpmn(merged.encode("utf-8"))  # the merge must leave a file that still passes every check
    return merged


@transaction.atomic
def save_draft(*, draft: FlowDraft, xml: bytes, actor: Any) -> FlowDraft:
    """Replace the draft with Baton's edit of it, keeping the original's vendor data."""
    del actor  # drafts have no history of their own; the version records who deployed
    draft.bpmn_xml = _merged(draft, xml)
    draft.updated_at = clock.now()
    draft.save(update_fields=["bpmn_xml", "updated_at"])
    return draft


@transaction.atomic
def deploy_draft(
    *, target: policies.FlowTarget, draft: FlowDraft, actor: Any, xml: bytes | None = None
) -> FlowVersion:
    """Deploy the draft (or an edit of it) as the flow's new version; 422 lists what must change."""
    text = _merged(draft, xml) if xml is not None else draft.bpmn_xml
    try:
        engine.compile_flow(text.lstrip("\ufeff"))
    except engine.FlowValidationError as exc:
        raise ValidationFailed(
            "The flow has problems; fix them and deploy again.", fields=by_element(exc.problems)
        ) from None
    version = flows.deploy_flow(
        key=target.key,
        name=target.name,
        bpmn_xml=text.lstrip("\ufeff"),
        ticket_type=target.ticket_type,
        actor=actor,
    )
    draft.bpmn_xml, draft.deployed_version, draft.updated_at = text, version, clock.now()
    draft.save(update_fields=["bpmn_xml", "deployed_version", "updated_at"])
    return version


@transaction.atomic
def delete_draft(*, draft: FlowDraft) -> None:
    draft.delete()


def export_xml(draft: FlowDraft) -> bytes:
    """The draft as a file: the original bytes when unedited, else the merged edit."""
    return draft.bpmn_xml.encode("utf-8")


__all__ = ["clean_filename", "delete_draft", "deploy_draft", "export_xml", "import_draft", "save_draft"]
