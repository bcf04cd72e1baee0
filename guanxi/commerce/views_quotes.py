"""Web UI for quotes (报价): list, form, record page and its actions. Thin: parse, call one service/selector."""

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
from guanxi.core.views_util import error_text, form_action, is_stale, service_action
from guanxi.org.policies import has_permission, require_permission
from guanxi.org.selectors import company_profile

from . import selectors, services
from .forms import AnswerForm, QuoteForm, QuoteSendForm, form_errors
from .models import Quote
from .views_common import int_or_none, rate_to_tenths, tenths_to_rate


def _lines_from_post(request: HttpRequest, products: dict[int, Any]) -> tuple[list[dict[str, Any]], list[dict]]:
    """The line rows of the form: (service input, rows to show again)."""
    post = request.POST
    rows = []
    lines = []
    columns = zip(
        post.getlist("line-product"),
        post.getlist("line-quantity"),
        post.getlist("line-discount"),
        post.getlist("line-description"),
        strict=False,
    )
    for n, (product_id, quantity, discount, description) in enumerate(columns, start=1):
        if not (product_id or "").strip():
            continue
        rows.append({"product_id": int_or_none(product_id), "quantity": quantity, "discount": discount,
                     "description": description})  # fmt: skip
        product = products.get(int_or_none(product_id) or 0)
        if product is None:
            raise ValidationFailed(
                _("Line %(n)s: choose a product.") % {"n": n}, fields={"lines": [_("Choose a product.")]}
            )
        lines.append({"product": product, "quantity": quantity or "1", "description": description,
                      "discount": tenths_to_rate(discount, "lines")})  # fmt: skip
    return lines, rows


def _form_context(request: HttpRequest, quote: Quote | None, customer: Any) -> dict[str, Any]:
    user = request.user
    products = list(selectors.product_choices(user=user))
    books = list(selectors.price_books(user=user, for_quoting=True))
    post = request.POST if request.method == "POST" else None
    return {
        "custom_form": custom_values_form(user=user, target="commerce.quote", instance=quote, data=post),
        "quote": quote,
        "customer": customer,
        "customers": selectors.document_customer_choices(user=user) if customer is None else [],
        "contacts": selectors.customer_contacts(customer=customer) if customer else [],
        "opportunities": selectors.customer_opportunity_choices(user=user, customer=customer) if customer else [],
        "products": products,
        "price_books": books,
        "book_prices": selectors.price_book_price_map(books=books),
        # each product's list price and tax rate for the live totals (the picker's options carry only labels)
        "product_prices": {str(p.pk): {"price": str(p.list_price), "tax": str(p.tax_rate)} for p in products},
    }


def _customer_initial(customer: Any, opportunities: list[Any], opp_id: int | None) -> dict[str, Any]:
    """A new quote's title, deal and contact for the customer: the deal asked for, else its open one."""
    opp = next((o for o in opportunities if o.pk == opp_id), None) or selectors.open_opportunity_for(opportunities)
    initial: dict[str, Any] = {"title": _("Quote for %(customer)s") % {"customer": customer.name}}
    if opp is not None:  # its name and contact
        contact = opp.contact_id or opp.contact_roles.values_list("contact_id", flat=True).first()
        initial.update(opportunity=opp.pk, title=_("Quote: %(deal)s") % {"deal": opp.name}, contact=contact)
    return initial


@login_required
def quote_customer_fields(request: HttpRequest) -> HttpResponse:
    """The contact and opportunity choices of the customer chosen on a new quote (htmx, no page reload), the open
    opportunity chosen."""
    require_permission(request.user, "quotes.create")
    customer_id = int_or_none(request.GET.get("customer"))
    customer = selectors.document_customers(user=request.user).filter(pk=customer_id).first() if customer_id else None
    ctx: dict[str, Any] = {"customer": customer, "contacts": [], "opportunities": [], "initial": {}, "oob": True}
    if customer is not None:
        ctx["contacts"] = selectors.customer_contacts(customer=customer)
        ctx["opportunities"] = selectors.customer_opportunity_choices(user=request.user, customer=customer)
        ctx["initial"] = _customer_initial(customer, ctx["opportunities"], None)
    return render(request, "commerce/quotes/_customer_fields.html", ctx)


def _header_from_post(request: HttpRequest, ctx: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """The quote's header and the version it was edited from, from its form (QuoteForm); a refusal names the
    field."""
    form = QuoteForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("Please correct the errors below."), fields=form_errors(form))
    data = form.service_data(
        contacts=ctx["contacts"], opportunities=ctx["opportunities"], price_books=ctx["price_books"]
    )
    data["custom"] = custom_values_or_refuse(ctx["custom_form"])
    return data, form.cleaned_data["version"]


def _render_form(request: HttpRequest, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "commerce/quotes/form.html", ctx, status=status)


@login_required
def quote_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "quotes.create")
    customer = None
    customer_id = int_or_none(request.GET.get("customer") or request.POST.get("customer"))
    if customer_id:
        customer = selectors.document_customers(user=request.user).filter(pk=customer_id).first()
    ctx = _form_context(request, None, customer)
    ctx["initial"] = {"overall_discount": "10", "rows": [{"quantity": "1", "discount": "10"}]}
    if customer is None:  # the customer is chosen on the form itself; its contacts and deals come by htmx
        ctx["choose_customer"] = True
        if customer_id:
            ctx["errors"] = {
                "customer": [_("This customer is not in the system, is in the public pool or is waiting for review.")]
            }
        return _render_form(request, ctx, 400 if customer_id else 200)
    ctx["choose_customer"] = request.method == "POST" and "choose_customer" in request.POST
    if ctx["choose_customer"]:
        ctx["customers"] = selectors.document_customer_choices(user=request.user)
    ctx["initial"].update(
        _customer_initial(customer, ctx["opportunities"], int_or_none(request.GET.get("opportunity")))
    )
    if request.method == "POST":
        products = {p.pk: p for p in ctx["products"]}
        rows: list[dict] = []
        try:
            lines, rows = _lines_from_post(request, products)
            data, _version = _header_from_post(request, ctx)
            quote = services.quote_create(actor=request.user, customer=customer, data=data, lines=lines)
        except ApplicationError as exc:
            custom_errors_to_form(ctx["custom_form"], exc.fields)
            ctx.update(errors=exc.fields, error=error_text(exc), initial={**request.POST.dict(), "rows": rows or [{}]})
            return _render_form(request, ctx, 400)
        return redirect("commerce:quote_detail", quote.pk)
    return _render_form(request, ctx)


