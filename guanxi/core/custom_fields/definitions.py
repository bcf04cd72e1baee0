"""Reading custom field definitions: one per-process copy of every definition, dropped on each change (and, in
other processes, on the next read once the shared revision moved or after MAX_AGE seconds), so a warm page reads
them without a query. Who sees and who edits a field: `can_see`, `can_edit`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache as shared_cache
from django.db import transaction

from ..dictionaries.labels import pick_label
from ..ports import PERMISSIONS
from ..registry import registry

MAX_AGE = 30.0
REVISION_KEY = "guanxi:custom_fields:revision"
ADMIN_PERMISSION = "org.admin"

_lock = threading.Lock()
_loaded: tuple[float, Any, dict[str, tuple[FieldDef, ...]]] | None = None
changed = False  # set by every change: tests drop the copy after a test that changed a definition


@dataclass(frozen=True)
class FieldDef:
    """One definition as read (immutable: shared between threads)."""

    id: int
    target: str
    code: str
    label_zh: str
    label_en: str
    help_zh: str
    help_en: str
    type: str
    dictionary: str
    required: bool
    required_from_probability: int
    default: Any
    unique: bool
    filterable: bool
    is_active: bool
    order: int
    view_roles: tuple[str, ...]
    edit_roles: tuple[str, ...]
    required_departments: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return pick_label(self.label_zh, self.label_en) or self.code

    @property
    def help(self) -> str:
        return pick_label(self.help_zh, self.help_en)

    @property
    def key(self) -> str:
        """The name of the field in forms and error messages: "custom.<code>"."""
        return f"custom.{self.code}"


def _read() -> dict[str, tuple[FieldDef, ...]]:
    from .models import CustomField

    found: dict[str, list[FieldDef]] = {}
    for r in CustomField.objects.order_by("target", "order", "id"):
        found.setdefault(r.target, []).append(
            FieldDef(
                id=r.pk,
                target=r.target,
                code=r.code,
                label_zh=r.label_zh,
                label_en=r.label_en,
                help_zh=r.help_zh,
                help_en=r.help_en,
                type=r.type,
                dictionary=r.dictionary,
                required=r.required,
                required_from_probability=r.required_from_probability,
                default=r.default,
                unique=r.unique,
                filterable=r.filterable,
                is_active=r.is_active,
                order=r.order,
                view_roles=tuple(r.view_roles or ()),
                edit_roles=tuple(r.edit_roles or ()),
                required_departments=tuple(int(d) for d in r.required_departments or ()),
            )
        )
    return {k: tuple(v) for k, v in found.items()}


def _all() -> dict[str, tuple[FieldDef, ...]]:
    global _loaded
    now = time.monotonic()
    held = _loaded
    if held is not None:
        loaded_at, revision, data = held
        if now - loaded_at < MAX_AGE and shared_cache.get(REVISION_KEY) in (None, revision):
            return data
    revision = shared_cache.get(REVISION_KEY)
    data = _read()
    with _lock:
        _loaded = (now, revision, data)
    return data


def preload() -> None:
    _all()


def drop_local_copy() -> None:
    global _loaded, changed
    with _lock:
        _loaded = None
    changed = False


def forget() -> None:
    """Drop this process' copy and move the shared revision; once more after commit (see dictionaries.cache)."""
    global changed
    changed = True

    def drop() -> None:
        global _loaded
        with _lock:
            _loaded = None
        shared_cache.set(REVISION_KEY, time.time_ns(), timeout=None)

    drop()
    transaction.on_commit(drop)


def fields_for(target: str, *, active_only: bool = True) -> list[FieldDef]:
    """The fields of an object ("customers.customer") in their order; retired ones too unless `active_only`."""
    return [f for f in _all().get(target, ()) if f.is_active or not active_only]


def field_by_code(target: str, code: str) -> FieldDef | None:
    return next((f for f in _all().get(target, ()) if f.code == code), None)


def _privileged(user: Any) -> bool:
    if user is None:
        return True  # the system itself (imports run as their user, jobs as nobody)
    if getattr(user, "is_superuser", False):
        return True
    return bool(registry.port(PERMISSIONS).has_permission(user, ADMIN_PERMISSION))


def _roles(user: Any) -> frozenset[str]:
    return registry.port(PERMISSIONS).role_codes(user)


def can_see(user: Any, field: FieldDef) -> bool:
    """Whether the user sees the field (on a record they may see): no roles named, one of their roles, or admin."""
    if not field.view_roles or _privileged(user):
        return True
    return bool(_roles(user) & set(field.view_roles))


def can_edit(user: Any, field: FieldDef) -> bool:
    """Whether the user may set the field (on a record they may edit)."""
    if not can_see(user, field):
        return False
    if not field.edit_roles or _privileged(user):
        return True
    return bool(_roles(user) & set(field.edit_roles))


def required_for(user: Any, field: FieldDef) -> bool:
    """Whether the field is required when this user writes the record: always (`required`), or because the user
    belongs to one of its `required_departments` or a department beneath one."""
    if field.required:
        return True
    if not field.required_departments or user is None:
        return False
    path = str(getattr(getattr(user, "department", None), "path", "") or "")
    return any(f"/{d}/" in path for d in field.required_departments)


def role_sees(role: str, field: FieldDef) -> bool:
    """Whether a holder of this role code sees the field (by the role alone, no administrator's right); "" (no
    role): only the fields shown to everyone."""
    return not field.view_roles or (bool(role) and role in field.view_roles)


def values_for_role(role: str, target: str, custom: dict[str, Any] | None) -> dict[str, Any]:
    """The stored custom values of the active fields a holder of `role` sees (webhook payloads)."""
    shown = {f.code for f in fields_for(target) if role_sees(role, f)}
    return {code: value for code, value in (custom or {}).items() if code in shown}


def visible_fields(user: Any, target: str) -> list[FieldDef]:
    return [f for f in fields_for(target) if can_see(user, f)]


def editable_fields(user: Any, target: str) -> list[FieldDef]:
    return [f for f in fields_for(target) if can_edit(user, f)]


def visible_values(user: Any, target: str, custom: dict[str, Any] | None) -> dict[str, Any]:
    """The stored values of the fields the user sees (the API's `custom`): {code: value}, None where unset."""
    stored = custom or {}
    return {f.code: stored.get(f.code) for f in visible_fields(user, target)}


SEARCHED_TYPES = ("text",)  # FieldType.TEXT (this module is read before the models may be imported)


def searched_texts(target: str, custom: dict[str, Any] | None) -> list[str]:
    """The values of the object's custom text fields that search finds a record by: active text fields every
    reader sees (a field shown to some roles only is not searched, so a search cannot reveal its value)."""
    stored = custom or {}
    return [
        str(stored[f.code])
        for f in fields_for(target)
        if f.type in SEARCHED_TYPES and not f.view_roles and stored.get(f.code) not in (None, "")
    ]
