"""The collections arithmetic for any input (hypothesis): the schedule with the deposit still adds up to the price,
and what was paid is booked without losing or creating a cent (collected = covered + advance)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from guanxi.realestate import collect_money

cents = st.decimals(min_value=D("0.01"), max_value=D("99999999"), places=2)
DAY = dt.date(2026, 12, 6)


@given(st.lists(cents, min_size=1, max_size=6), st.data())
def test_the_deposit_comes_out_of_the_first_payments_and_the_lines_still_add_up(amounts, data):
    total = sum(amounts, D("0"))
    deposit = data.draw(st.decimals(min_value=D("0"), max_value=total, places=2))
    schedule = [(f"p{i}", DAY + dt.timedelta(days=i), a) for i, a in enumerate(amounts)]
    lines = collect_money.schedule_with_deposit(schedule, deposit=deposit, deposit_due=DAY)
    assert sum(a for _w, _d, a in lines) == total
    assert all(a > 0 for _w, _d, a in lines)
    assert (lines[0][2] == deposit) if deposit > 0 else lines[0][0] != "deposit"


@given(st.lists(cents, min_size=0, max_size=6), cents, st.decimals(min_value=D("0"), max_value=D("1e8"), places=2))
def test_payments_are_booked_oldest_first_to_the_cent(dues, received, refunded):
    today = DAY + dt.timedelta(days=3)
    bal = collect_money.balance(price=sum(dues, D("0")), dues=[(DAY + dt.timedelta(days=i), a) for i, a in
                                                                enumerate(dues)], received=received, refunded=refunded,
                                today=today)  # fmt: skip
    net = max(received - refunded, D("0"))
    assert bal.covered + bal.advance == net
    assert bal.covered <= bal.scheduled and bal.outstanding == bal.scheduled - bal.covered
    assert 0 <= bal.overdue <= bal.outstanding


def test_a_worked_example():
    covered, advance = collect_money.book_oldest_first(D("70000"), [D("50000"), D("30000"), D("10000")])
    assert (covered, advance) == ([D("50000"), D("20000"), D("0")], D("0"))
    covered, advance = collect_money.book_oldest_first(D("100000"), [D("50000"), D("30000")])
    assert advance == D("20000")
