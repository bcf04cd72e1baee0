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


def add_bulk_action(key: str, action: BulkAction) -> None:
    """A higher app's action on a lower app's list (marketing's "Add to a static list" on the customers and
    contacts): called from the higher app's ready(), after the list's own app registered it."""
    found = _DEFINITIONS.get(key)
    if found is None:
        raise ImproperlyConfigured(f"No list is registered under the key {key!r}.")
    if all(a.key != action.key for a in found.bulk_actions):
        found.bulk_actions = (*found.bulk_actions, action)  # type: ignore[misc]  # this instance's actions only


def add_list_field(key: str, field: Field) -> None:
    """A higher app's filter on a lower app's list (commerce's purchase history and service's assets on the
    customer list, which segments read too; see `add_bulk_action`)."""
    found = _DEFINITIONS.get(key)
    if found is None:
        raise ImproperlyConfigured(f"No list is registered under the key {key!r}.")
    if all(f.key != field.key for f in found.fields):
        found.fields = (*found.fields, field)  # type: ignore[misc]  # this instance's fields only


def add_view_link(key: str, link: ViewLink) -> None:
    """A higher app's ⋯ menu entry on a lower app's list, carrying its filters (see `add_bulk_action`)."""
    found = _DEFINITIONS.get(key)
    if found is None:
        raise ImproperlyConfigured(f"No list is registered under the key {key!r}.")
    if all(link_.key != link.key for link_ in found.view_links):
        found.view_links = (*found.view_links, link)  # type: ignore[misc]  # this instance's links only


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
