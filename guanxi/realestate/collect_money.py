"""The arithmetic of a trade's collections, pure functions on Decimal (no database), in billing's money style:
the payment schedule with the subscription deposit taken out of the first payments, what the buyer paid booked
against the dues oldest first, and the balance of a trade. Every amount is to the cent; nothing loses a cent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from guanxi.core.money import ZERO, to_cent

Line = tuple[str, dt.date, Decimal]  # (what, due date, amount), as pricing.Plan.schedule


def schedule_with_deposit(schedule: Sequence[Line], *, deposit: Decimal, deposit_due: dt.date) -> list[Line]:
    """The subscription deposit (定金) as the first due, taken out of the scheme's first payments in order (the down
    payment, then what follows), so the lines still add up to the scheme's total. Lines it consumes entirely are
    left out. ValueError when the deposit exceeds the total."""
    deposit = to_cent(deposit)
    total = sum((amount for _what, _due, amount in schedule), ZERO)
    if deposit < 0 or deposit > total:
        raise ValueError("the deposit must lie between zero and the total")
    out: list[Line] = [("deposit", deposit_due, deposit)] if deposit > 0 else []
    left = deposit
    for what, due, amount in schedule:
        take = min(left, amount)
        left -= take
        if amount - take > 0:
            out.append((what, due, amount - take))
    return out


def book_oldest_first(paid: Decimal, dues: Sequence[Decimal]) -> tuple[list[Decimal], Decimal]:
    """What a net payment covers of each due, in order, and what is left over (the advance receipt, 预收款).
    A negative net (more refunded than received) covers nothing."""
    left = max(to_cent(paid), ZERO)
    covered: list[Decimal] = []
    for amount in dues:
        take = min(left, amount)
        covered.append(take)
        left -= take
    return covered, left


@dataclass(frozen=True)
class Balance:
    """A trade's money: the price, what was received and refunded, what remains owed and what of it is overdue,
    and what was paid beyond the dues (预收款). collected = received − refunded = covered + advance."""

    price: Decimal
    scheduled: Decimal
    received: Decimal
    refunded: Decimal
    covered: Decimal
    overdue: Decimal
    advance: Decimal

    @property
    def collected(self) -> Decimal:
        return self.received - self.refunded

    @property
    def outstanding(self) -> Decimal:
        return self.scheduled - self.covered


def balance(
    *, price: Decimal, dues: Sequence[tuple[dt.date, Decimal]], received: Decimal, refunded: Decimal, today: dt.date
) -> Balance:
    covered, advance = book_oldest_first(received - refunded, [amount for _due, amount in dues])
    overdue = sum((amount - got for (due, amount), got in zip(dues, covered, strict=True) if due < today), ZERO)
    return Balance(
        price=to_cent(price),
        scheduled=sum((a for _d, a in dues), ZERO),
        received=to_cent(received),
        refunded=to_cent(refunded),
        covered=sum(covered, ZERO),
        overdue=overdue,
        advance=advance,
    )
