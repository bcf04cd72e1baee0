"""Quote arithmetic and amounts in Chinese capital numerals (大写金额). Decimal only, half-up to the cent.

A line: unit price = list price × line discount (to the cent); amount = quantity × unit price × overall
discount (to the cent); tax = amount × tax rate (to the cent); total = amount + tax. The quote's subtotal,
tax and total are the sums of its lines, so the lines always add up to the quote total and no cent is lost.
The lowest effective discount (line discount × overall, truncated to 4 places so it never rounds up across an
approval boundary) decides who approves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ONE = Decimal("1")


def to_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


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


# --- 大写金额 ------------------------------------------------------------------------------------
DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")


def _four(n: int) -> str:
    """1..9999 in capitals, with one 零 for each run of inner zeros and none at the end."""
    out: list[str] = []
    zero = False
    for power in (3, 2, 1, 0):
        digit = (n // 10**power) % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + _SMALL_UNITS[power])
    return "".join(out)


def _integer(n: int) -> str:
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        text = _integer(high) + "亿"
        if low:
            text += ("零" if low < 10**7 else "") + _integer(low)
        return text
    if n >= 10**4:
        high, low = divmod(n, 10**4)
        text = _four(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _four(low)
        return text
    return _four(n)


def amount_in_chinese_capitals(amount: Decimal) -> str:
    """An amount in yuan as written on Chinese invoices and contracts (大写金额), rounded half-up to the cent.

    1234.56 → 壹仟贰佰叁拾肆元伍角陆分, 100 → 壹佰元整, 1005.07 → 壹仟零伍元零柒分, 0.5 → 伍角, 0 → 零元整.
    """
    cents = int(to_cent(Decimal(amount)) * 100)
    sign = "负" if cents < 0 else ""
    cents = abs(cents)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    text = _integer(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return sign + text
