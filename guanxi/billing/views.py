"""Web UI of billing: receivables, ageing, the monthly statement, a contract's money page (plan, invoices,
payments), expense claims, the reminder settings, and the tabs other apps' record pages show. Thin: parse,
call one selector/service, render."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.commerce.views_common import filtered_rows, list_params
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from guanxi.core.views_util import is_stale, stale_message
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .filters import ExpenseClaimFilter, InvoiceFilter, PaymentFilter, ReceivableFilter
from .models import ExpenseClaim, ExpenseLine, Invoice, Payment
from .policies import reminder_policy, reminder_policy_update

PER_PAGE = 50
BLANK_PLAN_ROWS = 3
BLANK_EXPENSE_ROWS = 3


def _message(exc: ApplicationError) -> str:
    details = [m for msgs in exc.fields.values() for m in msgs if m != exc.message]
    return " ".join(dict.fromkeys([exc.message, *details]))


def _act(request: HttpRequest, run: Callable[[], Any], done: str, back: str) -> HttpResponse:
    """Run one service for a POST; show its refusal as a message (403/404 propagate), then go back."""
    try:
        run()
    except (PermissionDeniedError, NotFoundError):
        raise
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, done)
    return redirect(back)


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
    require_permission(request.user, "payments.view")
    group = request.GET.get("group") or "contract"
    if group not in ("contract", *selectors.GROUPS):
        group = "contract"
    filters, errors = list_params(request, ReceivableFilter)
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "group": group,
        "groups": list(selectors.GROUP_LABELS.items()),
        "filters": _receivable_values(filters),
        "errors": errors,
        "params": request.GET,
        "query": query.urlencode(),
        "can_export": has_permission(request.user, "payments.export"),
        "can_statement": has_permission(request.user, "invoices.view"),
        **_people_choices(request.user),
    }
    if group == "contract":
        qs = selectors.receivable_contracts(user=request.user, filters=filters)
        page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
        _rows, totals = selectors.receivables_by(user=request.user, group="customer", filters=filters)
        context.update(page=page, totals=totals, count=page.paginator.count)
    else:
        rows, totals = selectors.receivables_by(user=request.user, group=group, filters=filters)
        context.update(rows=rows, totals=totals, count=len(rows))
    return render(request, "billing/receivables.html", context)


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


def _export_response(result: tuple[bytes, str, str]) -> HttpResponse:
    content, content_type, filename = result
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def receivables_export(request: HttpRequest) -> HttpResponse:
    group = request.GET.get("group") or "contract"
    if group not in ("contract", *selectors.GROUPS):
        group = "contract"
    return _export_response(
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
    return _export_response(services.ageing_export(actor=request.user, group=group, fmt=request.GET.get("fmt", "xlsx")))


@login_required
def statement(request: HttpRequest) -> HttpResponse:
    selectors.require_statement_access(request.user)
    try:
        data = selectors.monthly_statement(user=request.user, month=request.GET.get("month"))
    except ApplicationError as exc:
        messages.error(request, _message(exc))
        data = selectors.monthly_statement(user=request.user, month=None)
    return render(
        request, "billing/statement.html", {**data, "can_export": has_permission(request.user, "payments.export")}
    )


@login_required
def statement_export(request: HttpRequest) -> HttpResponse:
    return _export_response(
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


def _money_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = request.user
    data = selectors.contract_money_get(user=user, pk=pk)
    data.update(
        contract_link=contract_url(data["contract"]),
        can_plan=has_permission(user, "payments.edit"),
        can_pay=has_permission(user, "payments.create"),
        can_reverse=has_permission(user, "payments.approve"),
        can_invoice=has_permission(user, "invoices.create"),
        can_void=has_permission(user, "invoices.edit"),
        methods=Payment.Method.choices,
        invoice_kinds=Invoice.Kind.choices,
        plan_rows=list(data["instalments"]) + [None] * _blank_plan_rows(data["instalments"]),
        can_generate=not any(i.paid for i in data["instalments"]),
        open_instalments=[i for i in data["instalments"] if i.remaining > 0],
        today=timezone.localdate(),
    )
    return data


@login_required
def contract_money(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "billing/contract_money.html", _money_context(request, pk))


def contract_money_tab(request: HttpRequest, contract: Any) -> tuple[int, str]:
    """The "payment plan and payments" tab on commerce's contract page."""
    if not has_permission(request.user, "payments.view"):
        return 0, render_to_string("billing/_no_permission.html", request=request)
    try:
        data = _money_context(request, contract.pk)
    except NotFoundError:
        return 0, render_to_string("billing/_no_permission.html", request=request)
    html = render_to_string("billing/_contract_money.html", {**data, "in_tab": True}, request=request)
    return len(data["payments"]), html


