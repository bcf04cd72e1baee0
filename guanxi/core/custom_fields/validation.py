"""The one check of custom values: `custom_values_clean` takes what a form, the API or an import sends for an
object's custom fields and returns the record's new `custom` column, or raises ValidationFailed (400) with one
translated message per field naming its label, or PermissionDeniedError (403) for a field the actor may not set.
Every service that writes an object with custom fields calls it before its save."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from ..errors import PermissionDeniedError, ValidationFailed
from .definitions import FieldDef, can_edit, fields_for, required_for
from .models import FieldType
from .values import Refused, clean_value, is_empty

UNIQUE_TYPES = (FieldType.TEXT, FieldType.NUMBER, FieldType.MONEY, FieldType.DATE, FieldType.USER)


def _required(field: FieldDef, probability: int | None, actor: Any) -> bool:
    if required_for(actor, field):
        return True
    threshold = field.required_from_probability
    return bool(threshold) and probability is not None and probability >= threshold


def custom_values_clean(
    *,
    actor: Any,
    target: str,
    values: Any,
    current: Mapping[str, Any] | None = None,
    creating: bool = False,
    complete: bool = False,
    probability: int | None = None,
    instance_pk: Any = None,
) -> dict[str, Any]:
    """The record's new custom values: `current` with `values` ({code: value}) applied, each cleaned by its type.

    - A code no active field has is refused; a field the actor may not edit (its roles) is refused with 403 unless
      the value sent is the one the record holds (a client sending back what it read changes nothing).
    - `creating`: fields not sent get their default. Required fields (always, or for the actor's department) are
      checked on a new record, on a `complete` form, and for each field sent; an opportunity's fields required
      from a stage when `probability` reaches it.
    - Unique fields: no other record of the object holds the same value.
    Values of retired fields stay on the record untouched."""
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ValidationFailed(
            _("Custom fields: send an object of field codes and values."),
            fields={"custom": [_("Custom fields: send an object of field codes and values.")]},
        )
    held = dict(current or {})
    result = dict(held)
    fields = {f.code: f for f in fields_for(target)}
    errors: dict[str, list[str]] = {}
    denied: dict[str, list[str]] = {}
    for code, raw in values.items():
        field = fields.get(str(code))
        if field is None:
            errors[f"custom.{code}"] = [_("No custom field has the code “%(code)s”.") % {"code": str(code)[:40]}]
            continue
        try:
            value = clean_value(field, raw, current=held.get(field.code))
        except Refused as exc:
            errors[field.key] = [f"{field.label}: {exc}"]
            continue
        if value == held.get(field.code):
            continue
        if not can_edit(actor, field):
            denied[field.key] = [_("%(label)s: you may not change this field.") % {"label": field.label}]
            continue
        if value is None:
            result.pop(field.code, None)
        else:
            result[field.code] = value
    if creating:
        for field in fields.values():
            if field.code not in values and field.default not in (None, "", []):
                with contextlib.suppress(Refused):  # a default that no longer fits (a retired entry) is left out
                    result[field.code] = clean_value(field, field.default)
    for field in fields.values():
        if field.key in errors or not _required(field, probability, actor):
            continue
        if not (creating or complete or field.code in values) or (actor is None and field.code not in values):
            continue  # the public web form and jobs (no actor) cannot fill a required field in
        if is_empty(result.get(field.code)) and (can_edit(actor, field) or field.code in values):
            errors[field.key] = [_("%(label)s: this field is required.") % {"label": field.label}]
    for field in fields.values():
        value = result.get(field.code)
        if not field.unique or field.key in errors or is_empty(value) or value == held.get(field.code):
            continue
        if field.type in UNIQUE_TYPES and _taken(target, field.code, value, instance_pk):
            errors[field.key] = [_("%(label)s: another record already has this value.") % {"label": field.label}]
    if denied:
        raise PermissionDeniedError(next(iter(denied.values()))[0], fields=denied)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return result


def _taken(target: str, code: str, value: Any, instance_pk: Any) -> bool:
    model = apps.get_model(target)
    qs = model._base_manager.filter(**{f"custom__{code}": value})
    if instance_pk is not None:
        qs = qs.exclude(pk=instance_pk)
    return bool(qs.exists())


def custom_missing_at(*, target: str, custom: Mapping[str, Any] | None, probability: int) -> list[FieldDef]:
    """The fields required from a stage whose win probability `probability` reaches (opportunities) that the
    record has no value for: a stage move refuses to go there until they are filled."""
    stored = custom or {}
    return [
        f
        for f in fields_for(target)
        if f.required_from_probability and probability >= f.required_from_probability and is_empty(stored.get(f.code))
    ]


def without_custom(data: Mapping[str, Any]) -> dict[str, Any]:
    """The built-in fields of a service's input (the custom values go through custom_values_clean)."""
    return {k: v for k, v in data.items() if k != "custom"}
