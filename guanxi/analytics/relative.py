"""Relative periods ("this month", "last quarter", "the last 30 days"…): a built report or a scheduled report keeps
the *choice*, never the dates, and reads it on the day it runs, so a report saved in March and opened in May shows
May (this month) and a subscription sent on 1 June covers May (last month)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy

from .periods import Window, window_for

RELATIVE_PERIODS: tuple[tuple[str, Any], ...] = (
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("this_quarter", gettext_lazy("This quarter")),
    ("last_quarter", gettext_lazy("Last quarter")),
    ("this_year", gettext_lazy("This year")),
    ("year_to_date", gettext_lazy("Year to date")),
    ("last_7_days", gettext_lazy("Last 7 days")),
    ("last_30_days", gettext_lazy("Last 30 days")),
)
RELATIVE_CODES = tuple(code for code, _label in RELATIVE_PERIODS)
# The periods a month-by-month report (the management report, the league) may cover.
MONTHLY_CODES = ("this_month", "last_month")


def relative_label(code: str) -> Any:
    return dict(RELATIVE_PERIODS).get(code, code)


def relative_window(code: str, today: dt.date) -> Window:
    """The dates `code` means on `today` (inclusive). Calendar periods are whole (this month runs to its last day,
    so the previous period compares like with like); rolling ones end today."""
    if code == "this_month":
        return window_for("month", today)
    if code == "last_month":
        return window_for("month", today.replace(day=1) - dt.timedelta(days=1))
    if code == "this_quarter":
        return window_for("quarter", today)
    if code == "last_quarter":
        return window_for("quarter", window_for("quarter", today).date_from - dt.timedelta(days=1))
    if code == "this_year":
        return window_for("year", today)
    if code == "year_to_date":
        return Window("custom", dt.date(today.year, 1, 1), today)
    if code == "last_7_days":
        return Window("custom", today - dt.timedelta(days=6), today)
    if code == "last_30_days":
        return Window("custom", today - dt.timedelta(days=29), today)
    raise ValueError(code)
