"""Request hygiene that applies to every URL."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse


class RejectNulBytesMiddleware:
    """Refuse a path or query string with NUL bytes (400): no database stores them as text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query):
            body = {"code": "bad_request", "message": "The address contains a NUL character.", "fields": {}}
            if request.path.startswith("/api/"):
                return JsonResponse(body, status=400)
            return HttpResponse(json.dumps(body), status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
