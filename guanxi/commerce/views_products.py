"""Web UI for the catalogue: products (list, form, export), product lines and price books."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.views_util import error_text, form_error_text, is_stale
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .forms import PriceBookForm, ProductForm, ProductLineForm, form_errors


@login_required
def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    product = selectors.product_get(user=user, pk=pk) if pk else None
    require_permission(user, "products.edit" if product else "products.create")
    lines = {ln.pk: ln for ln in selectors.product_lines(user=user)}
    initial: dict[str, Any] = {"unit": "套", "tax_rate": "13", "is_active": True}
    if product:
        initial = {"code": product.code, "name": product.name, "unit": product.unit, "line": product.line_id,
                   "list_price": f"{product.list_price:.2f}", "tax_rate": f"{(product.tax_rate * 100).normalize():f}",
                   "description": product.description, "is_active": product.is_active,
                   "term_months": product.term_months}  # fmt: skip
    ctx: dict[str, Any] = {"product": product, "lines": lines.values(), "initial": initial, "errors": {}}
    if request.method == "POST":
        form = ProductForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationFailed(_("Please correct the errors below."), fields=form_errors(form))
            data = form.service_data(lines)
            if product:
                version = form.cleaned_data["version"]
                product = services.product_update(actor=user, product=product, data=data, expected_version=version)
            else:
                product = services.product_create(actor=user, data=data)
        except ApplicationError as exc:
            ctx.update(errors=exc.fields, error=error_text(exc), stale=is_stale(exc), initial=request.POST.dict())
            return render(request, "commerce/products/form.html", ctx, status=400)
        messages.success(request, _("Product saved."))
        return redirect("commerce:product_list")
    return render(request, "commerce/products/form.html", ctx)


@login_required
def product_export(request: HttpRequest) -> HttpResponse:
    fmt = "csv" if request.GET.get("fmt") == "csv" else "xlsx"
    content, name, mime = services.products_export(actor=request.user, params=request.GET, fmt=fmt)
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def product_line_edit(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "products.admin")
    if request.method == "POST":
        form = ProductLineForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_error_text(form))
            return redirect("commerce:product_list")
        pk = form.cleaned_data["pk"]
        line = next((ln for ln in selectors.product_lines(user=request.user) if ln.pk == pk), None) if pk else None
        try:
            services.product_line_save(actor=request.user, data=form.service_data(), line=line)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Product line saved."))
    return redirect("commerce:product_list")


@login_required
def price_book_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    book = selectors.price_book_get(user=user, pk=pk) if pk else None
    if book is None:
        require_permission(user, "products.admin")
    products = list(selectors.product_list(user=user, filters={"active": "1"}))
    entries = {e.product_id: e.price for e in selectors.price_book_entries(book=book)} if book else {}
    can_admin = has_permission(user, "products.admin")
    if request.method == "POST":
        require_permission(user, "products.admin")
        form = PriceBookForm(request.POST, products=products)
        try:
            if not form.is_valid():
                raise ValidationFailed(_("Please correct the errors below."), fields=form_errors(form))
            book = services.price_book_save(actor=user, data=form.book_data(), book=book, prices=form.prices())
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Price book saved."))
            return redirect("commerce:price_book_detail", book.pk)
    rows = [{"product": p, "price": entries.get(p.pk)} for p in products]
    return render(request, "commerce/products/price_book.html", {"book": book, "rows": rows, "can_admin": can_admin})
