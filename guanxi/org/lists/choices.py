"""Small helpers for list definitions' choice lists: read once per request, or built from a model's choices."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from .spec import Choice


def per_request(user: Any, name: str, load: Callable[[], Any]) -> Any:
    """`load()` once per request: kept on the request's user object under `name` (prefix it with the list's key)."""
    cache = user.__dict__.setdefault("_gx_list_choices", {})
    if name not in cache:
        cache[name] = load()
    return cache[name]


def static_choices(choices: Iterable[tuple[Any, Any]]) -> Callable[[Any], list[Choice]]:
    """A Field's or InlineEdit's `choices` from a model's (value, label) pairs, the same for every reader."""
    pairs = list(choices)
    return lambda user: [Choice(value, label) for value, label in pairs]


def dictionary_choices(key: str, *, retired: bool = True) -> Callable[[Any], list[Choice]]:
    """A Field's or InlineEdit's `choices` from a dictionary (core.dictionaries), in the reader's language.

    A filter offers the retired entries too, marked, so old records stay findable (`retired=True`); an editor
    offers only the entries new values may take (`retired=False`)."""
    from guanxi.core.dictionaries import selectors

    def load(user: Any) -> list[Choice]:
        pairs = selectors.filter_choices(key) if retired else selectors.active_choices(key)
        return [Choice(code, label) for code, label in pairs]

    return load


@dataclass(frozen=True)
class UserOption:
    """A person offered by a filter or a picker: the id and the name a User shows (`str(user)`), without the model:
    a list page offers a hundred people in its filter, owner cell and transfer dialog, and building a User (with
    its department) for each was a tenth of the page's fixed cost."""

    pk: int
    label: str

    def __str__(self) -> str:
        return self.label


def user_options(users: QuerySet[Any]) -> list[UserOption]:
    """The users of the queryset in its order, read as plain values (one query, no model instances)."""
    rows = users.values_list("pk", "name", "first_name", "last_name", "username")
    # the same name as User.__str__: the display name, else first and last name, else the username
    return [UserOption(pk, name or f"{first} {last}".strip() or username) for pk, name, first, last, username in rows]


def user_choices(users: QuerySet[Any]) -> list[Choice]:
    """A user Field's or InlineEdit's choices from a queryset of users (see user_options)."""
    return [Choice(str(o.pk), o.label) for o in user_options(users)]
