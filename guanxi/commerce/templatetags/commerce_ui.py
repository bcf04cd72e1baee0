"""Small display helpers of the commerce pages: status badges, discounts in 折, amounts in capitals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html

from guanxi.core.money import amount_in_chinese_capitals

from ..money import discount_label

register = template.Library()

COLOURS = {
    "draft": "secondary", "in_approval": "yellow", "approved": "green", "sent": "azure", "accepted": "teal",
    "rejected": "red", "expired": "orange", "superseded": "secondary", "signed": "blue", "in_execution": "indigo",
    "completed": "teal", "terminated": "red", "open": "azure", "partially_shipped": "yellow", "shipped": "green",
    "closed": "secondary", "cancelled": "red",
}  # fmt: skip
ICONS = {
    "draft": "ti-pencil", "in_approval": "ti-hourglass", "approved": "ti-circle-check", "sent": "ti-send",
    "accepted": "ti-thumb-up", "rejected": "ti-thumb-down", "expired": "ti-clock-off", "superseded": "ti-versions",
    "signed": "ti-signature", "in_execution": "ti-player-play", "completed": "ti-flag", "terminated": "ti-ban",
    "open": "ti-truck", "partially_shipped": "ti-truck-loading", "shipped": "ti-truck-delivery",
    "closed": "ti-lock", "cancelled": "ti-ban",
}  # fmt: skip


@register.simple_tag(takes_context=True)
def may_view(context: Any, obj: Any, module: str) -> bool:
    """{% may_view contract.quote "quotes" as quote_visible %}: link a related record only for readers who may
    open it."""
    from ..selectors import record_visible

    request = context.get("request")
    return request is not None and record_visible(user=request.user, obj=obj, module=module)


@register.simple_tag
def status_badge(obj: Any) -> str:
    status = getattr(obj, "status", "")
    icon = ICONS.get(status, "ti-point")
    if obj._meta.model_name == "implementationorder" and status == "open":
        icon = "ti-tool"
    return format_html(
        '<span class="badge bg-{}-lt"><i class="ti {} me-1" aria-hidden="true"></i>{}</span>',
        COLOURS.get(status, "secondary"),
        icon,
        obj.get_status_display(),
    )


@register.filter
def zhe(rate: Decimal | None) -> str:
    """0.48 → 4.8折; no discount (1) → —."""
    if rate is None or rate >= 1:
        return "—"
    return discount_label(rate)


@register.filter
def capitals(amount: Decimal | None) -> str:
    return amount_in_chinese_capitals(amount or Decimal("0"))


@register.filter
def tenths(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return f"{(rate * 10).normalize():f}"


@register.filter
def qty(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"


@register.filter
def pct(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return f"{(rate * 100).normalize():f}%"
