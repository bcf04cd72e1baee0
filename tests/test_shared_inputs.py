"""Every form of every app takes dates, times and amounts through the shared inputs (core.widgets): one yyyy-mm-dd
calendar, one money input with separators. A new form with a plain DateField or an amount typed into a number box
fails here."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from django import forms

import guanxi
from guanxi.core.forms import MoneyField
from guanxi.core.widgets import DateInput, DateTimeInput, MoneyInput

MONEY_WORDS = ("amount", "price")


def _all_form_classes() -> Iterator[type[forms.BaseForm]]:
    for info in pkgutil.walk_packages(guanxi.__path__, "guanxi."):
        if ".tests" in info.name or ".migrations" in info.name or info.name.endswith((".settings", ".asgi")):
            continue
        if info.name.rsplit(".", 1)[-1].startswith(("forms", "views", "setup_views")):
            importlib.import_module(info.name)
    seen: set[type] = set()
    todo: list[type] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
                if sub.__module__.startswith("guanxi.") and ".tests" not in sub.__module__:
                    yield sub


def test_dates_times_and_amounts_use_the_shared_inputs():
    wrong = []
    classes = list(_all_form_classes())
    for form_class in classes:
        for name, field in getattr(form_class, "base_fields", {}).items():
            where = f"{form_class.__module__}.{form_class.__name__}.{name}"
            if isinstance(field, forms.DateTimeField) and not isinstance(field.widget, DateTimeInput):
                wrong.append(f"{where}: a date and time without core.widgets.DateTimeInput")
            elif isinstance(field, forms.DateField) and not isinstance(field.widget, DateInput):
                wrong.append(f"{where}: a date without core.widgets.DateInput")
            elif (
                isinstance(field, forms.DecimalField)
                and any(w in name for w in MONEY_WORDS)
                and not (isinstance(field, MoneyField) and isinstance(field.widget, MoneyInput))
            ):
                wrong.append(f"{where}: an amount without core.forms.MoneyField")
    assert len(classes) > 20  # the walk found the project's forms
    assert not wrong, "\n".join(wrong)
