"""Custom fields on a web form: `custom_fields_attach` adds one form field per custom field the user may edit
(named "custom.<code>", the name the services' errors use, so each error lands under its field), with the shared
input of its type; `custom_form_values` reads them back as {code: value} for the service, which checks them again
(custom_values_clean). The include "core/_custom_fields_form.html" renders them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from ..dictionaries.selectors import active_choices
from ..forms import DateField, DateTimeField, MoneyField
from ..widgets import SearchSelect, SearchSelectMultiple
from .definitions import FieldDef, editable_fields, required_for
from .models import FieldType
from .values import LINKED_MODELS, LONG_TEXT_MAX, TEXT_MAX

PREFIX = "custom."


def _initial(field: FieldDef, value: Any) -> Any:
    if value is None:
        return None
    if field.type == FieldType.DATE:
        return parse_date(str(value))
    if field.type == FieldType.DATETIME:
        moment = parse_datetime(str(value))
        return timezone.localtime(moment) if moment else None
    return value


def _form_field(field: FieldDef, current: Any, *, required: bool) -> forms.Field:
    common: dict[str, Any] = {"label": field.label, "help_text": field.help, "required": required}
    kind = field.type
    if kind == FieldType.TEXT:
        return forms.CharField(max_length=TEXT_MAX, **common)
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == FieldType.NUMBER:
        return forms.DecimalField(max_digits=22, decimal_places=6, **common)
    if kind == FieldType.MONEY:
        return MoneyField(**common)
    if kind == FieldType.DATE:
        return DateField(**common)
    if kind == FieldType.DATETIME:
        return DateTimeField(**common)
    if kind == FieldType.BOOLEAN:
        # A required yes/no is a choice of yes or no (a ticked box cannot say "no" and be required).
        if required:
            return forms.TypedChoiceField(
                choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))],
                coerce=lambda v: v == "true",
                empty_value=None,
                **common,
            )
        return forms.BooleanField(**{**common, "required": False})
    if kind == FieldType.CHOICE:
        choices = [("", "—"), *active_choices(field.dictionary, keep=[current])]
        return forms.ChoiceField(choices=choices, widget=SearchSelect(), **common)
    if kind == FieldType.MULTI_CHOICE:
        keep = current if isinstance(current, list) else []
        return forms.MultipleChoiceField(
            choices=active_choices(field.dictionary, keep=keep), widget=SearchSelectMultiple(), **common
        )
    if kind == FieldType.USER:
        queryset = apps.get_model(settings.AUTH_USER_MODEL)._default_manager.filter(is_active=True)
        return forms.ModelChoiceField(queryset=queryset, widget=SearchSelect(remote="users"), **common)
    model = apps.get_model(LINKED_MODELS[FieldType(kind)])
    remote = "customers" if kind == FieldType.CUSTOMER else "contacts"
    return forms.ModelChoiceField(queryset=model._default_manager.all(), widget=SearchSelect(remote=remote), **common)


def custom_fields_attach(form: forms.BaseForm, *, user: Any, target: str, instance: Any = None) -> list[str]:
    """Add the custom fields `user` may edit to `form` (at its end); returns their names. A new record's fields
    start with their defaults, an existing record's with its values."""
    stored = (getattr(instance, "custom", None) or {}) if instance is not None else None
    names = []
    for field in editable_fields(user, target):
        current = stored.get(field.code) if stored is not None else None
        required = required_for(user, field)
        form_field = _form_field(field, current, required=required)
        widget = form_field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        name = PREFIX + field.code
        form.fields[name] = form_field
        value = current if stored is not None else field.default
        if field.type == FieldType.BOOLEAN and required and value is not None:
            value = "true" if value else "false"
        form.initial.setdefault(name, _initial(field, value))
        names.append(name)
    form.custom_field_names = names  # type: ignore[attr-defined]
    return names


def custom_bound_fields(form: forms.BaseForm) -> list[forms.BoundField]:
    return [form[name] for name in getattr(form, "custom_field_names", [])]


def custom_form_values(form: forms.BaseForm) -> dict[str, Any]:
    """{code: value} of the form's custom fields, for the service (None for an emptied field)."""
    out: dict[str, Any] = {}
    for name in getattr(form, "custom_field_names", []):
        value: Any = form.cleaned_data.get(name)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, list) and not value:
            value = None
        elif value is not None and not isinstance(value, bool | str | int | list):
            value = str(value)
        out[name.removeprefix(PREFIX)] = value
    return out


class CustomValuesForm(forms.Form):
    """The custom fields alone, for a page whose form is written by hand (quotes, contracts): bound to the same
    POST, rendered with "core/_custom_fields_form.html" inside the page's <form>."""


def custom_values_form(*, user: Any, target: str, instance: Any = None, data: Any = None) -> CustomValuesForm:
    form = CustomValuesForm(data)
    custom_fields_attach(form, user=user, target=target, instance=instance)
    return form


def custom_values_or_refuse(form: CustomValuesForm) -> dict[str, Any]:
    """{code: value} of a bound CustomValuesForm, or ValidationFailed naming each bad field ("custom.<code>")."""
    from ..errors import ValidationFailed

    if not form.is_valid():
        fields = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
        raise ValidationFailed(str(_("Please correct the errors below.")), fields=fields)
    return custom_form_values(form)


def custom_errors_to_form(form: forms.BaseForm, fields: dict[str, list[str]]) -> None:
    """Put a service's errors on custom fields ("custom.<code>") under those fields of `form`."""
    if not form.is_bound:
        return
    form.errors  # noqa: B018  (validates first, so add_error keeps the other fields' values)
    for name, messages in fields.items():
        if name in form.fields and name not in form.errors:
            for message in messages:
                form.add_error(name, message)
