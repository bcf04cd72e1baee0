"""The customer pages that are not toolkit lists: the review queue and the recycle bin (the customer and contact
lists are declared in customers/lists.py for guanxi.org.lists)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import PermissionDeniedError
from guanxi.org.lists.params import clean_params, paginate

from .. import selectors, services


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    params, warnings = clean_params(request)
    try:
        qs = selectors.customer_pending_review(user=request.user).order_by("created_at", "id")
    except PermissionDeniedError:
        return render(request, "customers/review_queue.html", {"no_permission": True}, status=403)
    page = paginate(qs, params, warnings)
    return render(request, "customers/review_queue.html", {"page": page, "warnings": warnings})


@login_required
def recycle_bin(request: HttpRequest) -> HttpResponse:
    params, warnings = clean_params(request)
    try:
        qs = selectors.customer_recycle_bin(user=request.user)
    except PermissionDeniedError:
        return render(request, "customers/recycle_bin.html", {"no_permission": True}, status=403)
    page = paginate(qs, params, warnings)
    return render(request, "customers/recycle_bin.html", {"page": page, "warnings": warnings})


@login_required
@require_POST
def customer_restore(request: HttpRequest, pk: int) -> HttpResponse:
    customer = services.customer_restore(actor=request.user, customer_id=pk)
    messages.success(request, _("“%(name)s” was restored.") % {"name": customer.name})
    return redirect("customers:recycle_bin")
