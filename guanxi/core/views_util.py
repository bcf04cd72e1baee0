"""Helpers the thin web views share: show a service's ApplicationError on a form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from .errors import ApplicationError, PreconditionFailedError


def stale_message() -> str:
    """What a web user reads when someone else saved the record first (the service refused with 412)."""
    return _(
        "Someone else changed this record while you were editing, so nothing of yours was saved. "
        "Your input is kept below: reload to see the saved version."
    )


def is_stale(exc: ApplicationError) -> bool:
    return isinstance(exc, PreconditionFailedError)


def form_add_errors(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Put the error's field messages under the matching fields, the rest on top of the form.

    A stale version (someone else saved first) marks the form `gx_stale`, so includes/form_errors.html
    offers a link that reloads the saved record; the form keeps what the user typed."""
    if is_stale(exc):
        form.gx_stale = True  # type: ignore[attr-defined]
        form.add_error(None, stale_message())
        return
    placed = False
    for field, msgs in exc.fields.items():
        for msg in msgs:
            if field in form.fields:
                form.add_error(field, msg)
                placed = True
            else:
                form.add_error(None, f"{field}: {msg}" if field != "__all__" else msg)
                placed = True
    if not placed:
        form.add_error(None, exc.message)
