"""Web UI of billing: receivables, ageing, the monthly statement, a contract's money page (plan, invoices,
payments), expense claims, the reminder settings, and the tabs other apps' record pages show. Thin: parse,
call one selector/service, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.commerce.models import Contract
from guanxi.commerce.views_common import list_params
from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from guanxi.core.views_util import error_text, form_add_errors, service_action
from guanxi.org.lists.registry import definition as list_definition
from guanxi.org.lists.views import render_list
from guanxi.org.policies import has_permission, require_permission
from guanxi.org.selectors import company_profile

from . import forms, selectors, services
from .filters import ReceivableFilter
from .models import Invoice
from .policies import reminder_policy, reminder_policy_update

BLANK_PLAN_ROWS = 3


def contract_url(contract: Any) -> str:
    """The contract's own page in commerce, when commerce has one; else its money page."""
    try:
        return reverse("commerce:contract_detail", args=[contract.pk])
    except NoReverseMatch:
        return reverse("billing:contract_money", args=[contract.pk])


def _people_choices(user: Any) -> dict[str, Any]:
    from guanxi.customers.selectors import department_choices
    from guanxi.sales.opportunities.selectors import owner_choices

    return {"owners": owner_choices(user=user), "departments": department_choices()}


# --- receivables ---------------------------------------------------------------------------------
@login_required
def receivables(request: HttpRequest) -> HttpResponse:
    """The balance due: one row per contract on the shared list page (billing.lists.ReceivableList), or summed
    per customer, owner or department (`group`) with the same filters."""
    group = request.GET.get("group") or ""
    if group not in selectors.GROUPS:
        return render_list(request, list_definition("receivables"))
    require_permission(request.user, "payments.view")
    filters, errors = list_params(request, ReceivableFilter)
    rows, totals = selectors.receivables_by(user=request.user, group=group, filters=filters)
    context: dict[str, Any] = {
        "group": group,
        "groups": list(selectors.GROUP_LABELS.items()),
        "filters": _receivable_values(filters),
        "errors": errors,
        "can_export": has_permission(request.user, "payments.export"),
        "query": request.GET.urlencode(),
        "rows": rows,
        "totals": totals,
        "count": len(rows),
        **_people_choices(request.user),
    }
    return render(request, "billing/receivables_grouped.html", context)


def _receivable_values(params: Any) -> dict[str, Any]:
    """The receivables filter form's values, as the template shows them."""
    form = ReceivableFilter(data=params, queryset=ReceivableFilter._meta.model.objects.none()).form
    values = form.cleaned_data if form.is_valid() else {}
    return {
        "q": values.get("q") or "",
        "owner": values.get("owner"),
        "department": values.get("department"),
        "only_overdue": bool(values.get("overdue")),
        "only_open": not values.get("all"),
    }


def export_response(result: tuple[bytes, str, str]) -> HttpResponse:
    content, content_type, filename = result
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def receivables_export(request: HttpRequest) -> HttpResponse:
    group = request.GET.get("group") or "contract"
    if group not in ("contract", *selectors.GROUPS):
        group = "contract"
    return export_response(
        services.receivables_export(
            actor=request.user, group=group, params=request.GET, fmt=request.GET.get("fmt", "xlsx")
        )
    )


@login_required
def ageing(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "payments.view")
    group = request.GET.get("group") or "customer"
    if group not in selectors.AGEING_GROUPS:
        group = "customer"
    report = selectors.ageing_report(user=request.user, group=group)
    top = report["rows"][:15]
    chart = {
        "names": [r["name"] for r in top],
        "series": [{"name": str(label), "data": [float(r[key]) for r in top]} for key, label in report["buckets"]],
    }
    return render(
        request,
        "billing/ageing.html",
        {
            **report,
            "group_choices": [(k, selectors.GROUP_LABELS[k]) for k in selectors.AGEING_GROUPS],
            "chart": chart,
            "can_export": has_permission(request.user, "payments.export"),
        },
    )


