"""The money arithmetic: splitting, allocation and tax never lose or create a cent (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanxi.billing.money import (
    ageing_bucket,
    allocate_oldest_first,
    split_equal,
    split_percent,
    tax_included,
)
from guanxi.core.money import to_cent

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2)


@given(total=amounts, count=st.integers(min_value=1, max_value=60))
def test_equal_split_adds_up_and_only_the_last_part_differs(total: Decimal, count: int) -> None:
    # when an amount is split into N instalments
    parts = split_equal(total, count)
    # then they add up exactly, all but the last are equal, and every part is in cents
    assert sum(parts) == total
    assert len(parts) == count
    assert len(set(parts[:-1])) <= 1
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)


def test_equal_split_worked_example() -> None:
    # given ¥100.00 in three instalments, then the last takes the remainder cent
    assert split_equal(Decimal("100.00"), 3) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    # and half a cent rounds up
    assert split_equal(Decimal("0.05"), 2) == [Decimal("0.03"), Decimal("0.02")]


@given(
    total=amounts,
    shares=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=10),
)
def test_percentage_split_adds_up(total: Decimal, shares: list[int]) -> None:
    # given percentages that add up to 100 (scaled from any positive shares)
    raw = [Decimal(s) for s in shares]
    scaled = [to_cent(r * 100 / sum(raw)) for r in raw[:-1]]
    scaled.append(Decimal(100) - sum(scaled, Decimal(0)))
    if scaled[-1] <= 0:
        return
    # when the total is split by them, then nothing is lost
    assert sum(split_percent(total, scaled)) == total


def test_percentage_split_worked_example() -> None:
    # 30/60/10 of ¥1,000,000.01
    assert split_percent(Decimal("1000000.01"), [Decimal(30), Decimal(60), Decimal(10)]) == [
        Decimal("300000.00"),
        Decimal("600000.01"),
        Decimal("100000.00"),
    ]
    with pytest.raises(ValueError):
        split_percent(Decimal("100"), [Decimal(30), Decimal(60)])


@given(
    plan=st.lists(amounts, min_size=1, max_size=12),
    payments=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=12),
)
def test_allocation_never_loses_or_creates_a_cent(plan: list[Decimal], payments: list[int]) -> None:
    # given a plan and a series of payments (each a share of what is outstanding at the time)
    remaining = list(plan)
    paid_total = Decimal("0")
    allocated_total = Decimal("0")
    for share in payments:
        outstanding = sum(remaining)
        if outstanding <= 0:
            break
        amount = max(Decimal("0.01"), to_cent(outstanding * share / 10_000))
        # when each is allocated oldest first
        parts = allocate_oldest_first(amount, remaining)
        paid_total += amount
        allocated_total += sum(parts)
        remaining = [r - p for r, p in zip(remaining, parts, strict=True)]
        # then no instalment is paid beyond its amount
        assert all(r >= 0 for r in remaining)
    # and the allocations add up to the payments
    assert allocated_total == paid_total
    assert sum(plan) - sum(remaining) == paid_total


def test_allocation_refuses_more_than_outstanding() -> None:
    with pytest.raises(ValueError):
        allocate_oldest_first(Decimal("10.01"), [Decimal("5.00"), Decimal("5.00")])
    assert allocate_oldest_first(Decimal("7.00"), [Decimal("0"), Decimal("5.00"), Decimal("5.00")]) == [
        Decimal("0"),
        Decimal("5.00"),
        Decimal("2.00"),
    ]


@given(
    amount=amounts,
    rate=st.sampled_from(
        [Decimal("0"), Decimal("0.01"), Decimal("0.03"), Decimal("0.06"), Decimal("0.09"), Decimal("0.13")]
    ),
)
def test_tax_and_net_add_up_to_the_invoice_amount(amount: Decimal, rate: Decimal) -> None:
    net, tax = tax_included(amount, rate)
    assert net + tax == amount
    assert tax == tax.quantize(Decimal("0.01"))
    # the tax is within half a cent of the exact value
    assert abs(tax - amount * rate / (1 + rate)) <= Decimal("0.005")


def test_tax_worked_example() -> None:
    # ¥113.00 at 13 %: ¥100.00 + ¥13.00; ¥100.00 at 13 %: 11.504… rounds half-up to ¥11.50
    assert tax_included(Decimal("113.00"), Decimal("0.13")) == (Decimal("100.00"), Decimal("13.00"))
    assert tax_included(Decimal("100.00"), Decimal("0.13")) == (Decimal("88.50"), Decimal("11.50"))
    # ¥10.50 at 5 %: 0.5 exactly → rounds half-up
    assert tax_included(Decimal("10.50"), Decimal("0.05")) == (Decimal("10.00"), Decimal("0.50"))


TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("days_overdue", "bucket"),
    [
        (-5, "not_due"),
        (0, "not_due"),
        (1, "d0_30"),
        (30, "d0_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "d90_plus"),
        (400, "d90_plus"),
    ],
)
def test_ageing_buckets_at_the_boundaries(days_overdue: int, bucket: str) -> None:
    assert ageing_bucket(TODAY - dt.timedelta(days=days_overdue), TODAY) == bucket
