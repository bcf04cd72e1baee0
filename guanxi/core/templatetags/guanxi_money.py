"""{{ amount|cny }}: an amount as core.money.format_cny writes it (¥1,234.50), the same on every page and card."""

from __future__ import annotations

from typing import Any

from django import template

from guanxi.core.money import format_cny

register = template.Library()


@register.filter
def cny(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return format_cny(value)
