"""The form inputs every page shares: a date, a date and time, an amount of money, a searchable choice.

Each is a plain Django widget plus a data attribute that guanxi/static/guanxi/widgets.js turns into the
interactive input (a yyyy-mm-dd calendar, thousands separators, a searchable list). Hand-written inputs in
templates use the same attributes (`data-gx-date`, `data-gx-datetime`, `data-gx-money`, `data-gx-select`);
/work/wt/WIDGETS.md and docs/extending.md show how. The server still parses and checks every value: the widgets
only help typing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

# Dates are typed and shown as yyyy-mm-dd whatever the browser's locale (a native date picker shows mm/dd/yyyy in an
# English browser and yyyy/mm/dd in a Chinese one).
DATE_ATTRS = {
    "placeholder": "yyyy-mm-dd",
    "pattern": r"\d{4}-\d{1,2}-\d{1,2}",
    "autocomplete": "off",
    "data-gx-date": "",
}
DATETIME_ATTRS = {
    "placeholder": "yyyy-mm-dd hh:mm",
    "pattern": r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?",
    "autocomplete": "off",
    "data-gx-datetime": "",
}
DATETIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]

# The records a searchable choice can look up as the user types: an existing, scope-checked list endpoint of the
# API (it answers {"items": [...]}) and the item's field shown as the option's label.
REMOTE_SOURCES: dict[str, tuple[str, str]] = {
    "customers": ("/api/v1/customers", "name"),
    "products": ("/api/v1/products", "name"),
    "users": ("/api/v1/users", "name"),
    "contacts": ("/api/v1/contacts", "name"),
}


class DateInput(forms.DateInput):
    """A yyyy-mm-dd date with a calendar."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs={**DATE_ATTRS, **(attrs or {})}, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A yyyy-mm-dd hh:mm time with a calendar and a 24-hour clock."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs={**DATETIME_ATTRS, **(attrs or {})}, format="%Y-%m-%d %H:%M")


class MoneyInput(forms.TextInput):
    """An amount shown with thousands separators while typing ("1,280,000.00"); the page posts the plain number
    ("1280000.00"), so any amount field reads it."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        base = {"inputmode": "decimal", "autocomplete": "off", "data-gx-money": "", "class": "text-end"}
        super().__init__(attrs={**base, **(attrs or {})})


def _remote_attrs(remote: str | None) -> dict[str, str]:
    if remote is None:
        return {}
    url, label = REMOTE_SOURCES[remote]
    return {"data-gx-select-url": url, "data-gx-select-label": label}


class _Searchable:
    """Shared by the single and multiple choice: with `remote` and a model field's choices, only the chosen
    options are rendered (the rest are fetched as the user types), so 10,000 customers cost nothing on the page.
    Choices set as a plain list (e.g. "your own customers") are all offered first, the search finds the rest."""

    remote: str | None
    choices: Any

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = (), *, remote: str | None = None):
        self.remote = remote
        super().__init__(  # type: ignore[call-arg]
            attrs={"data-gx-select": "", **_remote_attrs(remote), **(attrs or {})}, choices=choices
        )

    def _chosen_only(self, value: Iterable[Any]) -> list[tuple[Any, Any]]:
        picked = [str(v) for v in value if v not in (None, "")]
        choices = self.choices
        queryset = getattr(choices, "queryset", None)
        if queryset is None:
            return list(choices)
        rows = [choices.choice(obj) for obj in queryset.filter(pk__in=picked)] if picked else []
        empty = [("", choices.field.empty_label)] if choices.field.empty_label is not None else []
        return empty + rows

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> Any:
        if not self.remote:
            return super().optgroups(name, value, attrs)  # type: ignore[misc]
        everything = self.choices
        self.choices = self._chosen_only(value)
        try:
            return super().optgroups(name, value, attrs)  # type: ignore[misc]
        finally:
            self.choices = everything


class SearchSelect(_Searchable, forms.Select):
    """A choice you can search by typing. `remote="customers"` (or "products", "users") looks the records up on
    the server instead of listing them all."""


class SearchSelectMultiple(_Searchable, forms.SelectMultiple):
    """Several choices, searchable, shown as removable chips."""
