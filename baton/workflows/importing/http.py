"""Reading an upload from a request and sending a draft back as a file (shared by API and pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from baton.core.errors import ValidationFailed

from . import services
from .reading import MAX_IMPORT_BYTES, too_large

MULTIPART_SLACK = 64 * 1024


def has_upload(request: HttpRequest) -> bool:
    """Whether the request carries a file (a ``file`` part, or a non-empty XML body)."""
    length = _length(request)
    if length > MAX_IMPORT_BYTES:
        return True  # read_upload refuses it before reading
    if (request.content_type or "").startswith("multipart/"):
        return "file" in request.FILES
    return length > 0


def _length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def read_upload(request: HttpRequest) -> tuple[str | None, bytes]:
    """The uploaded file's name and bytes; 413 before reading a body that is too large."""
    length = _length(request)
    if length > MAX_IMPORT_BYTES + MULTIPART_SLACK:
        raise too_large()
    if (request.content_type or "").startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("Choose a BPMN file to upload.", fields={"file": ["required"]})
        if (upload.size or 0) > MAX_IMPORT_BYTES:
            raise too_large()
        return upload.name, upload.read()
    if length > MAX_IMPORT_BYTES:
        raise too_large()
    return request.GET.get("filename"), request.body


def bpmn_response(draft: Any) -> HttpResponse:
    response = HttpResponse(services.export_xml(draft), content_type="application/xml; charset=utf-8")
    stem = draft.filename.rsplit(".", 1)[0] if "." in draft.filename else draft.filename
    response["Content-Disposition"] = f'attachment; filename="{stem.replace(chr(34), "_")}.bpmn"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
