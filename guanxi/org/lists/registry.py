"""Every list page's definition, by key: registered once at start-up by the app that owns the list."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import Http404

from .spec import BulkAction, Field, ListDefinition, ViewLink

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


def _extend(key: str, attribute: str, item: Any) -> None:
    """Add `item` to the `attribute` tuple of the list registered under `key` (this instance's only), unless one of
    the same key is there: a higher app's addition, made from its ready() after the list's own app registered it."""
    found = _DEFINITIONS.get(key)
    if found is None:
        raise ImproperlyConfigured(f"No list is registered under the key {key!r}.")
    held = getattr(found, attribute)
    if all(other.key != item.key for other in held):
        setattr(found, attribute, (*held, item))


def add_bulk_action(key: str, action: BulkAction) -> None:
    """A higher app's action on a lower app's list (marketing's "Add to a static list" on the customers and
    contacts)."""
    _extend(key, "bulk_actions", action)


def add_list_field(key: str, field: Field) -> None:
    """A higher app's filter on a lower app's list (commerce's purchase history, billing's payments and service's
    assets on the customer list, which segments read too)."""
    _extend(key, "fields", field)


def add_view_link(key: str, link: ViewLink) -> None:
    """A higher app's ⋯ menu entry on a lower app's list, carrying its filters (marketing's "Save as a segment")."""
    _extend(key, "view_links", link)


def rows_behind(user: Any, url: str) -> QuerySet[Any]:
    """The rows a list page's URL (a drill-down link: path and query string) shows this reader, all pages: how a
    figure's link is checked against the figure (the same filters the page applies, through the same engine)."""
    from django.http import QueryDict
    from django.urls import reverse

    from .custom import for_reader
    from .engine import resolve

    path, _sep, query = url.partition("?")
    match = next((d for d in _DEFINITIONS.values() if reverse(d.url_name) == path), None)
    if match is None:
        raise Http404(path)
    return resolve(for_reader(match, user), user=user, query=QueryDict(query)).qs  # as the page: custom fields too
