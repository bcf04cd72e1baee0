"""Amounts on pages, one format everywhere (core.money.format_money): {{ amount|cny }} → ¥1,234.50, {{ amount|money:
currency }} for an amount that carries its currency (US$99.00), {{ value|cny_or_count:is_amount }} for a figure that
is an amount or a count (a sales target). Columns of amounts are right-aligned (text-end). Exports write the plain
number, never this text. tests/test_money_format.py keeps the old "1,234.00 元" form out of the templates."""

from __future__ import annotations

from typing import Any

from django import template

from guanxi.core.money import format_cny, format_money

register = template.Library()


@register.filter
def cny(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return format_cny(value)


@register.filter
def money(value: Any, currency: str = "CNY") -> str:
    if value is None or value == "":
        return "—"
    return format_money(value, currency or "CNY")


@register.filter
def cny_or_count(value: Any, is_amount: bool) -> str:
    """A target's figure: an amount in yuan, or a count (deals, customers) as a grouped whole number."""
    if value is None or value == "":
        return "—"
    if is_amount:
        return format_cny(value)
    from django.utils.formats import number_format

    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
