"""A custom period's checks, shared by the funnel and the analytics pages: each error names its date field."""

from __future__ import annotations

import datetime as dt

from guanxi.core.inputs import custom_period_errors


def test_a_custom_period_names_what_is_wrong_by_field() -> None:
    d = dt.date(2026, 3, 1)
    assert custom_period_errors(d, d) == {}
    assert set(custom_period_errors(None, None)) == {"date_from", "date_to"}
    assert custom_period_errors(d, d - dt.timedelta(days=1)) == {
        "date_to": ["The end date must not be before the start date."]
    }
    assert custom_period_errors(d, d + dt.timedelta(days=3660)) == {}
    assert custom_period_errors(d, d + dt.timedelta(days=3661)) == {
        "date_to": ["The period may not be longer than ten years."]
    }