def _plan_rows(post: Any) -> list[dict[str, Any]]:
    rows = []
    for i in range(int(post.get("rows") or 0) if str(post.get("rows") or "0").isdigit() else 0):
        due, amount = post.get(f"due_date_{i}", "").strip(), post.get(f"amount_{i}", "").strip()
        if not due and not amount:
            continue
        rows.append(
            {"id": post.get(f"id_{i}") or None, "due_date": due, "amount": amount, "note": post.get(f"note_{i}", "")}
        )
    return rows


@login_required
@require_POST
def plan_save(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("version")
    return _act(
        request,
        lambda: services.payment_plan_save(
            actor=request.user,
            contract=pk,
            instalments=_plan_rows(request.POST),
            expected_version=int(version) if version and version.isdigit() else None,
        ),
        _("Payment plan saved."),
        reverse("billing:contract_money", args=[pk]),
    )


@login_required
@require_POST
def plan_generate(request: HttpRequest, pk: int) -> HttpResponse:
    post = request.POST
    percents = [p for p in post.get("percents", "").replace("，", ",").replace("/", ",").split(",") if p.strip()]
    count = post.get("count", "")

    def run() -> Any:
        return services.payment_plan_generate(
            actor=request.user,
            contract=pk,
            first_due_date=post.get("first_due_date", ""),
            count=int(count) if count.isdigit() else None,
            percents=[p.strip() for p in percents] if post.get("how") == "percent" else None,
            months_between=int(post["months_between"]) if post.get("months_between", "").isdigit() else 1,
        )

    return _act(request, run, _("Payment plan generated."), reverse("billing:contract_money", args=[pk]))


@login_required
@require_POST
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = request.POST
    data = {k: post.get(k, "") for k in ("received_on", "amount", "method", "account", "note")}
    allocations = [
        {"instalment_id": key.split("_", 1)[1], "amount": value}
        for key, value in post.items()
        if key.startswith("alloc_") and value.strip()
    ]
    return _act(
        request,
        lambda: services.payment_record(
            actor=request.user, contract=pk, data=data, allocations=allocations if post.get("manual") else None
        ),
        _("Payment recorded."),
        reverse("billing:contract_money", args=[pk]),
    )


@login_required
@require_POST
def payment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(user=request.user, pk=pk)
    return _act(
        request,
        lambda: services.payment_reverse(actor=request.user, payment=payment, reason=request.POST.get("reason", "")),
        _("Payment reversed."),
        reverse("billing:contract_money", args=[payment.contract_id]),
    )


def _percent_to_rate(raw: str) -> str:
    """The form asks for the tax rate in % ("13"); the service takes a fraction ("0.13")."""
    try:
        value = Decimal(raw.strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        return raw
    return str(value / 100) if value >= 1 else str(value)


@login_required
@require_POST
def invoice_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = request.POST
    data = {
        k: post.get(k, "")
        for k in ("number", "issued_on", "kind", "amount", "tax_rate", "buyer_title", "buyer_tax_id", "note")
    }
    data["tax_rate"] = _percent_to_rate(data["tax_rate"])
    return _act(
        request,
        lambda: services.invoice_issue(actor=request.user, contract=pk, data=data),
        _("Invoice recorded."),
        reverse("billing:contract_money", args=[pk]) + "#invoices",
    )


@login_required
@require_POST
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.user, pk=pk)
    return _act(
        request,
        lambda: services.invoice_void(actor=request.user, invoice=invoice, reason=request.POST.get("reason", "")),
        _("Invoice voided."),
        reverse("billing:contract_money", args=[invoice.contract_id]) + "#invoices",
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


# --- expense claims ---------------------------------------------------------------------------------
@login_required
def expense_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "expenses.view")
    qs = filtered_rows(request, selectors.expense_claim_list, ExpenseClaimFilter)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/expense_list.html",
        {
            "page": page,
            "params": request.GET,
            "query": query.urlencode(),
            "statuses": ExpenseClaim.Status.choices,
            "can_create": has_permission(request.user, "expenses.create"),
            "can_export": has_permission(request.user, "expenses.export"),
        },
    )


