"""Configuring custom fields: add a field to an object, edit it, retire and restore it, move it up or down.

Each action needs org.admin (the PERMISSIONS port), runs in one transaction, writes an audit row (old → new) and
drops the cached definitions. A field's object, code and type never change once created: records hold values
under that code in that form."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..dictionaries.selectors import dictionary as dictionary_snapshot
from ..errors import NotFoundError, ValidationFailed
from ..ports import PERMISSIONS
from ..registry import registry
from ..services import model_create, model_update
from . import definitions
from .models import CHOICE_TYPES, UNIQUE_TYPES, CustomField, FieldType
from .values import Refused, clean_value

ADMIN_PERMISSION = "org.admin"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ROLE_PATTERN = re.compile(r"^[\w\-]{1,50}$")
EDITABLE = (
    "label_zh",
    "label_en",
    "help_zh",
    "help_en",
    "dictionary",
    "required",
    "required_departments",
    "required_from_probability",
    "default",
    "unique",
    "filterable",
    "view_roles",
    "edit_roles",
)


def _require_admin(actor: Any) -> None:
    registry.port(PERMISSIONS).require_permission(actor, ADMIN_PERMISSION)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().casefold() in ("1", "true", "on", "yes")
    return bool(value)


def _roles(value: Any, name: str, label: str, errors: dict[str, list[str]]) -> list[str]:
    if value in (None, ""):
        return []
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else None
    if items is None or not all(isinstance(v, str) and ROLE_PATTERN.match(v) for v in items):
        errors[name] = [_("%(label)s: choose roles from the list.") % {"label": label}]
        return []
    return sorted(set(items))


def _departments(value: Any, errors: dict[str, list[str]]) -> list[int]:
    """Department ids (of existing departments) a field is required in."""
    if value in (None, ""):
        return []
    items = [value] if isinstance(value, (str, int)) else list(value) if isinstance(value, (list, tuple)) else None
    try:
        ids = sorted({int(v) for v in items or []}) if items is not None else None
    except (TypeError, ValueError):
        ids = None
    department = apps.get_model(settings.AUTH_USER_MODEL)._meta.get_field("department").related_model
    if ids is None or department._default_manager.filter(pk__in=ids).count() != len(ids):
        errors["required_departments"] = [_("Required in departments: choose departments from the list.")]
        return []
    return ids


def _clean(data: dict[str, Any], *, type_: str, by_stage: bool, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The settings sent, checked; a setting that does not apply to the field's type or object is refused, naming
    it (a dictionary for a field that is no choice, uniqueness for a type that cannot be unique, "required from a
    win probability" for an object without stages)."""
    out: dict[str, Any] = {}
    for name, label, limit, required in (
        ("label_zh", _("Chinese label"), 100, True),
        ("label_en", _("English label"), 100, False),
        ("help_zh", _("Chinese help text"), 300, False),
        ("help_en", _("English help text"), 300, False),
    ):
        if name in data:
            out[name] = " ".join(str(data.get(name) or "").split())
            if required and not out[name]:
                errors[name] = [_("%(label)s: this field is required.") % {"label": label}]
            elif len(out[name]) > limit:
                errors[name] = [_("%(label)s: at most %(limit)s characters.") % {"label": label, "limit": limit}]
    for name in ("required", "unique", "filterable"):
        if name in data:
            out[name] = _flag(data[name])
    if "required_from_probability" in data:
        try:
            out["required_from_probability"] = int(data.get("required_from_probability") or 0)
            if not 0 <= out["required_from_probability"] <= 100:
                raise ValueError
        except (TypeError, ValueError):
            errors["required_from_probability"] = [_("Required from win probability: a whole number from 0 to 100.")]
        else:
            if out["required_from_probability"] and not by_stage:
                errors["required_from_probability"] = [
                    _("Required from win probability: only fields of opportunities are required by stage.")
                ]
    if "required_departments" in data:
        out["required_departments"] = _departments(data["required_departments"], errors)
    if "view_roles" in data:
        out["view_roles"] = _roles(data["view_roles"], "view_roles", _("Roles who see it"), errors)
    if "edit_roles" in data:
        out["edit_roles"] = _roles(data["edit_roles"], "edit_roles", _("Roles who edit it"), errors)
    if "dictionary" in data:
        out["dictionary"] = str(data.get("dictionary") or "").strip()
    if type_ in CHOICE_TYPES and "dictionary" in out:
        if not out["dictionary"]:
            errors["dictionary"] = [_("Dictionary: a choice field needs a dictionary.")]
        elif not dictionary_snapshot(out["dictionary"]).revision:
            errors["dictionary"] = [_("Dictionary: no dictionary has the key “%(key)s”.") % {"key": out["dictionary"]}]
    elif out.get("dictionary") and type_ in FieldType.values:
        errors["dictionary"] = [_("Dictionary: only single and multiple choice fields take a dictionary.")]
    elif "dictionary" in out:
        out["dictionary"] = ""
    if out.get("unique") and type_ not in UNIQUE_TYPES:
        errors["unique"] = [_("Unique: only text, number, money, date and user fields can be unique.")]
    return out


def _clean_default(draft: definitions.FieldDef, raw: Any, errors: dict[str, list[str]]) -> Any:
    try:
        return clean_value(draft, raw)
    except Refused as exc:
        errors["default"] = [_("Default: %(error)s") % {"error": exc}]
        return None


