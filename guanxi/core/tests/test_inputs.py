"""The shared input cleaning: a value becomes the type and range a model expects, or a field error, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import (
    SHORT_TEXT_MAX,
    clean_amount,
    clean_date,
    clean_decimal,
    clean_ids,
    clean_text,
    field_error,
    id_or_none,
    pick,
)
from guanxi.core.money import AMOUNT_MAX


def test_field_error_names_the_field() -> None:
    err = field_error("amount", "Enter a number.")
    assert err.message == "Enter a number." and err.fields == {"amount": ["Enter a number."]}


def test_pick_refuses_unknown_fields_instead_of_ignoring_them() -> None:
    assert pick({"name": "x"}, {"name", "note"}) == {"name": "x"}
    with pytest.raises(ValidationFailed) as exc:
        pick({"name": "x", "owner": 1, "id": 2}, {"name"})
    assert set(exc.value.fields) == {"id", "owner"}


def test_text_folds_white_space_and_keeps_its_limit() -> None:
    assert clean_text("  a \n  b ", "title") == "a b"
    assert clean_text("  a \n  b ", "note", multiline=True) == "a \n  b"
    assert clean_text(None, "note") == ""
    with pytest.raises(ValidationFailed) as exc:
        clean_text("  ", "title", required=True)
    assert "title" in exc.value.fields
    assert clean_text("x" * SHORT_TEXT_MAX, "note") == "x" * SHORT_TEXT_MAX
    with pytest.raises(ValidationFailed):
        clean_text("x" * (SHORT_TEXT_MAX + 1), "note")


@given(st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=4))
def test_decimal_is_rounded_half_up_and_kept_in_range(value: Decimal) -> None:
    low, high = Decimal("0"), Decimal("1000")
    rounded = value.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    if low <= rounded <= high:
        assert clean_decimal(value, "price", low=low, high=high) == rounded
    else:
        with pytest.raises(ValidationFailed):
            clean_decimal(value, "price", low=low, high=high)


@pytest.mark.parametrize("bad", [None, "", "abc", "NaN", "Infinity", [1]])
def test_decimal_refuses_what_is_not_a_number(bad: object) -> None:
    with pytest.raises(ValidationFailed) as exc:
        clean_decimal(bad, "price", low=Decimal("0"), high=Decimal("1"))
    assert "price" in exc.value.fields


def test_a_float_is_read_through_its_text() -> None:
    assert clean_decimal(0.1, "rate", low=Decimal("0"), high=Decimal("1"), places="0.0001") == Decimal("0.1000")


def test_amount_is_in_yuan_and_fen_below_the_limit() -> None:
    assert clean_amount("1234.5") == Decimal("1234.50")
    assert clean_amount(0, allow_zero=True) == Decimal("0.00")
    for bad in ("0", "-1", "1.005", str(AMOUNT_MAX), "x", None):
        with pytest.raises(ValidationFailed) as exc:
            clean_amount(bad, "paid")
        assert "paid" in exc.value.fields
    assert clean_amount(AMOUNT_MAX - Decimal("0.01")) == AMOUNT_MAX - Decimal("0.01")


def test_date_takes_a_date_or_its_iso_text() -> None:
    day = dt.date(2026, 3, 1)
    assert clean_date(day, "due") == day
    assert clean_date("2026-03-01", "due") == day
    assert clean_date("", "due", required=False) is None
    for bad in (None, "", "2026-02-30", dt.datetime(2026, 3, 1, 12, 0), 20260301):
        with pytest.raises(ValidationFailed):
            clean_date(bad, "due")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed):
        clean_date(tomorrow, "received_on", not_future=True)
    assert clean_date(timezone.localdate(), "received_on", not_future=True) == timezone.localdate()


def test_ids_are_positive_bigints_without_repeats() -> None:
    assert clean_ids(["3", 1, 3, "2"]) == [3, 1, 2]
    for bad in (["x"], [0], [-1], [2**63], [None]):
        with pytest.raises(ValidationFailed) as exc:
            clean_ids(bad)
        assert "ids" in exc.value.fields


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), (5, 5), ("0", None), ("-3", None), ("abc", None)]
    + [("", None), (None, None), ("9" * 19, None)],
)
def test_id_or_none_ignores_what_is_not_an_id(raw: object, expected: int | None) -> None:
    assert id_or_none(raw) == expected
