"""Quote arithmetic (Decimal, half-up to the cent, no cent lost) and amounts in Chinese capitals (大写金额)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanxi.commerce.money import (
    LineInput,
    amount_in_chinese_capitals,
    discount_label,
    line_compute,
    quote_compute,
)

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999.99"), places=2)
quantity = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2)
rate = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1"), places=4)
tax = st.sampled_from([Decimal("0"), Decimal("0.03"), Decimal("0.06"), Decimal("0.09"), Decimal("0.13")])
line = st.builds(LineInput, quantity=quantity, list_price=money, discount=rate, tax_rate=tax)


@given(lines=st.lists(line, min_size=1, max_size=12), overall=rate)
def test_line_totals_add_up_to_the_quote_total(lines: list[LineInput], overall: Decimal) -> None:
    totals = quote_compute(lines, overall)
    # no cent lost: the quote is exactly the sum of its lines, and each line is amount + tax
    assert totals.total == sum(r.total for r in totals.lines)
    assert totals.total == totals.subtotal + totals.tax_total
    for r in totals.lines:
        assert r.total == r.amount + r.tax
        assert r.amount == r.amount.quantize(Decimal("0.01"))
        assert r.tax == r.tax.quantize(Decimal("0.01"))
    # discounts never raise the price; the lowest discount is the lowest line × overall (never rounded up)
    assert totals.subtotal <= totals.list_total
    exact = min(ln.discount * overall for ln in lines)
    assert totals.min_discount_rate <= exact < totals.min_discount_rate + Decimal("0.0001")


@given(line=line)
def test_line_rounds_half_up_to_the_cent(line: LineInput) -> None:
    r = line_compute(line)
    assert r.unit_price == (line.list_price * line.discount).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert abs(r.amount - line.quantity * r.unit_price) <= Decimal("0.005")


def test_half_a_cent_rounds_up() -> None:
    # 0.125 元 per unit at list price: half a cent rounds up, not to even
    r = line_compute(LineInput(Decimal("1"), Decimal("0.25"), Decimal("0.5"), Decimal("0")))
    assert r.unit_price == Decimal("0.13")
    assert line_compute(LineInput(Decimal("1"), Decimal("100.05"), Decimal("1"), Decimal("0.05"))).tax == Decimal(
        "5.00"
    )


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100", "壹佰元整"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("0.5", "伍角"),
        ("0.07", "柒分"),
        ("0", "零元整"),
        ("10", "壹拾元整"),
        ("110", "壹佰壹拾元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10.05", "壹拾元零伍分"),
        ("100000", "壹拾万元整"),
        ("200000.01", "贰拾万元零壹分"),
        ("1000000", "壹佰万元整"),
        ("10001", "壹万零壹元整"),
        ("20300405.6", "贰仟零叁拾万零肆佰零伍元陆角"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("1000000000000", "壹万亿元整"),
        ("0.125", "壹角叁分"),
        ("-12.3", "负壹拾贰元叁角"),
    ],
)
def test_capitals_on_hand_checked_examples(amount: str, text: str) -> None:
    assert amount_in_chinese_capitals(Decimal(amount)) == text


DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _parse_section(text: str) -> int:
    total, digit = 0, 0
    for ch in text:
        if ch in DIGIT:
            digit = DIGIT[ch]
        elif ch in SMALL:
            total += digit * SMALL[ch]
            digit = 0
    return total + digit


def _parse_integer(text: str) -> int:
    if "亿" in text:
        high, _sep, low = text.partition("亿")
        return _parse_integer(high) * 10**8 + _parse_integer(low)
    if "万" in text:
        high, _sep, low = text.partition("万")
        return _parse_section(high) * 10**4 + _parse_section(low)
    return _parse_section(text)


def parse_capitals(text: str) -> Decimal:
    """Read a 大写金额 back into a number (the inverse the property test checks against)."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    yuan_text, _sep, rest = text.rpartition("元") if "元" in text else ("", "", text)
    cents = 0
    if "角" in rest:
        jiao, _s, rest = rest.partition("角")
        cents += DIGIT[jiao[-1]] * 10
    if "分" in rest:
        cents += DIGIT[rest.replace("分", "")[-1]]
    return sign * (Decimal(_parse_integer(yuan_text)) + Decimal(cents) / 100)


@given(st.decimals(min_value=Decimal("-99999999999999.99"), max_value=Decimal("99999999999999.99"), places=2))
def test_capitals_round_trip(amount: Decimal) -> None:
    text = amount_in_chinese_capitals(amount)
    assert parse_capitals(text) == amount
    # structure: whole yuan end in 整, never two 零 in a row, never 零 before 元/万/亿 or at the end
    assert "零零" not in text
    assert amount == 0 or not any(f"零{u}" in text for u in "元万亿")
    assert not text.endswith("零")
    if amount == amount.to_integral_value():
        assert text.endswith("元整")


@pytest.mark.parametrize(("rate", "label"), [("0.48", "4.8折"), ("0.5", "5折"), ("0.45", "4.5折"), ("1", "10折")])
def test_discount_labels(rate: str, label: str) -> None:
    assert discount_label(Decimal(rate)) == label
