"""Cleaning what a service is given, one implementation each: unknown fields, text, numbers and amounts, dates, ids.

Services receive plain dicts from the API, forms, imports and the command line; these turn a value into the type
and range the model expects, or raise `ValidationFailed` naming the field (DESIGN.md: a clear, translated error,
never a 500). The apps' `_common.py` keep only their own glue (which customer a document may have, numbering).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, overload

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .money import AMOUNT_MAX, to_cent

# One line of text a person types (a title, a reason, a note on a payment).
SHORT_TEXT_MAX = 300
# Remarks and follow-up content: generous, but bounded.
LONG_TEXT_MAX = 20_000
# A database id (a bigint key): below ID_MAX, at most MAX_ID.
ID_MAX = 2**63
MAX_ID = ID_MAX - 1


def field_error(field: str, message: str) -> ValidationFailed:
    """The error of one field, its message also the error's message."""
    return ValidationFailed(message, fields={field: [message]})


def pick(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """A copy of `data`, refused when it names a field that may not be set here (rather than ignoring it)."""
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    return dict(data)


def clean_text(
    value: Any, field: str, *, max_length: int = SHORT_TEXT_MAX, required: bool = False, multiline: bool = False
) -> str:
    """Text with runs of white space folded to one space (only trimmed when `multiline`), at most `max_length`."""
    text = str(value or "").strip() if multiline else " ".join(str(value or "").split())
    if required and not text:
        raise field_error(field, _("This field is required."))
    if len(text) > max_length:
        raise field_error(field, _("Ensure this value has at most %(max)s characters.") % {"max": max_length})
    return text


def clean_decimal(value: Any, field: str, *, low: Decimal, high: Decimal, places: str = "0.01") -> Decimal:
    """A Decimal within [low, high] (a float is read through its text, never binary), rounded half-up to
    `places`."""
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise field_error(field, _("Enter a number."))
    number = number.quantize(Decimal(places), rounding=ROUND_HALF_UP)
    if number < low or number > high:
        raise field_error(field, _("Enter a value between %(low)s and %(high)s.") % {"low": low, "high": high})
    return number


def clean_amount(value: Any, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """An amount of money as a person enters it: above 0 (or 0 when `allow_zero`), below AMOUNT_MAX, in yuan and
    fen (no third decimal: it would be rounded away unseen)."""
    try:
        amount = Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        raise field_error(field, _("Enter a number."))
    if amount is None:
        raise field_error(field, _("This field is required."))
    if not amount.is_finite() or amount >= AMOUNT_MAX or amount < 0 or (amount == 0 and not allow_zero):
        raise field_error(field, _("Enter an amount above 0 and below 1,000,000,000,000."))
    if amount != amount.quantize(Decimal("0.01")):
        raise field_error(field, _("Enter the amount in yuan with at most two decimals."))
    return to_cent(amount)


@overload
def clean_date(value: Any, field: str, *, required: Literal[True] = ..., not_future: bool = ...) -> dt.date: ...


@overload
def clean_date(value: Any, field: str, *, required: bool, not_future: bool = ...) -> dt.date | None: ...


def clean_date(value: Any, field: str, *, required: bool = True, not_future: bool = False) -> dt.date | None:
    """A date (a `date`, or its ISO text YYYY-MM-DD; a datetime is refused, it would lose its time zone), not
    after today in the user's zone when `not_future`. Blank is None unless `required`."""
    if value in (None, ""):
        if required:
            raise field_error(field, _("This field is required."))
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise field_error(field, _("Enter a valid date (YYYY-MM-DD)."))
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise field_error(field, _("Enter a valid date (YYYY-MM-DD)."))
    if not_future and value > timezone.localdate():
        raise field_error(field, _("The date cannot be in the future."))
    return value


CUSTOM_PERIOD_MAX_DAYS = 3660  # a custom period may not exceed about ten years


def custom_period_errors(date_from: dt.date | None, date_to: dt.date | None) -> dict[str, list[str]]:
    """What is wrong with a custom period, by field: both dates given, the end not before the start, at most about
    ten years (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    if date_from is None:
        errors["date_from"] = [_("Enter a start date.")]
    if date_to is None:
        errors["date_to"] = [_("Enter an end date.")]
    if date_from and date_to and date_to < date_from:
        errors["date_to"] = [_("The end date must not be before the start date.")]
    if date_from and date_to and (date_to - date_from).days > CUSTOM_PERIOD_MAX_DAYS:
        errors["date_to"] = [_("The period may not be longer than ten years.")]
    return errors


def clean_ids(values: Iterable[Any], field: str = "ids") -> list[int]:
    """Record ids (positive, within a bigint), duplicates dropped in their first order; anything else is refused
    as an invalid selection."""
    ids: list[int] = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise field_error(field, _("Invalid selection."))
        if not 0 < number < ID_MAX:
            raise field_error(field, _("Invalid selection."))
        ids.append(number)
    return list(dict.fromkeys(ids))


def id_or_none(value: Any) -> int | None:
    """A record id from a query string or a form, None for anything that is not one (a list filter ignores it)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < ID_MAX else None
