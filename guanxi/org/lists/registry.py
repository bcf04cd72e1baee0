"""Every list page's definition, by key: registered once at start-up by the app that owns the list."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from .spec import BulkAction, ListDefinition

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


def add_bulk_action(key: str, action: BulkAction) -> None:
    """A higher app's action on a lower app's list (marketing's "Add to a static list" on the customers and
    contacts): called from the higher app's ready(), after the list's own app registered it."""
    found = _DEFINITIONS.get(key)
    if found is None:
        raise ImproperlyConfigured(f"No list is registered under the key {key!r}.")
    if all(a.key != action.key for a in found.bulk_actions):
        found.bulk_actions = (*found.bulk_actions, action)  # type: ignore[misc]  # this instance's actions only