@login_required
def ageing_export(request: HttpRequest) -> HttpResponse:
    group = request.GET.get("group") or "customer"
    if group not in selectors.AGEING_GROUPS:
        group = "customer"
    return export_response(services.ageing_export(actor=request.user, group=group, fmt=request.GET.get("fmt", "xlsx")))


@login_required
def statement(request: HttpRequest) -> HttpResponse:
    selectors.require_statement_access(request.user)
    try:
        data = selectors.monthly_statement(user=request.user, month=request.GET.get("month"))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        data = selectors.monthly_statement(user=request.user, month=None)
    context = {
        **data,
        "can_export": has_permission(request.user, "payments.export"),
        "seller": company_profile(),
        "can_set": has_permission(request.user, "org.admin"),
    }
    return render(request, "billing/statement.html", context)


@login_required
def statement_export(request: HttpRequest) -> HttpResponse:
    return export_response(
        services.statement_export(
            actor=request.user, month=request.GET.get("month"), fmt=request.GET.get("fmt", "xlsx")
        )
    )


# --- a contract's money ---------------------------------------------------------------------------
def _blank_plan_rows(instalments: list[Any]) -> int:
    """Empty rows to add instalments: three for a new plan, one while something is still unpaid."""
    if not instalments:
        return BLANK_PLAN_ROWS
    return 1 if any(i.paid == 0 for i in instalments) else 0


def _recorders_context(request: HttpRequest, contract: Any) -> dict[str, Any]:
    """Who records the contract's money and when the reader last asked them (billing/_money_recorders.html)."""
    return {
        "contract": contract,
        "recorders": selectors.money_recorders(contract=contract),
        "last_ask": services.last_money_ask(actor=request.user, contract=contract),
    }


def _money_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = request.user
    data = selectors.contract_money_get(user=user, pk=pk)
    can_plan, can_pay = has_permission(user, "payments.edit"), has_permission(user, "payments.create")
    if not (can_plan and can_pay):
        data.update(_recorders_context(request, data["contract"]))
    data.update(
        contract_link=contract_url(data["contract"]),
        can_plan=can_plan,
        can_pay=can_pay,
        can_reverse=has_permission(user, "payments.approve"),
        can_invoice=has_permission(user, "invoices.create"),
        can_void=has_permission(user, "invoices.edit"),
        methods=dictionaries.active_choices("payment_method"),
        invoice_kinds=Invoice.Kind.choices,
        # blank rows to add instalments only for a reader who may save the plan
        plan_rows=list(data["instalments"]) + [None] * (_blank_plan_rows(data["instalments"]) if can_plan else 0),
        can_generate=not any(i.paid for i in data["instalments"]),
        open_instalments=[i for i in data["instalments"] if i.remaining > 0],
        seller=company_profile(),
        can_set=has_permission(user, "org.admin"),
        today=timezone.localdate(),
    )
    return data


@login_required
def contract_money(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "billing/contract_money.html", _money_context(request, pk))


def contract_money_tab(request: HttpRequest, contract: Any) -> tuple[int, str]:
    """The "payment plan and payments" tab on commerce's contract page."""
    data = None
    if has_permission(request.user, "payments.view"):
        try:
            data = _money_context(request, contract.pk)
        except NotFoundError:
            data = None
    if data is None:  # the reader may not see the money: still say who records it, and let them ask
        html = render_to_string("billing/_no_permission.html", request=request) + render_to_string(
            "billing/_money_recorders.html", _recorders_context(request, contract), request=request
        )
        return 0, html
    html = render_to_string("billing/_contract_money.html", {**data, "in_tab": True}, request=request)
    return len(data["payments"]), html


def _money_write(
    request: HttpRequest,
    pk: int,
    form: Any,
    run: Callable[[Any], Any],
    done: str,
    *,
    permission: str,
    anchor: str = "",
) -> HttpResponse:
    """Run one service with a valid form of the contract's money page. A refusal shows the page again (400)
    with the errors on the form and what was typed kept; 403/404 propagate. `permission` is checked first, so
    a user without it gets 403 whatever they typed (the service checks it again, with the contract's scope)."""
    require_permission(request.user, permission)
    if form.is_valid():
        try:
            run(form)
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("billing:contract_money", args=[pk]) + anchor)
    context = {**_money_context(request, pk), "failed_form": form, form.context_name: form}
    return render(request, "billing/contract_money.html", context, status=400)


