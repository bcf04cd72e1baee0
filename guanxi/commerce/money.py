"""Quote arithmetic, Decimal only, half-up to the cent (guanxi.core.money.to_cent).

A line: unit price = list price × line discount (to the cent); amount = quantity × unit price × overall
discount (to the cent); tax = amount × tax rate (to the cent); total = amount + tax. The quote's subtotal,
tax and total are the sums of its lines, so the lines always add up to the quote total and no cent is lost.
The lowest effective discount (line discount × overall, truncated to 4 places so it never rounds up across an
approval boundary) decides who approves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from guanxi.core.money import to_cent

RATE_PLACES = Decimal("0.0001")
ONE = Decimal("1")


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    list_price: Decimal
    discount: Decimal = ONE
    tax_rate: Decimal = Decimal("0")


@dataclass(frozen=True)
class LineResult:
    unit_price: Decimal
    amount: Decimal
    tax: Decimal
    total: Decimal
    list_amount: Decimal
    effective_discount: Decimal


@dataclass(frozen=True)
class QuoteTotals:
    lines: list[LineResult]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    list_total: Decimal
    min_discount_rate: Decimal


def line_compute(line: LineInput, overall: Decimal = ONE) -> LineResult:
    unit_price = to_cent(line.list_price * line.discount)
    amount = to_cent(line.quantity * unit_price * overall)
    tax = to_cent(amount * line.tax_rate)
    return LineResult(
        unit_price=unit_price,
        amount=amount,
        tax=tax,
        total=amount + tax,
        list_amount=to_cent(line.quantity * line.list_price),
        effective_discount=(line.discount * overall).quantize(RATE_PLACES, rounding=ROUND_DOWN),
    )


def quote_compute(lines: Iterable[LineInput], overall: Decimal = ONE) -> QuoteTotals:
    results = [line_compute(line, overall) for line in lines]
    return QuoteTotals(
        lines=results,
        subtotal=sum((r.amount for r in results), Decimal("0.00")),
        tax_total=sum((r.tax for r in results), Decimal("0.00")),
        total=sum((r.total for r in results), Decimal("0.00")),
        list_total=sum((r.list_amount for r in results), Decimal("0.00")),
        min_discount_rate=min((r.effective_discount for r in results), default=overall.quantize(RATE_PLACES)),
    )


def discount_label(rate: Decimal | None) -> str:
    """0.48 → "4.8折", 0.5 → "5折", 1 → "10折" (no discount)."""
    if rate is None:
        return ""
    tenths = (rate * 10).quantize(Decimal("0.01"), rounding=ROUND_DOWN).normalize()
    return f"{tenths:f}折"
