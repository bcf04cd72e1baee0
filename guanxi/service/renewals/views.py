"""Web pages of renewals: a renewal with its decisions (renewing, not renewing, renew, renewal opportunity) and
the administrator's renewal settings. The list itself is the shared list page ("renewals")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import NotFoundError
from guanxi.core.views_util import service_action
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .models import Renewal
from .services import _next_term


@login_required
def renewal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    renewal = selectors.renewal_get(user=user, pk=pk)
    asset = renewal.asset
    next_start, next_end = _next_term(type(asset)(starts_on=asset.starts_on, ends_on=renewal.ends_on))
    context = {
        "renewal": renewal,
        "asset": asset,
        "can_edit": renewal.status != Renewal.Status.RENEWED and has_permission(user, "assets.edit"),
        "can_opportunity": renewal.is_open
        and not renewal.opportunity_id
        and has_permission(user, "assets.edit")
        and has_permission(user, "opportunities.create"),
        "opportunity_visible": renewal.opportunity_id and has_permission(user, "opportunities.view"),
        "next_start": next_start,
        "next_end": next_end,
        "reminder_days": services.renewal_settings().reminder_days,
        "statuses": [(s.value, s.label) for s in Renewal.Status if s != Renewal.Status.RENEWED],
    }
    return render(request, "service/renewals/detail.html", context)


@login_required
@require_POST
def renewal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    renewal = selectors.renewal_get(user=user, pk=pk)
    post = request.POST

    def run() -> Any:
        if action == "decide":
            return services.renewal_decide(
                actor=user, renewal=renewal, status=post.get("status", ""), reason=post.get("reason", "")
            )
        if action == "renew":
            data = {k: post.get(k) for k in ("starts_on", "ends_on", "policy_number") if post.get(k)}
            return services.renewal_renew(actor=user, renewal=renewal, data=data)
        if action == "opportunity":
            return services.renewal_opportunity(actor=user, renewal=renewal)
        raise NotFoundError(_("Not found."))

    done = {"renew": _("Renewed: the new term is recorded."), "opportunity": _("Renewal opportunity created.")}
    return service_action(
        request, run, done.get(action, _("Renewal saved.")), reverse("service:renewal_detail", args=[renewal.pk]),
        changed=services.RENEWAL_CHANGES,
    )  # fmt: skip


@login_required
def renewal_settings(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    if request.method == "POST":

        def run() -> Any:
            return services.renewal_settings_update(
                actor=request.user,
                data={"window_days": request.POST.get("window_days"),
                      "reminder_days": request.POST.get("reminder_days")},
            )  # fmt: skip

        return service_action(request, run, _("Settings saved."), reverse("service:renewal_settings"))
    current = services.renewal_settings()
    reminders = ", ".join(str(d) for d in current.reminder_days or [])
    return render(request, "service/renewals/settings.html", {"current": current, "reminders": reminders})
