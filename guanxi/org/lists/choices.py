"""Small helpers for list definitions' choice lists: read once per request, or built from a model's choices."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

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
