"""Inline edit of a list cell (status, next follow-up): click → input, Enter saves, Esc cancels (customers.js).

Answers the cell's HTML for htmx to swap in; a refused save (stale version, bad value, no permission) answers the
cell with the current value and the reason, with the error's status code, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, NotFoundError, ValidationFailed

from .. import selectors, services
from ..models import Customer

INLINE_FIELDS = ("status", "next_follow_up_on")


def rows_editable(user: Any, rows: list[Customer]) -> None:
    """Mark the rows the user may edit inline (`gx_editable`), as the edit policy says, in one query for the page.
    The service checks again on save, so this only decides what is shown."""
    editable = selectors.customer_editable_ids(user=user, ids=[c.pk for c in rows])
    for c in rows:
        c.gx_editable = c.pk in editable


def _parse(field: str, raw: str) -> Any:
    if field == "status":
        if raw not in Customer.Status.values:
            raise ValidationFailed(_("Choose a status from the list."))
        return raw
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise ValidationFailed(_("Enter a date as yyyy-mm-dd.")) from None


def _cell(request: HttpRequest, customer: Customer, field: str, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {"customer": customer, "field": field, "editable": True, "error": error}
    return render(request, "customers/_inline_cell.html", context, status=status)


@login_required
@require_POST
def customer_inline_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """POST field=status|next_follow_up_on, value, version → the re-rendered cell."""
    field = request.POST.get("inline_field", "")
    if field not in INLINE_FIELDS:
        return HttpResponse(_("This field cannot be edited here."), status=400)
    customer = selectors.customer_get(user=request.user, pk=pk)  # 404 when out of sight
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # a missing or garbled version is treated as stale, never as "skip the check"
    try:
        value = _parse(field, request.POST.get("value", ""))
        customer = services.customer_update(
            actor=request.user, customer=customer, data={field: value}, expected_version=version
        )
    except NotFoundError:
        raise  # seen but not editable: the same 404 as any row out of reach
    except ApplicationError as exc:
        fresh = selectors.customer_get(user=request.user, pk=pk)
        return _cell(request, fresh, field, error=str(exc.message), status=exc.http_status)
    return _cell(request, customer, field)
