"""Domain errors. Every failure a user can cause is an ApplicationError with a stable code.

One handler (API) and one helper (views) render them; the API envelope is
`{"error": {"code", "message", "fields"}}` as DESIGN.md fixes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    PRECONDITION_FAILED = "precondition_failed"
    PRECONDITION_REQUIRED = "precondition_required"
    INVALID_STATE = "invalid_state"
    THROTTLED = "throttled"


class ApplicationError(Exception):
    """Base of every domain error. `fields` maps a field name to a list of messages."""

    code: str = ErrorCode.VALIDATION
    http_status: int = 400

    def __init__(self, message: Any, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.fields = fields or {}

    def as_envelope(self) -> dict[str, Any]:
        return {"error": {"code": str(self.code), "message": self.message, "fields": self.fields}}


class ValidationFailed(ApplicationError):
    code = ErrorCode.VALIDATION
    http_status = 400


class PermissionDeniedError(ApplicationError):
    code = ErrorCode.PERMISSION_DENIED
    http_status = 403


class NotFoundError(ApplicationError):
    code = ErrorCode.NOT_FOUND
    http_status = 404


class ConflictError(ApplicationError):
    code = ErrorCode.CONFLICT
    http_status = 409


class InvalidStateError(ApplicationError):
    code = ErrorCode.INVALID_STATE
    http_status = 409


class PreconditionFailedError(ApplicationError):
    """The client's If-Match version is stale: someone else saved the record meanwhile."""

    code = ErrorCode.PRECONDITION_FAILED
    http_status = 412


def validation_error_fields(exc: Any) -> dict[str, list[str]]:
    """Turn a Django ValidationError into {field: [messages]} (non-field errors under "__all__")."""
    if hasattr(exc, "message_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in getattr(exc, "messages", [str(exc)])]}


class ThrottledError(ApplicationError):
    """Too many requests, or the same request again too soon (HTTP 429)."""

    code = ErrorCode.THROTTLED
    http_status = 429
