"""What the lead services share: field lists, allowed states, small input checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError, ErrorCode, ValidationFailed

from ..models import Lead

LEAD_FIELDS = {
    "company_name",
    "person_name",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "source",
    "province",
    "city",
    "industry",
    "size",
    "need",
}
# Where each action is allowed to start from.
SCREENABLE = (Lead.Status.NEW, Lead.Status.VALID, Lead.Status.INVALID)
ASSIGNABLE = (Lead.Status.NEW, Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
LOSABLE = (Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
CONVERTIBLE = (Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
REASON_MAX = 300
NEED_MAX = 5000


class ThrottledError(ApplicationError):
    """Too many requests from one client (HTTP 429)."""

    code = ErrorCode.THROTTLED
    http_status = 429


def _pick(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    return dict(data)


def _required(field: str, message: str | None = None) -> ValidationFailed:
    msg = message or _("This field is required.")
    return ValidationFailed(msg, fields={field: [msg]})


def _clean_reason(reason: str | None, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise _required(field, _("Give a reason."))
    if len(reason) > REASON_MAX:
        msg = _("Ensure this value has at most %(max)s characters.") % {"max": REASON_MAX}
        raise ValidationFailed(msg, fields={field: [msg]})
    return reason


def _clean_ids(values: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
        if not 0 < number < 2**63:
            raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
        ids.append(number)
    return list(dict.fromkeys(ids))
