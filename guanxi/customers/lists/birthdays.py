"""The contact list's birthday-month filter (生日月份), for birthday care: a month "1"-"12", or "this" / "next"
read on the day the list (or a dynamic segment built on it) is run, so "birthdays this month" stays true."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from guanxi.org.lists.spec import Choice, Column, Field

RELATIVE = {"this": 0, "next": 1}


def birthday_month_value(raw: str) -> int:
    """The month a filter value names (ValueError for anything else)."""
    text = raw.strip().lower()
    if text in RELATIVE:
        return (timezone.localdate().month - 1 + RELATIVE[text]) % 12 + 1
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise ValueError(text)
    return int(text)


def _months(user: Any) -> list[Choice]:
    relative = [Choice("this", gettext("This month")), Choice("next", gettext("Next month"))]
    return relative + [Choice(str(m), gettext("Month %(month)s") % {"month": m}) for m in range(1, 13)]


BIRTHDAY_MONTH = Field(
    "birthday_month", gettext_lazy("Birthday month"), "birthday__month", "choice", choices=_months,
    coerce=birthday_month_value,
)  # fmt: skip
BIRTHDAY_COLUMN = Column(
    "birthday", gettext_lazy("Birthday"), value=lambda c: c.birthday, template="customers/cells/date.html",
    default=False, phone=False,
)  # fmt: skip
