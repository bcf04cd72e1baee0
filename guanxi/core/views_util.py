"""Helpers the thin web views share: run a service for a button and show its message or its error, show a service's
ApplicationError on a form."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .errors import ApplicationError, NotFoundError, PermissionDeniedError, PreconditionFailedError


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


def error_text(exc: ApplicationError) -> str:
    """The error's message and its field messages, each once; a stale version reads as `stale_message()`."""
    if is_stale(exc):
        return stale_message()
    details = [m for msgs in exc.fields.values() for m in msgs if m != exc.message]
    return " ".join(dict.fromkeys([exc.message, *details]))


def next_or(request: HttpRequest, default: str) -> str:
    """The form's `next` (a page of this site only, never an open redirect), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


CHANGED_EVENT = "gx:changed"


def announce_changes(response: HttpResponse, names: Iterable[str]) -> HttpResponse:
    """Tell the page what an htmx action changed, so every figure shown elsewhere follows at once.

    The one event convention of Guanxi (docs/extending.md, "Pages that update themselves"): the response carries
    `HX-Trigger: {"gx:changed": {"names": [...]}}`; an element that shows a figure names what it depends on with
    `data-gx-refresh-on="tasks notifications"` and guanxi.js re-reads it (by its id, from its
    `data-gx-refresh-url` or the current page) when one of its names is announced. Names are nouns of what changed
    (`tasks`, `notifications`, `approvals`, `customer.contacts`), not of where it is shown. Events the response
    already triggers are kept."""
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        return response
    raw = response.headers.get("HX-Trigger", "")
    try:
        events = json.loads(raw) if raw.startswith("{") else {n: None for n in raw.split(",") if n.strip()}
    except ValueError:
        events = {}
    before = (events.get(CHANGED_EVENT) or {}).get("names", [])
    events[CHANGED_EVENT] = {"names": list(dict.fromkeys([*before, *names]))}
    response["HX-Trigger"] = json.dumps(events)
    return response


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def service_action(
    request: HttpRequest,
    run: Callable[[], Any],
    done: str,
    back: str,
    *,
    fragment: Callable[[Any], HttpResponse] | None = None,
    changed: Iterable[str] = (),
) -> HttpResponse:
    """Run one service for a POST button and answer the way the caller asked.

    - a page post: `done` or the refusal (translated, with its field messages) becomes a message, then back to
      the form's `next` (same site) or `back`;
    - htmx: the `fragment` made from what the service returned, to swap in; without one (or on a refusal) the
      browser is sent back to that page (HX-Redirect), where the message shows;
    - JSON (Accept: application/json, e.g. the kanban's fetch): {"ok", "message", "version"} or the error as
      {"ok": false, "code", "message", "fields"} with its HTTP status.

    `changed` names what the service changed (see `announce_changes`): an htmx caller's successful answer
    announces it, so the page's other figures follow.

    A missing permission or a row out of scope still answers 403/404 to a page or htmx caller."""
    target = next_or(request, back)
    try:
        result = run()
    except ApplicationError as exc:
        if wants_json(request):
            return JsonResponse(
                {"ok": False, "code": exc.code, "message": exc.message, "fields": exc.fields}, status=exc.http_status
            )
        if isinstance(exc, PermissionDeniedError | NotFoundError):
            raise
        messages.error(request, error_text(exc))
    else:
        if wants_json(request):
            return JsonResponse({"ok": True, "message": done, "version": getattr(result, "version", None)})
        if request.headers.get("HX-Request") and fragment is not None:
            return announce_changes(fragment(result), changed)
        messages.success(request, done)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def form_error_text(form: Any) -> str:
    """A refused form's errors in one line, each with its field's label (for a page that redirects)."""
    parts = [str(e) for e in form.non_field_errors()]
    for name in form.errors:
        if name in form.fields:
            parts += [f"{form[name].label or name}: {e}" for e in form.errors[name]]
    return " ".join(parts)


def form_page_submit(
    request: HttpRequest,
    form: Any,
    run: Callable[[], Any],
    done: str | Callable[[Any], str],
    then: Callable[[Any], Any] | str,
    *,
    refused: Callable[[ApplicationError], None] | None = None,
) -> HttpResponse | None:
    """The POST of a full-page form (new or edit): when the form is valid, run its one service. A missing
    permission or a row out of reach is raised on (403/404); another refusal goes on the form (`form_add_errors`,
    then `refused` for a page that places some of it itself) and None is returned, so the view renders the form
    again (status 400); success shows `done` (or `done(result)`) and redirects to `then` (or `then(result)`: a URL,
    a URL name or a model with get_absolute_url). A GET or an invalid form returns None at once.

        if (answer := form_page_submit(request, form, save, _("Event saved."), event_url)) is not None:
            return answer
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = run()
    except (PermissionDeniedError, NotFoundError):
        raise
    except ApplicationError as exc:
        form_add_errors(form, exc)
        if refused is not None:
            refused(exc)
        return None
    messages.success(request, done(result) if callable(done) else done)
    return redirect(then(result) if callable(then) else then)


def form_page_status(request: HttpRequest) -> int:
    """The status of a full-page form rendered again: 400 after a refused POST, else 200."""
    return 400 if request.method == "POST" else 200


def form_action(
    request: HttpRequest, form: Any, run: Callable[[dict[str, Any]], Any], done: str, back: str
) -> HttpResponse:
    """A button that posts a small form: its cleaned values go to one service (service_action); a value the form
    refuses becomes the message, naming the field, and nothing runs."""
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(next_or(request, back))
    return service_action(request, lambda: run(form.cleaned_data), done, back)
