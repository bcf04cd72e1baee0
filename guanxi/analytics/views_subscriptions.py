"""The scheduled reports page: a person's report subscriptions, one to add (report, schedule, attachment), each to
stop. The worker sends them (analytics.subscriptions)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.core.errors import ValidationFailed
from guanxi.org.policies import has_permission

from . import subscriptions


@login_required
@require_http_methods(["GET", "POST"])
def subscription_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = subscriptions.subscriptions_of(user=user)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                subscriptions.subscription_delete(actor=user, pk=request.POST.get("subscription"))
                messages.success(request, _("The scheduled report is stopped."))
            else:
                subscriptions.subscription_create(actor=user, data=request.POST)
                messages.success(request, _("Subscribed: the worker e-mails the report on its schedule."))
        except ValidationFailed as exc:
            errors = exc.fields or {"report": [exc.message]}
        else:
            return redirect("analytics:subscriptions")
    context = subscriptions.choices() | {
        "rows": rows.select_related("saved_report").order_by("report", "frequency"),
        "errors": errors,
        "data": request.POST if errors else {},
        "can_subscribe": has_permission(user, "analytics.export"),
        "email": user.email,
    }
    return render(request, "analytics/subscriptions.html", context, status=400 if errors else 200)
