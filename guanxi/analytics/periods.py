"""The periods analytics reads figures over (selectors re-exports them): a month, quarter, year or custom span, the
period before it and the same period a year ago, and the period a page or endpoint asks for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import CUSTOM_PERIOD_MAX_DAYS, custom_period_errors

PERIOD_KINDS = ("month", "quarter", "year", "custom")
MAX_SPAN_DAYS = CUSTOM_PERIOD_MAX_DAYS


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    """A period of days (inclusive) and how it was chosen; `previous` and `year_ago` are the periods compared."""

    kind: str
    date_from: dt.date
    date_to: dt.date

    @property
    def previous(self) -> Window:
        if self.kind in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
            start = _add_months(self.date_from, -months)
            return Window(self.kind, start, self.date_from - dt.timedelta(days=1))
        days = (self.date_to - self.date_from).days + 1
        return Window(self.kind, self.date_from - dt.timedelta(days=days), self.date_from - dt.timedelta(days=1))

    @property
    def year_ago(self) -> Window:
        def back(day: dt.date) -> dt.date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:  # 29 February
                return day.replace(year=day.year - 1, day=28)

        return Window(self.kind, back(self.date_from), back(self.date_to))

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.date_from:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.date_from.year} Q{(self.date_from.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.date_from.year)
        return f"{self.date_from} – {self.date_to}"


MONTHS_OFFERED = 36


def month_choices(selected: dt.date, *, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The months a month picker offers, newest first: this month and the three years before, and the month shown
    if it is further back or ahead. Values keep the `month` parameter's format (yyyy-mm); labels are in the page's
    language (2026年12月, December 2026), where the browser's own month input would name months in its own."""
    from django.utils.formats import date_format

    newest = _month_start(today or timezone.localdate())
    months = [_add_months(newest, -i) for i in range(MONTHS_OFFERED)]
    chosen = _month_start(selected)
    if chosen not in months:
        months = sorted({*months, chosen}, reverse=True)
    return [(f"{m:%Y-%m}", date_format(m, "YEAR_MONTH_FORMAT")) for m in months]


def window_for(kind: str, anchor: dt.date) -> Window:
    if kind == "quarter":
        start = dt.date(anchor.year, 3 * ((anchor.month - 1) // 3) + 1, 1)
        return Window(kind, start, _add_months(start, 3) - dt.timedelta(days=1))
    if kind == "year":
        return Window(kind, dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31))
    start = _month_start(anchor)
    return Window("month", start, _add_months(start, 1) - dt.timedelta(days=1))


def _date(params: Mapping[str, Any], key: str, errors: dict[str, list[str]]) -> dt.date | None:
    raw = str(params.get(key) or "").strip()
    if not raw:
        return None
    try:
        if key == "month" or (len(raw) == 7 and raw[4] == "-"):
            value = dt.date.fromisoformat(raw[:7] + "-01")
        else:
            value = dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors[key] = [_("Enter a valid date.")]
        return None
    if not 1901 <= value.year <= 9998:
        errors[key] = [_("Choose a date between 1900 and 9998.")]
        return None
    return value


def window_from(params: Mapping[str, Any], *, today: dt.date | None = None) -> Window:
    """The period a page or endpoint asks for: `period` (month, quarter, year, custom; default month), anchored on
    `month` (yyyy-mm) or `date` (any day inside; default today), or `date_from`/`date_to` for custom; or a relative
    period (relative.py: this_month, last_30_days…) read on `today`."""
    from .relative import RELATIVE_CODES, relative_window

    today = today or timezone.localdate()
    kind = str(params.get("period") or "month")
    errors: dict[str, list[str]] = {}
    if kind in RELATIVE_CODES:  # "last_month", "last_30_days"…: read on `today`
        return relative_window(kind, today)
    if kind not in PERIOD_KINDS:
        raise ValidationFailed(_("Unknown period."), fields={"period": [_("Choose a period offered.")]})
    if kind == "custom":
        date_from, date_to = _date(params, "date_from", errors), _date(params, "date_to", errors)
        if errors or (errors := custom_period_errors(date_from, date_to)):  # a date that did not parse first
            raise ValidationFailed(_("Please correct the errors below."), fields=errors)
        assert date_from is not None and date_to is not None
        return Window(kind, date_from, date_to)
    anchor = _date(params, "month", errors) or _date(params, "date", errors)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return window_for(kind, anchor or today)
