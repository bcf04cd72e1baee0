"""Text a person reads later — audit lines, notifications, approval rule names — stored as a message id plus
parameters and rendered in the reader's language when it is read (STYLE.md rule 19, docs/decisions/0004-message-ids.md).

A writer passes a `Message` where it used to pass a translated string:

    notify(recipient=user, kind="task_assigned",
           title=Message(gettext_noop("New task: %(title)s"), {"title": task.title}))

`gettext_noop` marks the msgid for the catalogue; the parameters are data (names, numbers, dates as text) and
are never translated, except a parameter that is itself a `Message` (a translated word inside a sentence).
The row keeps the text rendered at write time as well, for search and for readers of rows written before
message ids existed. `render_message` is the one function every page and API uses to show such text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext

# A parameter that is a message itself is stored as {NESTED_KEY: msgid, "params": {...}}.
NESTED_KEY = "msgid"


@dataclass(frozen=True)
class Message:
    """An untranslated msgid and its parameters; `str()` renders it in the active language."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def stored_params(self) -> dict[str, Any]:
        """The parameters as JSON: nested messages as {"msgid", "params"}, everything else as plain text/numbers."""
        return {str(k): _stored_value(v) for k, v in self.params.items()}

    def __str__(self) -> str:
        return render_message(self.msgid, self.stored_params())


def _stored_value(value: Any) -> Any:
    if isinstance(value, Message):
        return {NESTED_KEY: value.msgid, "params": value.stored_params()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model | Promise):
        # A record by its name as it is now; a lazy translation in the writer's language (pass a Message to
        # have a word translated for each reader).
        return str(value)
    return str(value)


def message_value(msgid: str, text: str) -> Any:
    """A text to keep in a JSON column (an audit change): {"msgid", "params"} when it is a msgid (a default rule's
    name), so each reader sees it in their language (rendered_value); else the text as it is."""
    return {NESTED_KEY: msgid, "params": {}} if msgid else text


def is_message_value(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get(NESTED_KEY), str)


def rendered_value(value: Any) -> Any:
    """A stored value in the active language: a stored message rendered, anything else as it is."""
    return _rendered_value(value)


def _rendered_value(value: Any) -> Any:
    if isinstance(value, Mapping) and isinstance(value.get(NESTED_KEY), str):
        params = value.get("params")
        return render_message(value[NESTED_KEY], params if isinstance(params, Mapping) else None)
    return value


def render_message(msgid: str, params: Mapping[str, Any] | None = None, *, fallback: str = "") -> str:
    """The message in the active language (the reader's): its translation with the parameters filled in.

    Without a msgid (rows written before message ids, or free text a person typed) the stored `fallback` text is
    shown as it is. A translation that does not fit its parameters never breaks a page: the fallback is shown.
    """
    if not msgid:
        return fallback
    text = gettext(msgid)
    if not params:
        return text
    values = {str(k): _rendered_value(v) for k, v in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        return fallback or text


def stored_message(text: str | Message) -> tuple[str, str, dict[str, Any]]:
    """(text rendered now, msgid, parameters) for a model's text / message-id / parameters columns.

    A plain string (free text someone typed, a comment) has no msgid and is shown as typed.
    """
    if isinstance(text, Message):
        return str(text), text.msgid, text.stored_params()
    return str(text), "", {}
