"""Editing dictionaries (数据字典): add an entry, rename or recolour it, reorder, retire, restore.

Each action is one transaction, needs org.admin (the PERMISSIONS port, provided by org), writes an audit row
(the entry, old → new) and drops the cached copies (cache.py). Codes never change once created: records hold
them. Entries are never deleted: a retired entry stays on the records that hold it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog, Dictionary, DictionaryEntry
from guanxi.core.ports import PERMISSIONS
from guanxi.core.registry import registry
from guanxi.core.services import audit_record, model_create, model_update

from .cache import forget
from .fields import FIELDS_USING

ADMIN_PERMISSION = "org.admin"
# Tabler's colours: each entry's badge is `bg-<colour>-lt` (light background, dark text: AA contrast).
COLOURS = ("blue", "azure", "indigo", "purple", "pink", "red", "orange", "yellow", "lime", "green", "teal", "cyan")
CODE_PATTERN = re.compile(r"^[\w.\-]+$")
EDITABLE_FIELDS = ("label_zh", "label_en", "colour", "parent")


def _require_admin(actor: Any) -> None:
    registry.port(PERMISSIONS).require_permission(actor, ADMIN_PERMISSION)


def _dictionary_locked(key: str) -> Dictionary:
    found = Dictionary.objects.select_for_update().filter(key=key).first()
    if found is None:
        raise NotFoundError(_("No such dictionary."))
    return found


def _changed(dictionary: Dictionary) -> None:
    Dictionary.objects.filter(pk=dictionary.pk).update(revision=F("revision") + 1)
    dictionary.refresh_from_db(fields=["revision"])
    forget(dictionary.key, revision=dictionary.revision)


def code_max_length(key: str) -> int:
    """The longest code the dictionary's columns hold (the narrowest field that stores it)."""
    return min((f.max_length or 50 for f in FIELDS_USING.get(key, [])), default=50)