@login_required
def expense_export(request: HttpRequest) -> HttpResponse:
    return _export_response(
        services.expense_claims_export(actor=request.user, params=request.GET, fmt=request.GET.get("fmt", "xlsx"))
    )


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "invoices.view")
    page = Paginator(filtered_rows(request, selectors.invoice_list, InvoiceFilter), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/invoice_list.html",
        {"page": page, "params": request.GET, "query": query.urlencode(), "statuses": Invoice.Status.choices},
    )


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "payments.view")
    qs = filtered_rows(request, selectors.payment_list, PaymentFilter)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "billing/payment_list.html", {"page": page, "params": request.GET, "query": query.urlencode()}
    )


def _expense_lines(request: HttpRequest) -> list[dict[str, Any]]:
    post = request.POST
    lines = []
    rows = int(post.get("rows") or 0) if str(post.get("rows") or "0").isdigit() else 0
    for i in range(min(rows, 100)):
        amount = post.get(f"amount_{i}", "").strip()
        if not amount:
            continue
        lines.append(
            {
                "category": post.get(f"category_{i}", ""),
                "spent_on": post.get(f"spent_on_{i}", ""),
                "amount": amount,
                "note": post.get(f"note_{i}", ""),
                "receipt": request.FILES.get(f"receipt_{i}"),
            }
        )
    return lines


def _expense_links(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "title": post.get("title", ""),
        "purpose": post.get("purpose", ""),
        **selectors.expense_links_resolve(
            user=request.user,
            customer_id=post.get("customer"),
            follow_up_id=post.get("follow_up"),
            opportunity_id=post.get("opportunity"),
        ),
    }


def _expense_form_context(request: HttpRequest, claim: ExpenseClaim | None) -> dict[str, Any]:
    from guanxi.customers.selectors import customer_choices

    customer_id = request.POST.get("customer") or request.GET.get("customer") or (claim.customer_id if claim else "")
    links: dict[str, Any] = {"follow_ups": [], "opportunities": []}
    if str(customer_id).isdigit():
        with contextlib.suppress(NotFoundError):
            links = selectors.expense_link_choices(user=request.user, customer_id=int(customer_id))
    lines = list(claim.lines.all()) if claim else []
    post = request.POST
    values = {
        "title": post.get("title", claim.title if claim else ""),
        "purpose": post.get("purpose", claim.purpose if claim else ""),
        "follow_up": post.get("follow_up", str(claim.follow_up_id or "") if claim else ""),
        "opportunity": post.get("opportunity", str(claim.opportunity_id or "") if claim else ""),
    }
    return {
        "values": values,
        "claim": claim,
        "customers": customer_choices(user=request.user).order_by("name")[:500],
        "customer_id": str(customer_id),
        **links,
        "lines": lines,
        "blank_rows": range(len(lines), len(lines) + BLANK_EXPENSE_ROWS),
        "row_count": len(lines) + BLANK_EXPENSE_ROWS,
        "categories": ExpenseLine.Category.choices,
        "post": request.POST,
        "today": timezone.localdate(),
    }


