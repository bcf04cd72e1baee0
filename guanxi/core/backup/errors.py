"""The one error a backup or a restore raises: what went wrong, said so an administrator can act on it."""

from __future__ import annotations

from ..errors import ApplicationError, ErrorCode


class BackupError(ApplicationError):
    code = ErrorCode.INVALID_STATE
    http_status = 409
