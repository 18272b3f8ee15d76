"""Importing BPMN files from other modelers: upload, the draft page, download, deploy, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from baton.core.errors import BatonError
from baton.workflows import policies
from baton.workflows.forms import flow_templates
from baton.workflows.importing import queries, services
from baton.workflows.importing.analysis import analyse
from baton.workflows.importing.http import bpmn_response, read_upload

from .common import designer_only
from .designer import _config


def _detail(request: HttpRequest, target: policies.FlowTarget, error: BatonError) -> HttpResponse:
    context = {
        "target": target,
        "versions": list(policies.flow_versions(target)),
        "templates": flow_templates(),
        "drafts": list(queries.drafts_for(target)),
        "import_error": error,
    }
    return render(request, "workflows/detail.html", context, status=error.status)


@designer_only
@require_POST
def flow_import(request: HttpRequest, key: str) -> HttpResponse:
    """Upload a .bpmn file; refused files re-show the flow page with the reason and a 4xx."""
    target = policies.get_flow_for(request.user, key)
    try:
        filename, data = read_upload(request)
        draft = services.import_draft(target=target, filename=filename, data=data, actor=request.user)
    except BatonError as exc:
        return _detail(request, target, exc)
    return redirect("flow-draft", key=target.key, draft_id=draft.pk)


@designer_only
@require_GET
def flow_draft(request: HttpRequest, key: str, draft_id: int) -> HttpResponse:
    """An imported file: its drawing, what must change before it can run, and what is kept."""
    target, draft = queries.get_draft_for(request.user, key, draft_id)
    analysis = analyse(draft.bpmn_xml)
    config = _config(
        request, target, xml=draft.bpmn_xml.lstrip("\ufeff"), source=f"draft:{draft.pk}", readOnly=True
    )
    return render(
        request,
        "workflows/draft.html",
        {"target": target, "draft": draft, "analysis": analysis, "config": config},
    )


@designer_only
@require_GET
def flow_draft_bpmn(request: HttpRequest, key: str, draft_id: int) -> HttpResponse:
    _, draft = queries.get_draft_for(request.user, key, draft_id)
    return bpmn_response(draft)


@designer_only
@require_POST
def flow_draft_deploy(request: HttpRequest, key: str, draft_id: int) -> HttpResponse:
    target, draft = queries.get_draft_for(request.user, key, draft_id)
    try:
        version = services.deploy_draft(target=target, draft=draft, actor=request.user)
    except BatonError as exc:
        messages.error(request, _("Not deployed: %(reason)s") % {"reason": exc.message})
        return redirect("flow-draft", key=target.key, draft_id=draft.pk)
    messages.success(request, _("Deployed as version v%(number)s.") % {"number": version.number})
    return redirect("flow-detail", key=target.key)


@designer_only
@require_POST
def flow_draft_delete(request: HttpRequest, key: str, draft_id: int) -> HttpResponse:
    target, draft = queries.get_draft_for(request.user, key, draft_id)
    services.delete_draft(draft=draft)
    messages.success(request, _("The imported file was deleted."))
    return redirect(reverse("flow-detail", args=[target.key]))
