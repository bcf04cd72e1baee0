"""Web UI of expense claims (报销): list, export, form (with receipts), record page and its actions. Thin: parse,
call one selector/service, render."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.views_util import error_text, form_error_text, is_stale, service_action, stale_message
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .forms import ExpenseClaimForm, MarkPaidForm
from .models import ExpenseClaim
from .views import export_response

BLANK_EXPENSE_ROWS = 3


# --- expense claims ---------------------------------------------------------------------------------
@login_required
def expense_export(request: HttpRequest) -> HttpResponse:
    return export_response(
        services.expense_claims_export(actor=request.user, params=request.GET, fmt=request.GET.get("fmt", "xlsx"))
    )


def _claim_input(request: HttpRequest, form: ExpenseClaimForm) -> dict[str, Any]:
    """The form's values for the service: text, and the customer, follow-up and opportunity the user may see."""
    data = form.cleaned_data
    links = selectors.expense_links_resolve(
        user=request.user,
        customer_id=data.get("customer"),
        follow_up_id=data.get("follow_up"),
        opportunity_id=data.get("opportunity"),
    )
    return {**form.claim_data(), **links}


def _refused(request: HttpRequest, claim: ExpenseClaim | None, exc: ApplicationError) -> HttpResponse:
    """The form again (400) with the reason and everything typed."""
    context = {**_expense_form_context(request, claim), "error": exc, "stale": stale_message() if is_stale(exc) else ""}
    return render(request, "billing/expense_form.html", context, status=400)


def _form_refusal(form: ExpenseClaimForm) -> ValidationFailed:
    """A form's own errors in the shape the page shows a service's refusal in (each message names its field)."""
    fields = {
        name: [f"{form[name].label}: {m}" for m in msgs] for name, msgs in form.errors.items() if name in form.fields
    }
    return ValidationFailed(_("Please correct the errors below."), fields=fields)


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
        "categories": dictionaries.active_choices("expense_category"),
        "post": request.POST,
        "today": timezone.localdate(),
    }


@login_required
def expense_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "expenses.create")
    if request.method == "POST" and request.POST.get("save"):
        form = ExpenseClaimForm(request.POST, request.FILES)
        if not form.is_valid():
            return _refused(request, None, _form_refusal(form))
        try:
            claim = services.expense_claim_create(
                actor=request.user, data=_claim_input(request, form), lines=form.lines()
            )
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            return _refused(request, None, exc)
        messages.success(request, _("Expense claim saved as a draft."))
        return redirect("billing:expense_detail", claim.pk)
    return render(request, "billing/expense_form.html", _expense_form_context(request, None))


@login_required
def expense_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.expense_claim_get(user=request.user, pk=pk, action="edit")
    if request.method == "POST" and request.POST.get("save"):
        form = ExpenseClaimForm(request.POST, request.FILES)
        if not form.is_valid():
            return _refused(request, claim, _form_refusal(form))
        try:
            services.expense_claim_update(
                actor=request.user,
                claim=claim,
                data=_claim_input(request, form),
                lines=form.lines(),
                expected_version=form.cleaned_data.get("version"),
            )
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            return _refused(request, claim, exc)
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
    return service_action(
        request,
        lambda: services.expense_claim_submit(actor=request.user, claim=pk),
        _("Expense claim submitted for approval."),
        reverse("billing:expense_detail", args=[pk]),
    )


@login_required
@require_POST
def expense_pay(request: HttpRequest, pk: int) -> HttpResponse:
    form = MarkPaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("billing:expense_detail", pk)
    return service_action(
        request,
        lambda: services.expense_claim_mark_paid(
            actor=request.user, claim=pk, reference=form.cleaned_data["reference"]
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
        messages.error(request, error_text(exc))
        return redirect("billing:expense_detail", pk)
    messages.success(request, _("Expense claim deleted."))
    return redirect("billing:expense_list")
