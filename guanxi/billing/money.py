"""The money arithmetic of billing, pure functions on Decimal (no database): splitting a contract amount into
instalments, allocating a payment to instalments, the tax in a tax-inclusive amount, ageing buckets.

Rounding is half-up to the cent everywhere (guanxi.core.money.to_cent); a split or an allocation never loses or
creates a cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from guanxi.core.money import ZERO, to_cent

HUNDRED = Decimal("100")


def split_equal(total: Decimal, count: int) -> list[Decimal]:
    """`total` in `count` equal instalments; the last one takes the rounding remainder."""
    if count < 1:
        raise ValueError("count must be at least 1")
    total = to_cent(total)
    part = to_cent(total / count)
    parts = [part] * (count - 1)
    parts.append(total - part * (count - 1))
    return parts


def split_percent(total: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """`total` split by percentages that add up to 100 (e.g. 30/60/10); the last one takes the remainder."""
    if not percents:
        raise ValueError("at least one percentage")
    if sum(percents, Decimal("0")) != HUNDRED:
        raise ValueError("percentages must add up to 100")
    total = to_cent(total)
    parts = [to_cent(total * Decimal(p) / HUNDRED) for p in percents[:-1]]
    parts.append(total - sum(parts, ZERO))
    return parts


def allocate_oldest_first(amount: Decimal, remaining: Sequence[Decimal]) -> list[Decimal]:
    """Book `amount` against instalments in the given order (oldest due first), each up to what it still
    lacks. Returns the part per instalment; raises ValueError when the amount exceeds what is outstanding."""
    left = to_cent(amount)
    if left <= 0:
        raise ValueError("amount must be positive")
    if left > sum(remaining, ZERO):
        raise ValueError("amount exceeds the outstanding balance")
    parts: list[Decimal] = []
    for lacking in remaining:
        take = min(left, lacking) if lacking > 0 else ZERO
        parts.append(take)
        left -= take
    return parts


def tax_included(amount: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(amount before tax, tax) of a tax-inclusive amount at `rate` (0.13 = 13 %); they add up to `amount`."""
    amount = to_cent(amount)
    tax = to_cent(amount * rate / (1 + rate))
    return amount - tax, tax


# --- ageing (账龄) ------------------------------------------------------------------------------------
BUCKETS = ("not_due", "d0_30", "d31_60", "d61_90", "d90_plus")


def ageing_bucket(due_date: dt.date, today: dt.date) -> str:
    """The ageing bucket of an unpaid amount by its due date: not yet due (due today or later), then days
    overdue 1-30 ("0-30"), 31-60, 61-90, more than 90."""
    days = (today - due_date).days
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "d0_30"
    if days <= 60:
        return "d31_60"
    if days <= 90:
        return "d61_90"
    return "d90_plus"
