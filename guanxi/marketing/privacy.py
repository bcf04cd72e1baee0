"""Registrants' mobile numbers and e-mail addresses are personal data (个人信息): shown in full only to the event's
owner and to holders of `marketing.view_personal` (the marketing role by default; administrators); everyone else
who may read registrations sees them masked — 138****5678, z***@yunqi.example — in the registration list, its
export and the API, and cannot find registrants by searching for a number or an address."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from guanxi.org.policies import has_permission

PERMISSION = "marketing.view_personal"


def mask_mobile(number: str) -> str:
    """The first three and last four digits: 13812345678 → 138****5678 (shorter numbers keep only the last two)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        return ""
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def mask_email(address: str) -> str:
    """The first letter of the local part and the domain: zhoujie@yunqi.example → z***@yunqi.example."""
    local, at, domain = address.partition("@")
    if not at:
        return "***" if address else ""
    return f"{local[:1]}***@{domain}"


def sees_all_personal(user: Any) -> bool:
    return has_permission(user, PERMISSION)


def with_personal_visible(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Registrations annotated with `personal_visible`: the reader holds the permission or owns the event."""
    if sees_all_personal(user):
        return qs.annotate(personal_visible=Value(True, output_field=BooleanField()))
    owned = ExpressionWrapper(Q(event__owner_id=user.pk), output_field=BooleanField())
    return qs.annotate(personal_visible=owned)


def shown_mobile(registration: Any) -> str:
    """The number as this reader may see it (masked unless the row was annotated as visible)."""
    return registration.mobile if getattr(registration, "personal_visible", False) else mask_mobile(registration.mobile)


def shown_email(registration: Any) -> str:
    return registration.email if getattr(registration, "personal_visible", False) else mask_email(registration.email)


def mark_visibility(registration: Any, user: Any) -> Any:
    """One registration (not from an annotated query): mark what the reader may see."""
    owner_id = getattr(registration.event, "owner_id", None)
    registration.personal_visible = sees_all_personal(user) or (owner_id is not None and owner_id == user.pk)
    return registration
