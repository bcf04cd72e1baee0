"""Money: half-up cent rounding, the amount limit against the field size, 大写金额 (hypothesis) and ¥ formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from guanxi.core.money import AMOUNT_DIGITS, AMOUNT_MAX, MONEY, amount_in_chinese_capitals, format_cny, to_cent


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6))
def test_to_cent_rounds_half_up_and_stays_within_half_a_cent(value: Decimal) -> None:
    rounded = to_cent(value)
    assert rounded == rounded.quantize(Decimal("0.01"))
    assert abs(rounded - value) <= Decimal("0.005")
    # half a cent goes away from zero, never to even
    if abs(value - rounded) == Decimal("0.005"):
        assert abs(rounded) > abs(value)
    assert to_cent(-value) == -rounded
    assert rounded == value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("value", "cent"), [("0.125", "0.13"), ("0.135", "0.14"), ("-0.125", "-0.13"), ("2.5", "2.50")]
)
def test_to_cent_worked_examples(value: str, cent: str) -> None:
    assert to_cent(Decimal(value)) == Decimal(cent)


def test_a_hundred_amounts_at_the_limit_fit_a_money_field() -> None:
    # the largest amount a person may enter, a hundred times over, still fits the money field's integer digits
    largest = AMOUNT_MAX - Decimal("0.01")
    integer_digits = MONEY["max_digits"] - MONEY["decimal_places"]
    assert len(str(int(largest * 100))) <= integer_digits
    assert len(largest.as_tuple().digits) == AMOUNT_DIGITS


def test_cny_reads_with_grouping_and_two_places() -> None:
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert format_cny(Decimal("1234.5")) == "¥1,234.50"
            assert format_cny(Decimal("0.125")) == "¥0.13"
            assert format_cny(Decimal("-300000")) == "-¥300,000.00"


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