def _draft(row: CustomField, values: dict[str, Any]) -> definitions.FieldDef:
    merged = {**{f: getattr(row, f) for f in ("target", "code", "type", "dictionary", "label_zh", "label_en")}}
    merged.update({k: v for k, v in values.items() if k in merged})
    return definitions.FieldDef(
        id=row.pk or 0,
        target=merged["target"],
        code=merged["code"],
        label_zh=merged["label_zh"],
        label_en=merged["label_en"],
        help_zh="",
        help_en="",
        type=merged["type"],
        dictionary=merged["dictionary"],
        required=False,
        required_from_probability=0,
        default=None,
        unique=False,
        filterable=False,
        is_active=True,
        order=0,
        view_roles=(),
        edit_roles=(),
    )


@transaction.atomic
def custom_field_create(*, actor: Any, data: dict[str, Any]) -> CustomField:
    """Add a field to an object (`target`, a registered CustomFieldTarget) at the end of its fields."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    target = str(data.get("target") or "")
    if not registry.custom_field_target_on(target):
        errors["target"] = [_("Object: choose one of the list.")]
    code = str(data.get("code") or "").strip()
    if not CODE_PATTERN.match(code):
        errors["code"] = [_("Code: a lowercase letter, then lowercase letters, digits or “_”, at most 40 characters.")]
    elif CustomField.objects.filter(target=target, code=code).exists():
        errors["code"] = [_("Code: this object already has a field “%(code)s”.") % {"code": code}]
    type_ = str(data.get("type") or "")
    if type_ not in FieldType.values:
        errors["type"] = [_("Type: choose one of the list.")]
    spec = registry.custom_field_targets.get(target)
    by_stage = spec is not None and spec.by_stage
    values = _clean({"label_zh": "", **data}, type_=type_, by_stage=by_stage, errors=errors)
    row = CustomField(target=target, code=code, type=type_, **values)
    if data.get("default") not in (None, "", []) and "type" not in errors and "dictionary" not in errors:
        row.default = _clean_default(_draft(row, values), data.get("default"), errors)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    row.order = (CustomField.objects.filter(target=target).aggregate(m=Max("order"))["m"] or 0) + 10
    model_create(instance=row, actor=actor)
    definitions.forget()
    _indexes_follow(row)
    return row


def _locked(field_id: int) -> CustomField:
    found = CustomField.objects.select_for_update().filter(pk=field_id).first()
    if found is None:
        raise NotFoundError(_("No such custom field."))
    return found


@transaction.atomic
def custom_field_update(*, actor: Any, field_id: int, data: dict[str, Any]) -> CustomField:
    """Edit a field's labels, help, rules and roles; its object, code and type stay."""
    _require_admin(actor)
    row = _locked(field_id)
    errors: dict[str, list[str]] = {}
    for fixed in ("target", "code", "type"):
        if fixed in data and str(data[fixed]) != str(getattr(row, fixed)):
            errors[fixed] = [_("%(name)s: never changes once the field exists; add a new field.") % {"name": fixed}]
    spec = registry.custom_field_targets.get(row.target)
    by_stage = spec is not None and spec.by_stage
    values = _clean({k: v for k, v in data.items() if k in EDITABLE}, type_=row.type, by_stage=by_stage, errors=errors)
    if "default" in data:
        raw = data.get("default")
        values["default"] = None if raw in (None, "", []) else _clean_default(_draft(row, values), raw, errors)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    row, changes = model_update(instance=row, data=values, actor=actor)
    if changes:
        definitions.forget()
        if "filterable" in changes:
            _indexes_follow(row)
        if "view_roles" in changes:
            _search_follows(row)
    return row


def _set_active(actor: Any, field_id: int, active: bool) -> CustomField:
    _require_admin(actor)
    row = _locked(field_id)
    if row.is_active != active:
        row, _changes = model_update(instance=row, data={"is_active": active}, actor=actor)
        definitions.forget()
        _indexes_follow(row)
        _search_follows(row)
    return row


@transaction.atomic
def custom_field_retire(*, actor: Any, field_id: int) -> CustomField:
    """Take the field off forms, pages, lists and the API; the records keep their values (restore brings them back)."""
    return _set_active(actor, field_id, False)


@transaction.atomic
def custom_field_restore(*, actor: Any, field_id: int) -> CustomField:
    return _set_active(actor, field_id, True)


@transaction.atomic
def custom_field_move(*, actor: Any, field_id: int, step: int) -> CustomField:
    """Move a field one place up (-1) or down (+1) among its object's fields (audited as an order change)."""
    _require_admin(actor)
    row = _locked(field_id)
    siblings = list(CustomField.objects.select_for_update().filter(target=row.target).order_by("order", "id"))
    at = next(i for i, r in enumerate(siblings) if r.pk == row.pk)
    to = at + (1 if step > 0 else -1)
    if not 0 <= to < len(siblings):
        return row
    siblings[at], siblings[to] = siblings[to], siblings[at]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.order != position * 10:
            model_update(instance=sibling, data={"order": position * 10}, actor=actor)
    definitions.forget()
    row.refresh_from_db()
    return row


def _indexes_follow(row: CustomField) -> None:
    """Filterable active fields get a database index on their value (list filters); see indexes.py."""
    from .indexes import custom_field_index_sync

    custom_field_index_sync(row)


def _search_follows(row: CustomField) -> None:
    """A searched field retired, restored or given to fewer or more readers: its records' search text follows."""
    from .search_refresh import custom_search_refresh_queue

    if row.type in definitions.SEARCHED_TYPES:
        custom_search_refresh_queue(target=row.target, code=row.code)
