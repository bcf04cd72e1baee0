"""Chinese working days (2026 holidays and make-up working days) and the "to close" rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities import calendar
from guanxi.sales.tests.test_analytics_funnel import make_opportunity, make_pipeline

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 9, 30), True),  # Wednesday before National Day
        (D(2026, 10, 1), False),  # National Day golden week: 1–7 October
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, make-up working day (调休)
        (D(2026, 10, 11), False),  # an ordinary Sunday
        (D(2026, 2, 14), True),  # Saturday before the Spring Festival, make-up working day
        (D(2026, 2, 17), False),  # Spring Festival
        (D(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_is_working_day_2026(day: dt.date, working: bool) -> None:
    # given a 2026 date; when asked; then the official calendar answers
    assert calendar.is_working_day(day) is working


def test_is_working_day_outside_known_years_falls_back_to_weekdays() -> None:
    # given a year the package does not know; when asked; then Monday–Friday count, the weekend does not
    assert calendar.is_working_day(D(2300, 1, 3)) is True  # a Wednesday
    assert calendar.is_working_day(D(2300, 1, 6)) is False  # a Saturday


def test_add_working_days_across_golden_week() -> None:
    # given the last working day before National Day (Wed 30 September)
    # when one, two and three working days are added
    # then the week off is skipped: Thu 8 Oct, Fri 9 Oct, and the make-up Saturday 10 Oct
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert calendar.add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 9)
    assert calendar.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    # and counting back from 8 October lands on 30 September; zero days is the day itself
    assert calendar.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert calendar.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)


def test_closing_deadline() -> None:
    # given expected signing dates; when the deadline is computed; then it is the next working day
    assert calendar.closing_deadline(D(2026, 9, 30)) == D(2026, 10, 8)
    assert calendar.closing_deadline(D(2026, 10, 9)) == D(2026, 10, 10)  # Friday → make-up Saturday
    assert calendar.closing_deadline(D(2026, 11, 20)) == D(2026, 11, 23)  # Friday → Monday


@pytest.mark.django_db
def test_opportunities_to_close(org: Any) -> None:
    # given open deals expected on 29 Sep, 30 Sep and 9 Oct, and a won deal expected on 29 Sep
    s = make_pipeline()
    start = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    deals = {}
    for key, expected, path in [
        ("sep29", D(2026, 9, 29), [(s["A"], start)]),
        ("sep30", D(2026, 9, 30), [(s["A"], start)]),
        ("oct9", D(2026, 10, 9), [(s["A"], start)]),
        ("won", D(2026, 9, 29), [(s["A"], start), (s["won"], start)]),
    ]:
        opp = make_opportunity(org["east_rep"], s["pipeline"], path, 1)
        Opportunity.objects.filter(pk=opp.pk).update(expected_close_date=expected)
        opp.refresh_from_db()
        deals[key] = opp

    # when listed on 8 October
    due = list(calendar.opportunities_to_close(Opportunity.objects.all(), D(2026, 10, 8)))

    # then the two open deals whose date has passed are listed, oldest first; the won one and 9 Oct are not
    assert due == [deals["sep29"], deals["sep30"]]
    # and on 8 Oct the 30 Sep deal is still within its one working day, the 29 Sep one is overdue
    assert calendar.is_closing_overdue(deals["sep30"], D(2026, 10, 8)) is False
    assert calendar.is_closing_overdue(deals["sep29"], D(2026, 10, 8)) is True
    assert calendar.is_closing_overdue(deals["won"], D(2026, 10, 20)) is False
