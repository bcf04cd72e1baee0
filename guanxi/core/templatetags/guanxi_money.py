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


@register.filter
def figure(value: Any, unit: str = "count") -> str:
    """A metric's figure by its unit (core.figures.format_figure): ¥1,234.50, 80%, 2.35, 1,234."""
    from guanxi.core.figures import format_figure

    return format_figure(value, unit)


@register.filter
def percent(value: Any) -> str:
    """A share out of a hundred, to a tenth at most (core.figures.format_percent): 80%, 66.7%, "—" for None."""
    from guanxi.core.figures import format_percent

    return format_percent(value)


@register.filter
def percent_of_one(value: Any) -> str:
    """A share given as a fraction of one (0.75) as a percent (core.figures.format_fraction): 75%."""
    from guanxi.core.figures import format_fraction

    return format_fraction(value)


@register.filter
def change(value: Any) -> str:
    """A change against an earlier period in percent with its sign (core.figures.format_change): +12.5%."""
    from guanxi.core.figures import format_change

    return format_change(value)