def _clean_text(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "label_zh" in data:
        out["label_zh"] = str(data.get("label_zh") or "").strip()
        if not out["label_zh"]:
            errors["label_zh"] = [_("Chinese label: this field is required.")]
        elif len(out["label_zh"]) > 100:
            errors["label_zh"] = [_("Chinese label: at most 100 characters.")]
    if "label_en" in data:
        out["label_en"] = str(data.get("label_en") or "").strip()
        if len(out["label_en"]) > 100:
            errors["label_en"] = [_("English label: at most 100 characters.")]
    if "colour" in data:
        out["colour"] = str(data.get("colour") or "").strip()
        if out["colour"] and out["colour"] not in COLOURS:
            errors["colour"] = [_("Colour: choose one of %(colours)s.") % {"colours": ", ".join(COLOURS)}]
    return out


def _parent(dictionary: Dictionary, code: Any, errors: dict[str, list[str]]) -> DictionaryEntry | None:
    if not code:
        return None
    if not dictionary.is_tree:
        errors["parent"] = [_("Parent: this dictionary is a flat list.")]
        return None
    found = DictionaryEntry.objects.filter(dictionary=dictionary, code=str(code)).first()
    if found is None:
        errors["parent"] = [_("Parent: no entry has the code “%(code)s”.") % {"code": code}]
    return found


@transaction.atomic
def dictionary_entry_create(*, actor: Any, key: str, data: dict[str, Any]) -> DictionaryEntry:
    """Add an entry at the end of the dictionary (or under `parent` in a tree)."""
    _require_admin(actor)
    dictionary = _dictionary_locked(key)
    errors: dict[str, list[str]] = {}
    code = str(data.get("code") or "").strip()
    limit = code_max_length(key)
    if not code:
        errors["code"] = [_("Code: this field is required.")]
    elif not CODE_PATTERN.match(code):
        errors["code"] = [_("Code: use letters, digits, “_”, “-” or “.”, without spaces.")]
    elif len(code) > limit:
        errors["code"] = [_("Code: at most %(limit)s characters.") % {"limit": limit}]
    elif DictionaryEntry.objects.filter(dictionary=dictionary, code=code).exists():
        errors["code"] = [_("Code: “%(code)s” is already in this dictionary.") % {"code": code}]
    values = _clean_text({"label_zh": "", "label_en": "", "colour": "", **data}, errors)
    parent = _parent(dictionary, data.get("parent"), errors)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    order = DictionaryEntry.objects.filter(dictionary=dictionary).aggregate(m=Max("order"))["m"] or 0
    entry = model_create(
        instance=DictionaryEntry(dictionary=dictionary, code=code, parent=parent, order=order + 10, **values),
        actor=actor,
    )
    _changed(dictionary)
    return entry


def _entry_locked(entry_id: int) -> DictionaryEntry:
    found = DictionaryEntry.objects.select_for_update().select_related("dictionary").filter(pk=entry_id).first()
    if found is None:
        raise NotFoundError(_("No such dictionary entry."))
    return found


@transaction.atomic
def dictionary_entry_update(*, actor: Any, entry_id: int, data: dict[str, Any]) -> DictionaryEntry:
    """Rename (Chinese, English), recolour or move under another parent; the code stays."""
    _require_admin(actor)
    entry = _entry_locked(entry_id)
    errors: dict[str, list[str]] = {}
    if "code" in data and str(data["code"]).strip() != entry.code:
        errors["code"] = [_("Code: a code never changes, records hold it; add a new entry and retire this one.")]
    values = _clean_text({k: v for k, v in data.items() if k in EDITABLE_FIELDS}, errors)
    if "parent" in data:
        values["parent"] = _parent(entry.dictionary, data.get("parent"), errors)
        if values["parent"] is not None and values["parent"].pk == entry.pk:
            errors["parent"] = [_("Parent: an entry cannot be its own parent.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    entry, changes = model_update(instance=entry, data=values, actor=actor)
    if changes:
        _changed(entry.dictionary)
    return entry


def _set_active(actor: Any, entry_id: int, active: bool) -> DictionaryEntry:
    _require_admin(actor)
    entry = _entry_locked(entry_id)
    if entry.is_active == active:
        return entry
    if not active and entry.is_system:
        raise InvalidStateError(
            _("“%(label)s” is built in: the application relies on it, so it can be renamed but not retired.")
            % {"label": entry.label}
        )
    entry, _changes = model_update(instance=entry, data={"is_active": active}, actor=actor)
    _changed(entry.dictionary)
    return entry


@transaction.atomic
def dictionary_entry_retire(*, actor: Any, entry_id: int) -> DictionaryEntry:
    """Take the entry off new forms; records that hold it keep it (shown marked retired), filters still find them."""
    return _set_active(actor, entry_id, False)


@transaction.atomic
def dictionary_entry_restore(*, actor: Any, entry_id: int) -> DictionaryEntry:
    return _set_active(actor, entry_id, True)


@transaction.atomic
def dictionary_entries_reorder(*, actor: Any, key: str, codes: Sequence[str]) -> Dictionary:
    """Put the entries in the order of `codes` (a drag on the settings page); entries not named keep their
    relative order after them. One audit row names the new order."""
    _require_admin(actor)
    dictionary = _dictionary_locked(key)
    rows = list(DictionaryEntry.objects.filter(dictionary=dictionary).order_by("order", "id"))
    by_code = {r.code: r for r in rows}
    unknown = [c for c in codes if c not in by_code]
    if unknown or len(set(codes)) != len(codes):
        raise ValidationFailed(
            _("Order: unknown or repeated codes (%(codes)s).") % {"codes": ", ".join(unknown) or "…"},
            fields={"order": [_("Order: unknown or repeated codes.")]},
        )
    wanted = [by_code[c] for c in codes] + [r for r in rows if r.code not in set(codes)]
    before = [r.code for r in rows]
    moved = []
    for position, row in enumerate(wanted, start=1):
        if row.order != position * 10:
            row.order = position * 10
            moved.append(row)
    if moved:
        DictionaryEntry.objects.bulk_update(moved, ["order"])
        after = [r.code for r in wanted]
        if after != before:
            audit_record(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                obj=dictionary,
                changes={"order": [before, after]},
                message=Message(gettext_noop("Reordered the dictionary %(name)s"), {"name": dictionary.label_en}),
            )
        _changed(dictionary)
    return dictionary


@transaction.atomic
def dictionary_entry_move(*, actor: Any, entry_id: int, step: int) -> DictionaryEntry:
    """Move an entry one place up (step -1) or down (+1) among its siblings (the keyboard-friendly reorder)."""
    _require_admin(actor)
    entry = _entry_locked(entry_id)
    siblings = list(
        DictionaryEntry.objects.filter(dictionary=entry.dictionary_id, parent=entry.parent_id).order_by("order", "id")
    )
    at = next(i for i, r in enumerate(siblings) if r.pk == entry.pk)
    to = at + (1 if step > 0 else -1)
    if not 0 <= to < len(siblings):
        return entry
    siblings[at], siblings[to] = siblings[to], siblings[at]
    everyone = list(DictionaryEntry.objects.filter(dictionary=entry.dictionary_id).order_by("order", "id"))
    sibling_ids = {r.pk for r in siblings}
    ordered = iter(siblings)
    codes = [next(ordered).code if r.pk in sibling_ids else r.code for r in everyone]
    dictionary_entries_reorder(actor=actor, key=entry.dictionary.key, codes=codes)
    entry.refresh_from_db()
    return entry
