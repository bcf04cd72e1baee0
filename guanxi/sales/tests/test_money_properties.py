"""Money arithmetic on varying inputs (hypothesis): target splits must add up to the cent, product-line prices and
amounts round half-up to the cent, and the progress percentage is actual / target."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.errors import ValidationFailed
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import SalesTarget
from guanxi.sales.opportunities import services
from guanxi.sales.targets import selectors
from guanxi.sales.targets import services as target_services

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)
CENTS = st.integers(min_value=0, max_value=10**11)
FIXTURES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FIXTURES
@given(shares=st.lists(CENTS, min_size=1, max_size=3), off_by=st.integers(min_value=-100, max_value=100))
def test_a_split_is_accepted_exactly_when_it_adds_up(org: Any, shares: list[int], off_by: int) -> None:
    members = [org["east_rep"], org["east_rep2"], org["team_rep"]][: len(shares)]
    total = Decimal(sum(shares)) / 100
    with transaction.atomic():
        dept = target_services.target_set(
            actor=org["admin"],
            department=org.east,
            period_kind="month",
            period_start=MARCH,
            metric="signed_amount",
            value=total,
        )
        allocations = [(u, Decimal(c) / 100) for u, c in zip(members, shares, strict=True)]
        allocations[0] = (members[0], allocations[0][1] + Decimal(off_by) / 100)
        if off_by == 0:
            # then the split is written, each member's share exactly as given
            written = target_services.target_split(actor=org["admin"], target=dept, allocations=allocations)
            assert sum(t.value for t in written) == total
        elif allocations[0][1] >= 0:
            # then nothing is written and the message names the difference to the cent
            with pytest.raises(ValidationFailed) as exc:
                target_services.target_split(actor=org["admin"], target=dept, allocations=allocations)
            assert f"{Decimal(off_by) / 100:+,.2f}" in exc.value.message
            assert not SalesTarget.objects.filter(parent=dept).exists()
        transaction.set_rollback(True)


@FIXTURES
@given(
    price=st.decimals(min_value=0, max_value=Decimal("99999999.999"), places=3),
    amount=st.decimals(min_value=0, max_value=Decimal("99999999999.995"), places=3),
)
def test_amounts_and_line_prices_round_half_up_to_the_cent(org: Any, price: Decimal, amount: Decimal) -> None:
    rep = org["east_rep"]
    with transaction.atomic():
        opp = services.opportunity_create(
            actor=rep,
            customer=CustomerFactory(owner=rep),
            data={"name": "四舍五入", "amount": str(amount)},
            lines=[{"description": "服务", "quantity": "1", "unit_price": str(price)}],
        )
        opp.refresh_from_db()
        assert opp.amount == amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert opp.lines.get().unit_price == price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        transaction.set_rollback(True)


@FIXTURES
@given(target=st.integers(min_value=1, max_value=10**11), actual=st.integers(min_value=0, max_value=10**11))
def test_completion_is_actual_over_target_to_one_decimal(target: int, actual: int) -> None:
    row = selectors.ProgressRow(
        subject=None,
        kind="person",
        target=SalesTarget(value=Decimal(target) / 100),
        actual=Decimal(actual) / 100,
        weighted=Decimal(0),
    )
    expected = (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert row.percent == expected
    assert 0 <= row.bar <= 100
