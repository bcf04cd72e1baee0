"""How a business figure reads, one format everywhere (the analytics pages, dashboard widgets, the league, the
monthly report): by the metric's unit (core.registry.Metric.unit).

- "money": ¥1,234.50 (core.money.format_cny);
- "percent": a share out of a hundred, to a tenth at most, no trailing zero: 80%, 66.7%, 0%;
- "ratio": a plain figure that is not a share (follow-ups per customer, an average score), two decimals at most:
  2.35, 4.5, 3;
- "count" (and anything else): a grouped whole number: 1,234.

`{{ value|figure:unit }}`, `{{ value|percent }}` and `{{ fraction|percent_of_one }}` (a share given as a fraction of
one: 0.75 → 75%) in templatetags/guanxi_money.py call these. A change against the
previous period is a percent with its sign: `format_change` (+12.5%, -3%, 0%). Exports write the plain number."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format

from .money import format_cny

EMPTY = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _trimmed(value: Decimal, places: int) -> str:
    """The number to `places` decimals (half-up), trailing zeros dropped, grouped as the reader's language groups."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    exponent = rounded.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if rounded == 0:
        rounded, decimals = Decimal(0), 0
    return number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_percent(value: Any) -> str:
    """80%, 66.7%, 0%; "—" when there is no figure (no base to divide by)."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    return f"{_trimmed(number, 1)}%"


def format_fraction(value: Any) -> str:
    """A share given as a fraction of one (a win rate of 0.75, an ROI of -0.2) as a percent: 75%, -20%."""
    number = _decimal(value)
    return EMPTY if number is None else format_percent(number * 100)


def format_change(value: Any) -> str:
    """A change in percent with its sign: +12.5%, -3%, 0%."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    text = format_percent(number)
    return f"+{text}" if number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) > 0 else text


def format_figure(value: Any, unit: str) -> str:
    """A metric's figure by its unit (see the module's docstring)."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    if unit == "money":
        return format_cny(number)
    if unit == "percent":
        return format_percent(number)
    if unit == "ratio":
        return _trimmed(number, 2)
    return _trimmed(number, 0)
