"""Working hours on the Chinese working calendar: a weekend and 国庆 (October 1–7, 2026, with the make-up working
Saturday October 10) do not count; time outside the working window does not count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.workcal import WorkingHours, add_working_days, is_working_day

HOURS = WorkingHours(start=dt.time(9), end=dt.time(18))  # 9 working hours a day


def at(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args), timezone.get_current_timezone())


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2026, 12, 2, 10), 4, at(2026, 12, 2, 14)),  # inside one day
        (at(2026, 12, 2, 16), 4, at(2026, 12, 3, 11)),  # over the evening
        (at(2026, 12, 4, 16), 4, at(2026, 12, 7, 11)),  # Friday afternoon → Monday, the weekend does not count
        (at(2026, 12, 5, 11), 2, at(2026, 12, 7, 11)),  # raised on a Saturday: the clock starts on Monday
        (at(2026, 12, 2, 7), 1, at(2026, 12, 2, 10)),  # before the working day starts
        (at(2026, 9, 30, 15), 8, at(2026, 10, 8, 14)),  # the day before 国庆 → the first day after it
        (at(2026, 10, 9, 17), 11, at(2026, 10, 12, 10)),  # the make-up Saturday (Oct 10) counts; Sunday not
    ],
)
def test_adding_working_hours(start, hours, due):
    assert HOURS.add(start, hours) == due


def test_hours_between_skip_the_weekend_and_the_holiday():
    assert HOURS.between(at(2026, 12, 4, 16), at(2026, 12, 7, 11)) == pytest.approx(4)
    assert HOURS.between(at(2026, 9, 30, 15), at(2026, 10, 8, 14)) == pytest.approx(8)
    assert HOURS.between(at(2026, 10, 2, 10), at(2026, 10, 5, 10)) == 0
    assert HOURS.between(at(2026, 12, 7, 11), at(2026, 12, 4, 16)) == 0
    assert HOURS.hours_per_day == 9


def test_working_days_are_the_official_ones():
    assert not is_working_day(dt.date(2026, 10, 1)) and is_working_day(dt.date(2026, 10, 10))
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
