"""Web UI for contracts (合同): list, form (blank, from a quote or an opportunity), record page and actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields.forms import custom_errors_to_form, custom_values_form, custom_values_or_refuse
from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.registry import registry
from guanxi.core.views_util import error_text, form_action, is_stale, service_action
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .forms import ContractForm, ReasonForm, SignForm, form_errors
from .models import Contract
from .views_common import int_or_none, rate_to_tenths
from .views_quotes import approval_panel_html


def _refused(ctx: dict[str, Any], request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """The form again (400): the errors on their fields, what was typed kept."""
    custom_errors_to_form(ctx["custom_form"], exc.fields)
    ctx.update(errors=exc.fields, error=error_text(exc), stale=is_stale(exc), initial=request.POST.dict())
    return render(request, "commerce/contracts/form.html", ctx, status=400)


def _form_refusal(form: ContractForm) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields=form_errors(form, ContractForm.RENAMES))


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    """?quote=<id> or ?opportunity=<id> or ?customer=<id>."""
    user = request.user
    require_permission(user, "contracts.create")
    source = request.GET if request.method == "GET" else request.POST
    quote = opp = customer = None
    ctx: dict[str, Any] = {"errors": {}}
    ids = {key: int_or_none(source.get(key)) for key in ("quote", "opportunity", "customer")}
    if any(ids.values()):  # none: the form asks for the customer first
        try:
            chosen = services.contract_source_choose(
                actor=user, quote_id=ids["quote"], opportunity_id=ids["opportunity"], customer_id=ids["customer"]
            )
        except ApplicationError as exc:
            ctx["errors"] = {"customer": [m for msgs in exc.fields.values() for m in msgs] or [exc.message]}
        else:
            quote, opp, customer = chosen.quote, chosen.opportunity, chosen.customer
    ctx.update(
        quote=quote,
        opportunity=opp,
        customer=customer,
        customers=selectors.document_customer_choices(user=user) if customer is None else [],
        contacts=selectors.customer_contacts(customer=customer) if customer else [],
    )
    initial: dict[str, Any] = {"standard_template": True, "min_discount": "10"}
    if quote:
        initial.update(
            title=services.contract_title_from_quote(quote),
            amount=f"{quote.total:.2f}",
            contact=quote.contact_id,
            min_discount=rate_to_tenths(quote.min_discount_rate),
            terms=quote.terms,
        )
    elif opp:
        initial.update(title=opp.name, amount=f"{opp.amount:.2f}", contact=opp.contact_id)
    ctx["initial"] = initial
    bound = request.method == "POST" and customer is not None
    ctx["custom_form"] = custom_values_form(user=user, target="commerce.contract", data=request.POST if bound else None)
    if bound:
        form = ContractForm(request.POST)
        if not form.is_valid():
            return _refused(ctx, request, _form_refusal(form))
        try:
            data = form.service_data(ctx["contacts"], with_amount=quote is None)  # a quote decides amount, discount
            data["custom"] = custom_values_or_refuse(ctx["custom_form"])
            contract = services.contract_create(actor=user, customer=customer, data=data, quote=quote,
                                                opportunity=opp)  # fmt: skip
        except ApplicationError as exc:
            return _refused(ctx, request, exc)
        messages.success(request, _("Contract %(number)s created.") % {"number": contract.number})
        return redirect("commerce:contract_detail", contract.pk)
    status = 400 if ctx["errors"] else 200
    return render(request, "commerce/contracts/form.html", ctx, status=status)


@login_required
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, pk=pk, action="edit")
    contacts = selectors.customer_contacts(customer=contract.customer)
    ctx: dict[str, Any] = {
        "contract": contract,
        "customer": contract.customer,
        "quote": contract.quote,
        "contacts": contacts,
        "errors": {},
        "initial": {
            "title": contract.title,
            "amount": f"{contract.amount:.2f}",
            "min_discount": rate_to_tenths(contract.min_discount_rate),
            "contact": contract.contact_id,
            "standard_template": contract.standard_template,
            "starts_on": contract.starts_on.isoformat() if contract.starts_on else "",
            "ends_on": contract.ends_on.isoformat() if contract.ends_on else "",
            "terms": contract.terms,
            "note": contract.note,
        },
    }
    ctx["custom_form"] = custom_values_form(
        user=request.user,
        target="commerce.contract",
        instance=contract,
        data=request.POST if request.method == "POST" else None,
    )
    if request.method == "POST":
        form = ContractForm(request.POST)
        if not form.is_valid():
            return _refused(ctx, request, _form_refusal(form))
        try:
            data = form.service_data(contacts, with_amount=contract.quote_id is None)
            data["custom"] = custom_values_or_refuse(ctx["custom_form"])
            services.contract_update(actor=request.user, contract=contract, data=data,
                                     expected_version=form.cleaned_data["version"])  # fmt: skip
        except ApplicationError as exc:
            return _refused(ctx, request, exc)
        messages.success(request, _("Contract saved."))
        return redirect("commerce:contract_detail", contract.pk)
    return render(request, "commerce/contracts/form.html", ctx)


def _can(user: Any, contract: Contract, action: str) -> bool:
    try:
        selectors.contract_get(user=user, pk=contract.pk, action=action)
    except ApplicationError:
        return False
    return True


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    contract = selectors.contract_get(user=user, pk=pk)
    tabs = []
    for tab in registry.tabs_for("commerce.contract"):
        count, html = tab.render(request, contract)
        tabs.append({"key": tab.key, "label": tab.label, "count": count, "html": html})
    orders = (
        selectors.execution_order_list(user=user, filters={"contract": contract.pk})
        if has_permission(user, "orders.view")
        else []
    )
    impl = (
        selectors.implementation_order_list(user=user, filters={"contract": contract.pk})
        if has_permission(user, "implementation.view")
        else []
    )
    from guanxi.core.money import amount_in_chinese_capitals

    can_edit = _can(user, contract, "edit")
    draft = contract.status == Contract.Status.DRAFT
    context = {
        "contract": contract,
        "can_edit": can_edit,
        "route": selectors.contract_route_preview(user=user, contract=contract) if draft and can_edit else None,
        "can_delete": _can(user, contract, "delete"),
        "balance_due": selectors.contract_balance_due(user=user, contract=contract),
        "tabs": tabs,
        "approval_panel": approval_panel_html(request, contract),
        "execution_orders": list(orders),
        "implementation_orders": list(impl),
        "can_order": has_permission(user, "orders.create") and contract.status in services.orders.ORDERABLE,
        "can_implement": has_permission(user, "implementation.create") and contract.status in services.orders.ORDERABLE,
        "capitals": amount_in_chinese_capitals(contract.amount),
    }
    return render(request, "commerce/contracts/detail.html", context)


def _back(pk: int) -> str:
    return reverse("commerce:contract_detail", args=[pk])


def _row(request: HttpRequest, pk: int) -> Contract:
    return selectors.contract_get(user=request.user, pk=pk, action="edit")


@login_required
@require_POST
def contract_submit(request: HttpRequest, pk: int) -> HttpResponse:
    c = _row(request, pk)
    return service_action(request, lambda: services.contract_submit(actor=request.user, contract=c),
               _("Submitted for approval."), _back(pk))  # fmt: skip


@login_required
@require_POST
def contract_sign(request: HttpRequest, pk: int) -> HttpResponse:
    c = _row(request, pk)

    return form_action(
        request,
        SignForm(request.POST),
        lambda data: services.contract_sign(actor=request.user, contract=c, signed_on=data["signed_on"]),
        _("Contract signed."),
        _back(pk),
    )


@login_required
@require_POST
def contract_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    c = _row(request, pk)
    if action == "terminate":
        return form_action(
            request,
            ReasonForm(request.POST),
            lambda data: services.contract_terminate(actor=request.user, contract=c, reason=data["reason"]),
            _("Contract terminated."),
            _back(pk),
        )
    runs = {
        "execute": (lambda: services.contract_start_execution(actor=request.user, contract=c), _("In execution.")),
        "complete": (lambda: services.contract_complete(actor=request.user, contract=c), _("Contract completed.")),
    }
    run, done = runs[action]
    return service_action(request, run, done, _back(pk))


@login_required
@require_POST
def contract_scan(request: HttpRequest, pk: int) -> HttpResponse:
    c = _row(request, pk)
    upload = request.FILES.get("signed_scan")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect(_back(pk))
    return service_action(request, lambda: services.contract_attach_scan(actor=request.user, contract=c, file=upload),
               _("Signed scan attached."), _back(pk))  # fmt: skip


@login_required
@require_POST
def contract_delete(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.contract_get(user=request.user, pk=pk, action="delete")
    try:
        services.contract_delete(actor=request.user, contract=c)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_back(pk))
    return redirect("commerce:contract_list")