@login_required
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk, action="edit")
    ctx = _form_context(request, quote, quote.customer)
    ctx["initial"] = {
        "title": quote.title,
        "contact": quote.contact_id,
        "opportunity": quote.opportunity_id,
        "price_book": quote.price_book_id,
        "quote_date": quote.quote_date.isoformat(),
        "valid_until": quote.valid_until.isoformat(),
        "overall_discount": rate_to_tenths(quote.overall_discount),
        "terms": quote.terms,
        "note": quote.note,
        "rows": [
            {
                "product_id": ln.product_id,
                "quantity": f"{ln.quantity.normalize():f}",
                "discount": rate_to_tenths(ln.discount),
                "description": ln.description,
            }
            for ln in quote.lines.all()
        ],  # fmt: skip
    }
    if request.method == "POST":
        products = {p.pk: p for p in ctx["products"]}
        rows: list[dict] = []
        try:
            lines, rows = _lines_from_post(request, products)
            data, version = _header_from_post(request, ctx)
            services.quote_update(
                actor=request.user,
                quote=quote,
                data=data,
                lines=lines,
                expected_version=version,
            )
        except ApplicationError as exc:
            custom_errors_to_form(ctx["custom_form"], exc.fields)
            ctx.update(
                errors=exc.fields,
                error=error_text(exc),
                stale=is_stale(exc),
                initial={**request.POST.dict(), "rows": rows or [{}]},
            )
            return _render_form(request, ctx, 400)
        return redirect("commerce:quote_detail", quote.pk)
    return _render_form(request, ctx)


def approval_panel_html(request: HttpRequest, document: Any) -> str:
    """The approval engine's panel (step chain, approvers, 通过/驳回/退回/撤回), once the document went to approval."""
    try:
        from guanxi.approvals.selectors import approvals_for_document
        from guanxi.approvals.views import approval_panel
    except ImportError:
        return ""
    if not approvals_for_document(document).exists():
        return ""
    return str(approval_panel(request, document))


@login_required
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    quote = selectors.quote_get(user=user, pk=pk)
    can_edit = _can(user, quote, "edit")
    context = {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "versions": selectors.quote_versions(user=user, quote=quote),
        "can_edit": can_edit,
        "can_delete": _can(user, quote, "delete"),
        "can_contract": has_permission(user, "contracts.create")
        and quote.status in (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED),
        "route": selectors.route_preview(user=user, quote=quote) if quote.status == "draft" and can_edit else None,
        "is_draft": quote.status == Quote.Status.DRAFT,
        "approval_panel": approval_panel_html(request, quote),
        "contracts": list(quote.contracts.all()),
        "printable": quote.status in (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED),
        "capitals": _capitals(quote.total),
        "seller": company_profile(),
        "can_set": has_permission(user, "org.admin"),
    }
    return render(request, "commerce/quotes/detail.html", context)


def _capitals(amount: Any) -> str:
    from guanxi.core.money import amount_in_chinese_capitals

    return amount_in_chinese_capitals(amount)


def _can(user: Any, quote: Quote, action: str) -> bool:
    try:
        selectors.quote_get(user=user, pk=quote.pk, action=action)
    except ApplicationError:
        return False
    return True


def _back(pk: int) -> str:
    return reverse("commerce:quote_detail", args=[pk])


@login_required
@require_POST
def quote_submit(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk, action="edit")
    return service_action(request, lambda: services.quote_submit(actor=request.user, quote=quote),
               _("Submitted for approval."), _back(pk))  # fmt: skip


@login_required
@require_POST
def quote_revise(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk, action="edit")
    try:
        new = services.quote_revise(actor=request.user, quote=quote)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_back(pk))
    return redirect("commerce:quote_edit", new.pk)


@login_required
@require_POST
def quote_send(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk, action="edit")
    return form_action(
        request,
        QuoteSendForm(request.POST),
        lambda data: services.quote_send(actor=request.user, quote=quote, to=data["to"], message=data["message"]),
        _("The quote was e-mailed."),
        _back(pk),
    )


@login_required
@require_POST
def quote_answer(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk, action="edit")
    form = AnswerForm(request.POST)
    accepted = form.is_valid() and form.cleaned_data["answer"] == "accepted"
    done = _("Marked as accepted by the customer.") if accepted else _("Marked as rejected by the customer.")
    return form_action(
        request,
        form,
        lambda data: services.quote_record_answer(
            actor=request.user, quote=quote, accepted=accepted, note=data["note"]
        ),
        done,
        _back(pk),
    )


@login_required
@require_POST
def quote_delete(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk, action="delete")
    try:
        services.quote_delete(actor=request.user, quote=quote)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_back(pk))
    return redirect("commerce:quote_list")


@login_required
def quote_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)
    try:
        content, name = services.quote_pdf(actor=request.user, quote=quote)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_back(pk))
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response
