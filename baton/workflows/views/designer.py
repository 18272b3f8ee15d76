"""The designer page (bpmn-js modeler) and the read-only view of a deployed version."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from baton.workflows import policies
from baton.workflows.decisions.catalog import decision_catalog
from baton.workflows.forms import catalog, flow_template, flow_templates
from baton.workflows.importing.queries import get_draft_for

from .common import designer_only
from .strings import bpmn_strings, designer_strings


def _config(request: HttpRequest, target: policies.FlowTarget, **extra: Any) -> dict[str, Any]:
    return {
        "key": target.key,
        "name": target.name,
        "ticketType": target.ticket_type,
        "flowUrl": reverse("flow-detail", args=[target.key]),
        "validateUrl": reverse("api:flow-validate", args=[target.key]),
        "deployUrl": reverse("api:flow-deploy", args=[target.key]),
        "camundaUrl": static("vendor/camunda-moddle/camunda.json"),
        "csrfToken": get_token(request),
        "catalog": {
            **catalog(),
            "outcomeLabel": str(designer_strings()["outcomeField"]),
            "decisions": decision_catalog(),
        },
        "strings": designer_strings(),
        "bpmnStrings": bpmn_strings(),
        **extra,
    }


@designer_only
@require_GET
def flow_design(request: HttpRequest, key: str) -> HttpResponse:
    """Edit a flow: the newest version, ``?from=<n>`` an older one, or ``?template=<id>``."""
    target = policies.get_flow_for(request.user, key)
    if target.key != key:
        return redirect("flow-design", key=target.key)
    xml, source = "", "blank"
    extra: dict[str, Any] = {}
    if template_id := request.GET.get("template"):
        template = flow_template(template_id)
        if template is None:
            raise Http404("No such template.")
        xml, source = template.xml(), f"template:{template.id}"
    elif (draft_id := request.GET.get("draft", "")).isdigit():
        _, draft = get_draft_for(request.user, target.key, int(draft_id))
        xml, source = draft.bpmn_xml.lstrip("\ufeff"), f"draft:{draft.pk}"
        extra["deployUrl"] = reverse("api:flow-import-deploy", args=[target.key, draft.pk])
    elif (number := request.GET.get("from", "")).isdigit():
        _, version = policies.get_version_for(request.user, key, int(number))
        xml, source = version.bpmn_xml, f"version:{version.number}"
    elif target.latest is not None:
        xml, source = target.latest.bpmn_xml, f"version:{target.latest.number}"
    config = _config(request, target, xml=xml, source=source, readOnly=False, **extra)
    templates = [
        {
            "id": t.id,
            "name": t.name,
            "description": t.description,
            "url": reverse("flow-template-xml", args=[t.id]),
        }
        for t in flow_templates()
    ]
    return render(
        request,
        "workflows/design.html",
        {"target": target, "config": config, "templates": templates, "source": source},
    )


@designer_only
@require_GET
def flow_version(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """A deployed version, read-only: the diagram and each element's settings."""
    target, version = policies.get_version_for(request.user, key, number)
    config = _config(request, target, xml=version.bpmn_xml, source=f"version:{number}", readOnly=True)
    is_latest = target.latest is not None and target.latest.pk == version.pk
    return render(
        request,
        "workflows/version.html",
        {"target": target, "version": version, "config": config, "is_latest": is_latest},
    )
