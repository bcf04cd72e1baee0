"""A model field whose value is a dictionary entry's code, and the form field that offers the entries.

`DictionaryField("level", dictionary="customer_level")` is a CharField (the column keeps the code, see
docs/decisions/0010): `full_clean` refuses an unknown code and a retired one unless the row already holds it,
`get_<field>_display()` answers the entry's label in the reader's language, and its form field offers the active
entries (plus the record's current value when it is retired).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partialmethod
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import selectors

# dictionary key -> the model fields that store its codes (a new code must fit the narrowest column)
FIELDS_USING: dict[str, list[DictionaryField]] = {}


def _display(instance: models.Model, *, field: DictionaryField) -> str:
    return selectors.label_of(field.dictionary, getattr(instance, field.attname))


class DictionaryField(models.CharField):
    description = _("A code of a dictionary entry")

    def __init__(self, *args: Any, dictionary: str, **kwargs: Any):
        self.dictionary = dictionary
        kwargs.setdefault("max_length", 50)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["dictionary"] = self.dictionary
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract and "__fake__" not in cls.__module__:  # migrations' historical models don't count
            FIELDS_USING.setdefault(self.dictionary, []).append(self)
        if f"get_{name}_display" not in cls.__dict__:
            setattr(cls, f"get_{name}_display", partialmethod(_display, field=self))

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        if value in self.empty_values:
            return
        found = selectors.entry(self.dictionary, value)
        label = capfirst(self.verbose_name)
        if found is None:
            if self._held_already(value, model_instance):
                # a value no entry has (written by a bulk path or before the dictionary knew it) stays on its
                # record: an unrelated change (winning a deal updates the customer's status) is not refused for it
                return
            raise ValidationError(
                _("%(field)s: “%(value)s” is not in the list; choose one of its values."),
                code="invalid_choice",
                params={"field": label, "value": value},
            )
        if not found.is_active and not self._held_already(value, model_instance):
            raise ValidationError(
                _("%(field)s: “%(value)s” is retired; choose another value."),
                code="retired_choice",
                params={"field": label, "value": found.label},
            )

    def _held_already(self, value: Any, model_instance: models.Model | None) -> bool:
        """A record keeps a retired or unknown value it already has (one query, only for such a value)."""
        if model_instance is None or model_instance.pk is None:
            return False
        manager = type(model_instance)._base_manager
        return manager.filter(pk=model_instance.pk, **{self.attname: value}).exists()

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        options: dict[str, Any] = {
            "dictionary": self.dictionary,
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
        }
        if self.has_default():
            options["initial"] = self.get_default()
        options.update(
            {k: v for k, v in kwargs.items() if k in ("widget", "label", "required", "help_text", "initial")}
        )
        return DictionaryChoiceField(**options)


class DictionarySelect(forms.Select):
    """A select of the active entries that also shows the value a record holds when it is retired (or unknown)."""

    dictionary = ""

    def optgroups(self, name: str, value: Any, attrs: Any = None) -> Any:
        held = [v for v in value if v not in ("", None)]
        offered = {str(v) for v, _label in self.choices}
        extra = [(v, selectors.label_of(self.dictionary, v, mark_retired=True)) for v in held if str(v) not in offered]
        if extra:
            self.choices = [*self.choices, *extra]
        return super().optgroups(name, value, attrs)


class DictionaryChoiceField(forms.ChoiceField):
    """The entries of a dictionary: active ones offered, any known code accepted (the model field then refuses a
    retired code the record does not already hold, with a message naming the field)."""

    widget = DictionarySelect

    def __init__(self, *, dictionary: str, **kwargs: Any):
        self.dictionary = dictionary
        super().__init__(choices=self._choices_now, **kwargs)
        if isinstance(self.widget, DictionarySelect):
            self.widget.dictionary = dictionary

    def _choices_now(self) -> Iterator[tuple[str, str]]:
        if not self.required:
            yield ("", "—")
        yield from selectors.active_choices(self.dictionary)

    def valid_value(self, value: Any) -> bool:
        return selectors.entry(self.dictionary, value) is not None
