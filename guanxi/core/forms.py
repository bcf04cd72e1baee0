"""Form fields every app's web forms share, each with its shared input (core.widgets): a date, a date and time,
an amount typed with thousands separators, a percentage typed with or without "%", a row id. They parse and
normalise; the services check every business rule again."""

from __future__ import annotations

from typing import Any

from django import forms

from .inputs import MAX_ID
from .money import AMOUNT_DIGITS
from .widgets import DATETIME_FORMATS, DateInput, DateTimeInput, MoneyInput


class DateField(forms.DateField):
    """A yyyy-mm-dd date, typed or picked from the calendar."""

    widget = DateInput


class DateTimeField(forms.DateTimeField):
    """A yyyy-mm-dd hh:mm time, typed or picked."""

    widget = DateTimeInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        super().__init__(*args, **kwargs)


class MoneyField(forms.DecimalField):
    """An amount in yuan with at most two decimals; "12,800.00" and "12 800" are read as 12800. Its input shows
    the separators while typing and posts the plain number."""

    widget = MoneyInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", AMOUNT_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:  # a Decimal or None (the stubs type DecimalField as IntegerField)
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").replace(" ", "")
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # DecimalField would add step/min/max for a number input; the money input is text with separators.
        attrs = super().widget_attrs(widget)
        return {k: v for k, v in attrs.items() if k not in ("step", "min", "max")}


class PercentField(forms.DecimalField):
    """A percentage typed with or without "%" ("13" or "13%")."""

    def to_python(self, value: Any) -> Any:  # a Decimal or None (the stubs type DecimalField as IntegerField)
        return super().to_python(value.strip().rstrip("%") if isinstance(value, str) else value)


class IdField(forms.IntegerField):
    """A row id a database key can hold; which rows may be chosen is the view's or the service's question."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)
