"""Custom values on a record page: the fields the reader sees, labelled, each value as its type shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .definitions import fields_for, visible_fields
from .values import display_value, linked_names


@dataclass(frozen=True)
class ShownValue:
    code: str
    label: str
    help: str
    text: str
    type: str


def custom_values_shown(user: Any, obj: Any, *, target: str | None = None) -> list[ShownValue]:
    """(label, text) of each active custom field the user sees on `obj`, in the fields' order (empty ones too)."""
    target = target or obj._meta.label_lower
    if not fields_for(target):
        return []
    fields = visible_fields(user, target)
    stored = getattr(obj, "custom", None) or {}
    names = linked_names(fields, [stored])
    return [
        ShownValue(f.code, f.label, f.help, display_value(f, stored.get(f.code), names=names), f.type) for f in fields
    ]
