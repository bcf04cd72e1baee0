"""Money, the one place for it: the field's size, cent rounding, the amount limit, 大写金额 and how CNY reads.

Decimal only, never float; rounding is half-up to the cent everywhere (the way Chinese invoices round, not to even).
The apps keep their own arithmetic (quote lines in commerce, instalments and allocation in billing) and build it
on these.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.formats import number_format

# The kwargs of every money DecimalField (`models.DecimalField(_("amount"), **MONEY)`): a dict rather than a field
# class, so the migrations keep seeing a plain DecimalField.
MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}
# The kwargs of a rate (tax rate 0.1300, discount 0.4800): four places, as the approval thresholds are written.
RATE: dict[str, Any] = {"max_digits": 6, "decimal_places": 4}

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The largest amount a person may enter (exclusive): below a trillion yuan (万亿), i.e. at most 12 integer digits.
# A money field holds 14 integer digits (MONEY: 16 digits, 2 after the point), so the sum of up to a hundred such
# amounts (the lines of a quote, the instalments of a plan, a month of payments) still fits; 1e13 would leave room
# for only ten. It is also what an opportunity amount (max_digits=14) can store.
AMOUNT_MAX = Decimal("1e12")
# Digits of an entered amount in an API schema (12 before the point, 2 after).
AMOUNT_DIGITS = 14


def to_cent(value: Decimal | int | str) -> Decimal:
    """Round half-up to the cent: 0.125 → 0.13, -0.125 → -0.13."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_cny(value: Decimal | int | str) -> str:
    """¥1,234.50: how an amount in yuan reads on every page, card, message and explanation (rounded to the cent,
    grouped as the reader's language groups)."""
    return format_money(value, "CNY")


# How an amount in another currency starts; any other code is written before the figure ("JPY 1,000.00").
CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "US$", "EUR": "€", "HKD": "HK$", "GBP": "£"}


def format_money(value: Decimal | int | str, currency: str = "CNY") -> str:
    """An amount with its currency's symbol (¥1,234.50, US$99.00) or code (JPY 1,000.00); a negative one reads
    -¥12.00."""
    cents = to_cent(value)
    code = (currency or "CNY").upper()
    prefix = CURRENCY_SYMBOLS.get(code, f"{code} ")
    figure = number_format(abs(cents), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{'-' if cents < 0 else ''}{prefix}{figure}"


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
