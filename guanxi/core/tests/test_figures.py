"""One format for a figure by its unit (core/figures.py): a percent reads 80% or 66.7% on every page, never 80.00."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from guanxi.core.figures import format_change, format_figure, format_percent


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal("80.00"), "percent", "80%"),
        (Decimal("66.67"), "percent", "66.7%"),
        (Decimal("0"), "percent", "0%"),
        (Decimal("0.04"), "percent", "0%"),
        (Decimal("1234.5"), "percent", "1,234.5%"),
        (Decimal("2.350"), "ratio", "2.35"),
        (Decimal("4.50"), "ratio", "4.5"),
        (Decimal("3.00"), "ratio", "3"),
        (Decimal("12345"), "count", "12,345"),
        (Decimal("1234.5"), "money", "¥1,234.50"),
        (None, "percent", "—"),
        ("", "count", "—"),
    ],
)
def test_a_figure_reads_by_its_unit(value: object, unit: str, text: str) -> None:
    with translation.override("en"):
        assert format_figure(value, unit) == text


def test_a_change_carries_its_sign() -> None:
    assert [format_change(v) for v in (Decimal("12.5"), Decimal("-3.0"), 0, None)] == ["+12.5%", "-3%", "0%", "—"]


def test_the_template_filters_are_the_helpers() -> None:
    template = Template("{% load guanxi_money %}{{ a|figure:'percent' }} {{ b|percent }} {{ c|change }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"a": Decimal("80.00"), "b": 50, "c": Decimal("-2.5")})) == "80% 50% -2.5%"


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False))
def test_a_percent_has_at_most_one_decimal(value: Decimal) -> None:
    text = format_percent(value)
    assert text.endswith("%")
    number = text[:-1].replace(",", "")
    assert "." not in number or len(number.split(".")[1]) == 1
    assert abs(Decimal(number) - value) <= Decimal("0.05")
