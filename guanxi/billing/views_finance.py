"""The finance export page (payments.export): choose a period, check the vouchers balance, download them as XLSX or
CSV for the accounting package; and the export's accounts (administrators). Thin: parse, call, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.views_util import error_text, form_add_errors
from guanxi.org.policies import has_permission, require_permission

from . import services
from .policies import FINANCE_ACCOUNT_DEFAULTS, finance_accounts, finance_accounts_update
from .selectors.finance import PERMISSION
from .views import export_response

PREVIEW_LINES = 60


@login_required
def finance_export_page(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, PERMISSION)
    start, end = request.GET.get("start"), request.GET.get("end")
    errors: dict[str, list[str]] = {}
    try:
        summary = services.finance_summary(actor=request.user, start=start, end=end)
    except ValidationFailed as exc:
        errors = exc.fields
        summary = services.finance_summary(actor=request.user)
    context = {
        **summary,
        "preview": summary["lines"][:PREVIEW_LINES],
        "more": max(0, len(summary["lines"]) - PREVIEW_LINES),
        "errors": errors,
        "can_set": has_permission(request.user, "org.admin"),
        "accounts": finance_accounts(),
        "money_tab": "finance",
    }
    return render(request, "billing/finance_export.html", context, status=400 if errors else 200)


@login_required
def finance_export_download(request: HttpRequest) -> HttpResponse:
    try:
        result = services.finance_export(
            actor=request.user,
            start=request.GET.get("start"),
            end=request.GET.get("end"),
            fmt=request.GET.get("fmt", "xlsx"),
            part=request.GET.get("part", "vouchers"),
        )
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect("billing:finance_export")
    return export_response(result)


_LABELS = {
    "voucher_word": gettext_lazy("Voucher word"),
    "receivable_code": gettext_lazy("Accounts receivable: code"),
    "receivable_name": gettext_lazy("Accounts receivable: name"),
    "revenue_code": gettext_lazy("Revenue: code"),
    "revenue_name": gettext_lazy("Revenue: name"),
    "output_tax_code": gettext_lazy("Output VAT: code"),
    "output_tax_name": gettext_lazy("Output VAT: name"),
    "bank_code": gettext_lazy("Bank deposits: code"),
    "bank_name": gettext_lazy("Bank deposits: name"),
    "cash_code": gettext_lazy("Cash on hand: code"),
    "cash_name": gettext_lazy("Cash on hand: name"),
}


class FinanceAccountsForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for key, label in _LABELS.items():
            size = 4 if key == "voucher_word" else (40 if key.endswith("_code") else 100)
            self.fields[key] = forms.CharField(
                label=label,
                max_length=size,
                help_text=_("Default: %(value)s") % {"value": FINANCE_ACCOUNT_DEFAULTS[key]},
            )


@login_required
def finance_settings(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    accounts = finance_accounts()
    initial = {key: getattr(accounts, key) for key in _LABELS}
    form = FinanceAccountsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            finance_accounts_update(actor=request.user, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The export's accounts were saved."))
            return redirect("billing:finance_export")
    return render(request, "billing/finance_settings.html", {"form": form}, status=400 if form.errors else 200)
