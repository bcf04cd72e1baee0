"""Quote arithmetic (Decimal, half-up to the cent, no cent lost) and discount labels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanxi.commerce.money import (
    LineInput,
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


@pytest.mark.parametrize(("rate", "label"), [("0.48", "4.8折"), ("0.5", "5折"), ("0.45", "4.5折"), ("1", "10折")])
def test_discount_labels(rate: str, label: str) -> None:
    assert discount_label(Decimal(rate)) == label
