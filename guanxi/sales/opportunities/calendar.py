"""The closing rule for opportunities, on the Chinese working days of guanxi.core.workcal (法定节假日, 调休).

REQUIREMENTS §5: when the result is known the rep closes the opportunity within one working day. We read
"the result is known" as the expected signing date having passed: an open opportunity whose expected signing
date is over is "to close", and it must be closed by the end of the next working day after that date.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from django.db.models import QuerySet
from django.utils import timezone

from guanxi.core.workcal import add_working_days, is_working_day  # noqa: F401  (the working calendar moved to core)

from .models import Opportunity


def closing_deadline(expected_date: dt.date) -> dt.date:
    """The last day to close an opportunity expected to sign on `expected_date`: one working day later."""
    return add_working_days(expected_date, 1)


def opportunities_to_close(qs: QuerySet[Opportunity], today: dt.date) -> QuerySet[Opportunity]:
    """Open opportunities whose expected signing date has passed, the most overdue first."""
    return qs.filter(status=Opportunity.Status.OPEN, expected_close_date__lt=today).order_by(
        "expected_close_date", "id"
    )


def is_closing_overdue(opportunity: Opportunity, today: dt.date) -> bool:
    """Still open after the closing deadline."""
    return (
        opportunity.status == Opportunity.Status.OPEN
        and opportunity.expected_close_date is not None
        and today > closing_deadline(opportunity.expected_close_date)
    )


@dataclass(frozen=True)
class ClosingCountdown:
    """Where an open deal stands against its closing deadline, for the deal page and the board's card.

    state: "upcoming" (the expected signing date is still ahead), "due" (the date has passed: close it before
    the deadline's end), "overdue" (the deadline's day is over). hours_left counts to the end of the deadline's
    day, in the local time zone (negative once overdue); days_overdue counts whole days after it.
    """

    expected: dt.date
    deadline: dt.date
    state: Literal["upcoming", "due", "overdue"]
    hours_left: int
    days_overdue: int


def closing_countdown(opportunity: Opportunity, now: dt.datetime | None = None) -> ClosingCountdown | None:
    """The countdown for an open deal with an expected signing date; None for closed deals or without a date."""
    expected = opportunity.expected_close_date
    if opportunity.status != Opportunity.Status.OPEN or expected is None:
        return None
    now = now or timezone.now()
    today = timezone.localdate(now)
    deadline = closing_deadline(expected)
    tz = timezone.get_current_timezone()
    ends = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    hours_left = math.ceil((ends - now).total_seconds() / 3600)
    if today > deadline:
        state: Literal["upcoming", "due", "overdue"] = "overdue"
    elif today > expected:
        state = "due"
    else:
        state = "upcoming"
    return ClosingCountdown(
        expected=expected,
        deadline=deadline,
        state=state,
        hours_left=hours_left,
        days_overdue=max(0, (today - deadline).days),
    )