@login_required
@require_POST
def money_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """The "ask them to record it" button: notifies the contract's money recorders (rate-limited)."""
    return service_action(
        request,
        lambda: services.contract_money_ask(actor=request.user, contract=pk, note=request.POST.get("note", "")),
        _("Asked: they have been notified, with the contract linked."),
        contract_url(Contract(pk=pk)),
    )


@login_required
@require_POST
def plan_save(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.PaymentPlanForm(request.POST)
    return _money_write(
        request,
        pk,
        form,
        lambda f: services.payment_plan_save(
            actor=request.user,
            contract=pk,
            instalments=f.instalments(),
            expected_version=f.cleaned_data.get("version"),
        ),
        _("Payment plan saved."),
        permission="payments.edit",
    )


@login_required
@require_POST
def plan_generate(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.PlanGenerateForm(request.POST)
    return _money_write(
        request,
        pk,
        form,
        lambda f: services.payment_plan_generate(actor=request.user, contract=pk, **f.proposal()),
        _("Payment plan generated."),
        permission="payments.edit",
    )


@login_required
@require_POST
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.PaymentForm(request.POST)
    return _money_write(
        request,
        pk,
        form,
        lambda f: services.payment_record(
            actor=request.user, contract=pk, data=f.payment_data(), allocations=f.allocations()
        ),
        _("Payment recorded."),
        permission="payments.create",
    )


@login_required
@require_POST
def payment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(user=request.user, pk=pk)
    return _money_write(
        request,
        payment.contract_id,
        forms.ReasonForm(request.POST),
        lambda f: services.payment_reverse(actor=request.user, payment=payment, reason=f.cleaned_data["reason"]),
        _("Payment reversed."),
        permission="payments.approve",
    )


@login_required
@require_POST
def invoice_create(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.InvoiceForm(request.POST)
    return _money_write(
        request,
        pk,
        form,
        lambda f: services.invoice_issue(actor=request.user, contract=pk, data=f.invoice_data()),
        _("Invoice recorded."),
        anchor="#invoices",
        permission="invoices.create",
    )


@login_required
@require_POST
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return _money_write(
        request,
        invoice.contract_id,
        forms.ReasonForm(request.POST),
        lambda f: services.invoice_void(actor=request.user, invoice=invoice, reason=f.cleaned_data["reason"]),
        _("Invoice voided."),
        anchor="#invoices",
        permission="invoices.edit",
    )


# --- customer 360 tabs ------------------------------------------------------------------------------
def customer_payments_tab(request: HttpRequest, customer: Any) -> tuple[int, str]:
    data = selectors.customer_money(user=request.user, customer=customer)
    if data is None:
        return 0, render_to_string("billing/_no_permission.html", request=request)
    html = render_to_string("billing/_customer_payments.html", {**data, "customer": customer}, request=request)
    return len(data["payments"]), html


def customer_invoices_tab(request: HttpRequest, customer: Any) -> tuple[int, str]:
    if not has_permission(request.user, "invoices.view"):
        return 0, render_to_string("billing/_no_permission.html", request=request)
    data = selectors.customer_money(user=request.user, customer=customer) or {"invoices": []}
    html = render_to_string("billing/_customer_invoices.html", {**data, "customer": customer}, request=request)
    return len(data["invoices"]), html


# --- settings ---------------------------------------------------------------------------------------
@login_required
def reminder_settings(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    form = forms.ReminderSettingsForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            reminder_policy_update(actor=request.user, data=form.cleaned_data)
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Reminder settings saved."))
            return redirect("billing:reminder_settings")
    policy = form.data if form.is_bound else reminder_policy()  # a refused form shows what was typed
    status = 400 if form.is_bound else 200
    return render(request, "billing/reminder_settings.html", {"policy": policy, "form": form}, status=status)


def chart_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
