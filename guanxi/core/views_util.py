"""Helpers the thin web views share: show a service's ApplicationError on a form."""

from __future__ import annotations

from django import forms

from .errors import ApplicationError


def form_add_errors(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Put the error's field messages under the matching fields, the rest on top of the form."""
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
