"""Web UI of the public pool: the pool list with claim/assign, a pool customer's page, "return to pool" for
the customer page, and the pool rules admin. Thin: parse, call one selector/service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, NotFoundError, ValidationFailed
from guanxi.core.views_util import form_add_errors
from guanxi.customers import selectors as customer_selectors
from guanxi.org.policies import has_permission

from . import selectors, services
from .forms import PoolRuleForm, ReturnForm
from .services import PoolActionResult


def _back(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def _report(request: HttpRequest, claimed: bool, result: PoolActionResult) -> None:
    """The result toast: "Claimed 3, skipped 1 (reason)"."""
    counts = {"done": len(result.done), "skipped": len(result.skipped)}
    if claimed:
        text = _("Claimed %(done)s, skipped %(skipped)s") % counts
    else:
        text = _("Assigned %(done)s, skipped %(skipped)s") % counts
    if result.skipped:
        text += f" ({'; '.join(result.reasons)})"
    (messages.warning if result.skipped else messages.success)(request, text)


@login_required
@require_POST
def pool_claim(request: HttpRequest) -> HttpResponse:
    back = _back(request, reverse("pool:list"))
    try:
        result = services.pool_claim(actor=request.user, customer_ids=request.POST.getlist("ids"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    _report(request, True, result)
    return redirect(back)


@login_required
@require_POST
def pool_assign(request: HttpRequest) -> HttpResponse:
    back = _back(request, reverse("pool:list"))
    choices = selectors.pool_assignee_choices(user=request.user)
    try:
        owner = choices.filter(pk=int(request.POST.get("owner") or 0)).first()
    except (ValueError, OverflowError):
        owner = None
    try:
        if owner is None:
            raise ValidationFailed(_("Choose who gets the customers."))
        result = services.pool_assign(actor=request.user, customer_ids=request.POST.getlist("ids"), owner=owner)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    _report(request, False, result)
    return redirect(back)


@login_required
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.pool_customer_get(user=request.user, pk=pk)
    return render(
        request,
        "customers/pool/detail.html",
        {
            "customer": customer,
            "status": selectors.customer_pool_status(customer),
            "history": selectors.pool_history(customer=customer),
            "can_claim": has_permission(request.user, "customers.create"),
            "can_assign": has_permission(request.user, "customers.assign"),
            "assignees": selectors.pool_assignee_choices(user=request.user),
        },
    )


@login_required
def customer_return(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Return to pool" for the customer page: GET shows the reason form, POST returns the customer."""
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_return_to_pool(actor=request.user, customer=customer, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            if exc.http_status in (403, 404):
                raise
            form_add_errors(form, exc)
        else:
            messages.success(request, _("%(customer)s is now in the public pool.") % {"customer": customer})
            return redirect(_back(request, reverse("customers:list")))
    return render(
        request,
        "customers/pool/return.html",
        {"customer": customer, "form": form, "next": _back(request, "")},
        status=400 if form.errors else 200,
    )


# --- rules -----------------------------------------------------------------------------------
@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "customers/pool/rules.html",
        {
            "rows": selectors.pool_rule_list(user=request.user),
            "departments": selectors.pool_rule_department_choices(user=request.user),
        },
    )


def _rule_data(form: PoolRuleForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.fields}


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    department = None
    if pk is not None:
        rule = selectors.pool_rule_get(user=request.user, pk=pk)
        department = rule.department
    else:
        rule = None
        choices = selectors.pool_rule_department_choices(user=request.user)
        raw = request.POST.get("department") or request.GET.get("department") or ""
        try:
            department = choices.filter(pk=int(raw)).first() if raw else None
        except (ValueError, OverflowError):
            department = None
        if department is None:
            raise NotFoundError(_("Choose a department without a rule of its own."))
    initial = PoolRuleForm.initial_from(rule) or {"name": str(department)}
    form = PoolRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.pool_rule_save(actor=request.user, data=_rule_data(form), rule=rule, department=department)
        except ApplicationError as exc:
            if exc.http_status in (403, 404):
                raise
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Pool rule saved."))
            return redirect("pool:rules")
    return render(
        request,
        "customers/pool/rule_form.html",
        {"form": form, "rule": rule, "department": department},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.pool_rule_get(user=request.user, pk=pk)
    try:
        services.pool_rule_delete(actor=request.user, rule=rule)
    except ApplicationError as exc:
        if exc.http_status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Pool rule deleted; its departments follow the parent's rule again."))
    return redirect("pool:rules")
