"""The working calendar (工作日历): Chinese working days — public holidays (法定节假日) and make-up working days
(调休) from the State Council's calendar in the `chinese-calendar` package — and working hours within a day.

Used for deadlines counted in working time: the sales app's one-working-day closing rule, the service app's SLA
(first response and resolution within N working hours). Outside the years the package knows, Monday–Friday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from django.utils import timezone


def is_working_day(day: dt.date) -> bool:
    """Per the State Council's calendar; outside the years the package knows, Monday–Friday."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (before it for negative n); n=0 gives `day` itself."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


@dataclass(frozen=True)
class WorkingHours:
    """The working window of each working day, in the site's time zone (e.g. 09:00–18:00: 9 hours a day)."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(18, 0)

    @property
    def hours_per_day(self) -> float:
        return (
            dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)
        ).seconds / 3600

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        return (
            timezone.make_aware(dt.datetime.combine(day, self.start), tz),
            timezone.make_aware(dt.datetime.combine(day, self.end), tz),
        )

    def add(self, moment: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` working hours after `moment` (time outside working hours does not count)."""
        local = timezone.localtime(moment)
        remaining = dt.timedelta(hours=hours)
        day = local.date()
        cursor = local
        for _guard in range(3660):  # at most ten years of days
            if is_working_day(day):
                start, end = self._window(day)
                begin = max(cursor, start)
                if begin < end:
                    available = end - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
            cursor = self._window(day)[0]
        raise ValueError("working hours beyond ten years")

    def between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Working hours from `a` to `b` (0 when b is not after a)."""
        if b <= a:
            return 0.0
        a, b = timezone.localtime(a), timezone.localtime(b)
        total = dt.timedelta()
        day = a.date()
        while day <= b.date():
            if is_working_day(day):
                start, end = self._window(day)
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600
