"""Flow pages: the list of flows per ticket type, one flow's versions, XML downloads."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from baton.workflows import policies
from baton.workflows.forms import flow_template, flow_templates
from baton.workflows.importing.queries import drafts_for

from .common import designer_only


@designer_only
@require_GET
def flow_list(request: HttpRequest) -> HttpResponse:
    targets = policies.flow_targets(request.user)
    default = next((t for t in targets if t.key == "repair"), None)
    return render(
        request,
        "workflows/list.html",
        {"targets": targets, "default_flow": default, "templates": flow_templates()},
    )


@designer_only
@require_GET
def flow_detail(request: HttpRequest, key: str) -> HttpResponse:
    target = policies.get_flow_for(request.user, key)
    if target.key != key:
        return redirect("flow-detail", key=target.key)
    versions = list(policies.flow_versions(target))
    return render(
        request,
        "workflows/detail.html",
        {
            "target": target,
            "versions": versions,
            "templates": flow_templates(),
            "drafts": list(drafts_for(target)),
        },
    )


def _xml_response(xml: str, filename: str) -> HttpResponse:
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@designer_only
@require_GET
def flow_version_xml(request: HttpRequest, key: str, number: int) -> HttpResponse:
    target, version = policies.get_version_for(request.user, key, number)
    return _xml_response(version.bpmn_xml, f"{target.key}-v{version.number}.bpmn")


@designer_only
@require_GET
def flow_template_xml(request: HttpRequest, template_id: str) -> HttpResponse:
    template = flow_template(template_id)
    if template is None:
        raise Http404("No such template.")
    return _xml_response(template.xml(), f"{template.id}.bpmn")