@login_required
def expense_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "expenses.create")
    if request.method == "POST" and request.POST.get("save"):
        try:
            claim = services.expense_claim_create(
                actor=request.user, data=_expense_links(request), lines=_expense_lines(request)
            )
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            return render(
                request,
                "billing/expense_form.html",
                {**_expense_form_context(request, None), "error": exc},
                status=400,
            )
        messages.success(request, _("Expense claim saved as a draft."))
        return redirect("billing:expense_detail", claim.pk)
    return render(request, "billing/expense_form.html", _expense_form_context(request, None))


@login_required
def expense_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.expense_claim_get(user=request.user, pk=pk, action="edit")
    if request.method == "POST" and request.POST.get("save"):
        try:
            services.expense_claim_update(
                actor=request.user,
                claim=claim,
                data=_expense_links(request),
                lines=_expense_lines(request),
                expected_version=int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None,
            )
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            return render(
                request,
                "billing/expense_form.html",
                {
                    **_expense_form_context(request, claim),
                    "error": exc,
                    "stale": stale_message() if is_stale(exc) else "",
                },
                status=400,
            )
        messages.success(request, _("Expense claim saved."))
        return redirect("billing:expense_detail", claim.pk)
    return render(request, "billing/expense_form.html", _expense_form_context(request, claim))


def _approval_panel(request: HttpRequest, claim: ExpenseClaim) -> str:
    try:
        from guanxi.approvals.views import approval_panel
    except ImportError:  # the approval engine's pages are not installed
        return ""
    return approval_panel(request, claim)


@login_required
def expense_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.expense_claim_get(user=request.user, pk=pk)
    user = request.user
    mine = claim.claimant_id == user.pk
    return render(
        request,
        "billing/expense_detail.html",
        {
            "claim": claim,
            "lines": list(claim.lines.all()),
            "can_edit": mine and claim.status == ExpenseClaim.Status.DRAFT and has_permission(user, "expenses.edit"),
            "can_pay": claim.status == ExpenseClaim.Status.APPROVED and has_permission(user, "expenses.approve"),
            "approval_panel": _approval_panel(request, claim),
        },
    )


@login_required
@require_POST
def expense_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        lambda: services.expense_claim_submit(actor=request.user, claim=pk),
        _("Expense claim submitted for approval."),
        reverse("billing:expense_detail", args=[pk]),
    )


@login_required
@require_POST
def expense_pay(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        lambda: services.expense_claim_mark_paid(
            actor=request.user, claim=pk, reference=request.POST.get("reference", "")
        ),
        _("Expense claim marked paid."),
        reverse("billing:expense_detail", args=[pk]),
    )


@login_required
@require_POST
def expense_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.expense_claim_delete(actor=request.user, claim=pk)
    except (PermissionDeniedError, NotFoundError):
        raise
    except ApplicationError as exc:
        messages.error(request, _message(exc))
        return redirect("billing:expense_detail", pk)
    messages.success(request, _("Expense claim deleted."))
    return redirect("billing:expense_list")


# --- settings ---------------------------------------------------------------------------------------
@login_required
def reminder_settings(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            data = {
                "first_overdue_days": int(post.get("first_overdue_days", "")),
                "second_overdue_days": int(post.get("second_overdue_days", "")),
                "remind_on_due_date": bool(post.get("remind_on_due_date")),
            }
        except ValueError:
            data = None
            messages.error(request, _("Enter a whole number of days."))
        if data is not None:
            try:
                reminder_policy_update(actor=request.user, data=data)
            except ApplicationError as exc:
                error = exc
            else:
                messages.success(request, _("Reminder settings saved."))
                return redirect("billing:reminder_settings")
    return render(request, "billing/reminder_settings.html", {"policy": reminder_policy(), "error": error})


def chart_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
