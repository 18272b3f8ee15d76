"""Domain errors. Services raise these; the API and views turn them into 4xx responses.

Every error has a stable machine ``code``, a human ``message`` and optional per-field errors,
which is the one error format the API returns: ``{"code", "message", "fields"}``.
"""

from __future__ import annotations


class BatonError(Exception):
    """Base class: a request that cannot be carried out; nothing was changed."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(BatonError):
    code = "validation_error"
    status = 422


class NotFound(BatonError):
    """Also what a user gets for an object they may not see: it does not exist for them."""

    code = "not_found"
    status = 404


class Forbidden(BatonError):
    """The user can see the object but may not do this to it."""

    code = "forbidden"
    status = 403


class Conflict(BatonError):
    """The object changed since the client read it, or the action no longer fits its state."""

    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PreconditionFailed(BatonError):
    code = "precondition_failed"
    status = 412
