"""The commerce settings page for administrators: quote validity, the special-price rule, the quote PDF header and
the document numbering patterns."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.numbering import number_preview, number_sequence_update, sequence_for
from guanxi.core.views_util import error_text
from guanxi.customers.models import Customer
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .forms import CommerceSettingsForm, NumberingForm, form_errors

NUMBERED = ("quote", "contract", "execution_order", "implementation_order")


def _labels() -> dict[str, str]:
    return {"quote": _("Quotes"), "contract": _("Contracts"), "execution_order": _("Execution orders"),
            "implementation_order": _("Implementation orders")}  # fmt: skip


def _customer_fields() -> list[tuple[str, Any]]:
    """The customer fields the special-price rule may require."""
    names = ("phone", "email", "address", "industry", "province", "city", "credit_code", "website", "size")
    return [(f.name, f.verbose_name) for f in Customer._meta.concrete_fields if f.name in names]


def _check(form: Any) -> None:
    """A value the form refuses is an error naming its field, as a service's would be."""
    if not form.is_valid():
        raise ValidationFailed(_("Please correct the errors below."), fields=form_errors(form))


@login_required
def commerce_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "products.admin")
    can_number = has_permission(user, "org.admin")
    fields = _customer_fields()
    if request.method == "POST":
        try:
            if request.POST.get("form") == "numbering":
                require_permission(user, "org.admin")
                numbering_form = NumberingForm(request.POST, kinds=NUMBERED)
                _check(numbering_form)
                for kind, pattern in numbering_form.patterns().items():
                    if pattern != sequence_for(kind).pattern:
                        number_sequence_update(actor=user, kind=kind, pattern=pattern)
            else:
                form = CommerceSettingsForm(request.POST, customer_fields=fields)
                _check(form)
                services.commerce_policy_update(actor=user, data=form.service_data())
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Settings saved."))
            return redirect("commerce:settings")
    policy = selectors.commerce_policy()
    numbering = [
        {"kind": k, "label": _labels()[k], "pattern": sequence_for(k).pattern, "next": number_preview(k)}
        for k in NUMBERED
    ]
    context = {"policy": policy, "fields": fields, "numbering": numbering, "can_number": can_number}
    return render(request, "commerce/settings.html", context)
