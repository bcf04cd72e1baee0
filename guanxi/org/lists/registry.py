"""Every list page's definition, by key: registered once at start-up by the app that owns the list."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from .spec import ListDefinition

_DEFINITIONS: dict[str, ListDefinition] = {}


def register(definition: type[ListDefinition]) -> type[ListDefinition]:
    """Usable as a class decorator; a second list under the same key is a programming error."""
    key = definition.key
    if key in _DEFINITIONS and type(_DEFINITIONS[key]) is not definition:
        raise ImproperlyConfigured(f"Two lists are registered under the key {key!r}.")
    _DEFINITIONS[key] = definition()
    return definition


def definition(key: str) -> ListDefinition:
    try:
        return _DEFINITIONS[key]
    except KeyError:
        raise Http404(key) from None


def all_definitions() -> list[ListDefinition]:
    return list(_DEFINITIONS.values())
