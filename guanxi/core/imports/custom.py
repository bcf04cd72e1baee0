"""Custom fields in a spreadsheet import: each active custom field of the importer's object is one more column
to map (key "custom.<code>", recognised by its Chinese or English label or its code), in the template with a hint.

A cell is read as a person types it: a choice by its code or its label in either language, several choices
separated by commas (, ，、；;), a user by user name or full name, yes/no as 是/否 or yes/no. What it becomes is then
checked by the one check of custom values (custom_fields.validation.custom_values_clean): types, the actor's
right to set the field, required fields on new records, unique values."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from ..custom_fields.definitions import FieldDef, fields_for
from ..custom_fields.models import FieldType
from ..custom_fields.validation import custom_values_clean
from ..errors import PermissionDeniedError, ValidationFailed
from .base import Action, ImportField, RowOutcome
from .values import ChoiceLookup, cell_text

PREFIX = "custom."
_SEPARATORS = re.compile(r"[,，、;；]")


def custom_import_fields(target: str) -> tuple[ImportField, ...]:
    """The columns the active custom fields of `target` ("customers.customer") add to an import."""
    return tuple(
        ImportField(
            f"{PREFIX}{f.code}",
            f.label,
            aliases=tuple(a for a in (f.label_zh, f.label_en, f.code) if a),
            required=f.required,
            hint=f.help,
        )
        for f in fields_for(target)
    )


def custom_field_hint(target: str, key: str) -> str | None:
    """What to enter in a custom column (None for a built-in column)."""
    field = _field(target, key)
    if field is None:
        return None
    hint = {
        FieldType.DATE: _("A date: yyyy-mm-dd, yyyy/m/d or an Excel date."),
        FieldType.DATETIME: _("A date and time: yyyy-mm-dd hh:mm."),
        FieldType.BOOLEAN: _("是/否 or yes/no."),
        FieldType.USER: _("User name or full name."),
        FieldType.CUSTOMER: _("The customer's id."),
        FieldType.CONTACT: _("The contact's id."),
    }.get(FieldType(field.type), "")
    if field.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        hint = _("One of: %(choices)s") % {"choices": ChoiceLookup.of_dictionary(field.dictionary).labels()}
        if field.type == FieldType.MULTI_CHOICE:
            hint += " " + _("Several separated by commas.")
    if field.required_departments and not field.required:
        hint += " " + _("Required when a user of some departments imports it.")
    return " ".join(part.strip() for part in (hint, field.help) if part.strip())


class CustomCells:
    """Reads the custom columns of an import's rows: `sent(outcome)` gives the values a row sets ({code: value}),
    rejecting the row with the reason when a cell cannot be read."""

    def __init__(self, *, target: str, outcomes: Iterable[RowOutcome]):
        self.target = target
        self.fields = {f.code: f for f in fields_for(target)}
        self._lookups = {
            f.code: ChoiceLookup.of_dictionary(f.dictionary)
            for f in self.fields.values()
            if f.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
        }
        names = {
            cell_text(o.values.get(f"{PREFIX}{f.code}"))
            for o in outcomes
            for f in self.fields.values()
            if f.type == FieldType.USER
        }
        self._users = users_by_name({n for n in names if n})

    def sent(self, outcome: RowOutcome) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, raw in outcome.values.items():
            field = _field_in(self.fields, key)
            if field is None or not cell_text(raw):
                continue
            try:
                values[field.code] = self._read(field, raw)
            except ValueError as exc:
                outcome.reject(f"{field.label}: {exc}")
        return values

    def _read(self, field: FieldDef, raw: Any) -> Any:
        if field.type == FieldType.CHOICE:
            return self._lookups[field.code](raw)
        if field.type == FieldType.MULTI_CHOICE:
            return [self._lookups[field.code](part) for part in _SEPARATORS.split(cell_text(raw)) if part.strip()]
        if field.type == FieldType.USER:
            text = cell_text(raw)
            found = self._users.get(text)
            if found is None:
                raise ValueError(_("no active user %(name)s.") % {"name": text[:50]})
            if found == 0:
                raise ValueError(_("several users are called %(name)s; use the user name.") % {"name": text[:50]})
            return found
        if field.type in (FieldType.TEXT, FieldType.LONG_TEXT):
            return cell_text(raw)
        return raw


def custom_row_clean(
    *,
    actor: Any,
    target: str,
    outcome: RowOutcome,
    current: Mapping[str, Any] | None = None,
    instance_pk: Any = None,
) -> dict[str, Any] | None:
    """The record's custom column after the row's custom cells (`outcome.extra["custom"]`, from CustomCells.sent):
    on a new record (`instance_pk` None) with defaults and required fields. None, with the row rejected and the
    reasons named by field, when the check of custom values refuses."""
    try:
        return custom_values_clean(
            actor=actor,
            target=target,
            values=dict(outcome.extra.get("custom") or {}),
            current=current,
            creating=instance_pk is None,
            instance_pk=instance_pk,
        )
    except (ValidationFailed, PermissionDeniedError) as exc:
        messages = [m for ms in (getattr(exc, "fields", None) or {}).values() for m in ms] or [str(exc)]
        for message in messages:
            outcome.reject(message)
        return None


def custom_row_decide(*, actor: Any, target: str, outcome: RowOutcome, current: Any = None) -> None:
    """After a row's decision: a new record gets its custom column (defaults, required fields checked); on the
    record it updates (`current`), a changed custom column is one more change of the row."""
    if outcome.action == Action.CREATE:
        outcome.data["custom"] = custom_row_clean(actor=actor, target=target, outcome=outcome) or {}
    elif outcome.ok and current is not None and outcome.extra.get("custom"):
        held = current.custom or {}
        custom = custom_row_clean(actor=actor, target=target, outcome=outcome, current=held, instance_pk=current.pk)
        if custom is not None and custom != held:
            outcome.extra.setdefault("changes", {})["custom"] = [held, custom]
            outcome.action = Action.UPDATE


def without_custom_cells(values: Mapping[str, Any]) -> dict[str, Any]:
    """A row's built-in columns."""
    return {k: v for k, v in values.items() if not k.startswith(PREFIX)}


def _field(target: str, key: str) -> FieldDef | None:
    return _field_in({f.code: f for f in fields_for(target)}, key)


def _field_in(fields: Mapping[str, FieldDef], key: str) -> FieldDef | None:
    return fields.get(key[len(PREFIX) :]) if key.startswith(PREFIX) else None


def users_by_name(names: set[str]) -> dict[str, int]:
    """User name or full name → the active user's id (0 when a full name is several users' and no user name)."""
    if not names:
        return {}
    users = apps.get_model(settings.AUTH_USER_MODEL)._default_manager.filter(is_active=True)
    by_username: dict[str, int] = {}
    by_name: dict[str, set[int]] = defaultdict(set)
    for pk, username, name in users.filter(Q(username__in=names) | Q(name__in=names)).values_list(
        "pk", "username", "name"
    ):
        if username in names:
            by_username[username] = pk
        if name in names:
            by_name[name].add(pk)
    found = {name: (next(iter(pks)) if len(pks) == 1 else 0) for name, pks in by_name.items()}
    found.update(by_username)
    return found
