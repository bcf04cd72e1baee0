"""The commerce settings page for administrators: quote validity, the special-price rule, the quote PDF header and
the document numbering patterns."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError
from guanxi.core.numbering import number_preview, number_sequence_update, sequence_for
from guanxi.core.views_util import error_text
from guanxi.customers.models import Customer
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services

NUMBERED = ("quote", "contract", "execution_order", "implementation_order")


def _labels() -> dict[str, str]:
    return {"quote": _("Quotes"), "contract": _("Contracts"), "execution_order": _("Execution orders"),
            "implementation_order": _("Implementation orders")}  # fmt: skip


@login_required
def commerce_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "products.admin")
    can_number = has_permission(user, "org.admin")
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("form") == "numbering":
                require_permission(user, "org.admin")
                for kind in NUMBERED:
                    pattern = post.get(f"pattern-{kind}", "").strip()
                    if pattern and pattern != sequence_for(kind).pattern:
                        number_sequence_update(actor=user, kind=kind, pattern=pattern)
            else:
                services.commerce_policy_update(
                    actor=user,
                    data={
                        "quote_valid_days": post.get("quote_valid_days", ""),
                        "special_price_followup_days": post.get("special_price_followup_days", ""),
                        "special_price_required_fields": post.getlist("special_price_required_fields"),
                        "company_name": post.get("company_name", ""),
                        "company_address": post.get("company_address", ""),
                        "company_phone": post.get("company_phone", ""),
                    },
                )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Settings saved."))
            return redirect("commerce:settings")
    policy = selectors.commerce_policy()
    fields: list[tuple[str, Any]] = [
        (f.name, f.verbose_name)
        for f in Customer._meta.concrete_fields
        if f.name in ("phone", "email", "address", "industry", "province", "city", "credit_code", "website", "size")
    ]
    numbering = [
        {"kind": k, "label": _labels()[k], "pattern": sequence_for(k).pattern, "next": number_preview(k)}
        for k in NUMBERED
    ]
    context = {"policy": policy, "fields": fields, "numbering": numbering, "can_number": can_number}
    return render(request, "commerce/settings.html", context)
