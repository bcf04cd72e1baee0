"""Web UI for sales execution orders (with shipments) and implementation orders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.views_util import error_text, form_action, service_action
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .forms import (
    ExecutionOrderForm,
    ImplementationOrderForm,
    ImplementationStatusForm,
    ShipmentForm,
    form_errors,
)
from .models import ExecutionOrder, ImplementationOrder
from .views_common import int_or_none
from .views_quotes import approval_panel_html


def _date(raw: str, key: str, *, required: bool = False) -> Any:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise ValidationFailed(_("This field is required."), fields={key: [_("This field is required.")]})
        return None
    parsed = parse_date(raw) if len(raw) == 10 else None
    if parsed is None:
        raise ValidationFailed(_("Enter a valid date."), fields={key: [_("Enter a valid date.")]})
    return parsed


def _check(form: Any) -> None:
    """A value the form refuses is an error naming its field, shown like a service's."""
    if not form.is_valid():
        raise ValidationFailed(_("Please correct the errors below."), fields=form_errors(form))


@login_required
def execution_order_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "orders.create")
    contract = selectors.contract_get(
        user=user, pk=int_or_none(request.GET.get("contract") or request.POST.get("contract"))
    )
    products = list(selectors.product_choices(user=user))
    users = list(selectors.user_choices(user=user))
    defaults = services.default_people(user)
    ctx: dict[str, Any] = {
        "contract": contract,
        "products": products,
        "users": users,
        "chosen": {k: {u.pk for u in v} for k, v in defaults.items()},
        "rows": [
            {"product_id": ln.product_id, "quantity": f"{ln.quantity.normalize():f}"}
            for ln in (contract.quote.lines.all() if contract.quote else [])
        ]
        or [{"quantity": "1"}],  # fmt: skip
        "initial": {"delivery_address": contract.customer.address},
        "errors": {},
    }
    if request.method == "POST":
        post = request.POST
        by_id = {p.pk: p for p in products}
        users_by_id = {u.pk: u for u in users}
        pairs = zip(post.getlist("line-product"), post.getlist("line-quantity"), strict=False)
        rows = [{"product_id": int_or_none(p), "quantity": q} for p, q in pairs if p]
        people = {k: [users_by_id[i] for i in map(int_or_none, post.getlist(k)) if i in users_by_id]
                  for k in services.orders.PEOPLE}  # fmt: skip
        form = ExecutionOrderForm(post)
        try:
            _check(form)
            lines = [{"product": by_id.get(r["product_id"] or 0), "quantity": r["quantity"]} for r in rows]
            order = services.execution_order_create(
                actor=user, contract=contract, lines=lines, people=people, data=form.cleaned_data
            )
        except ApplicationError as exc:
            ctx.update(errors=exc.fields, error=error_text(exc), rows=rows or [{}], initial=post.dict(),
                       chosen={k: {u.pk for u in v} for k, v in people.items()})  # fmt: skip
            return render(request, "commerce/orders/execution_form.html", ctx, status=400)
        messages.success(request, _("Execution order %(number)s created.") % {"number": order.number})
        return redirect("commerce:execution_order_detail", order.pk)
    return render(request, "commerce/orders/execution_form.html", ctx)


@login_required
def execution_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    order = selectors.execution_order_get(user=user, pk=pk)
    try:
        selectors.execution_order_get(user=user, pk=pk, action="edit")
        can_edit = True
    except ApplicationError:
        can_edit = False
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "shipments": list(order.shipments.all()),
        "can_edit": can_edit,
        # the business managers the order names to ship may record deliveries even outside their own reach
        "can_ship": (can_edit or _is_shipper(user, order))
        and order.status in (ExecutionOrder.Status.OPEN, ExecutionOrder.Status.PARTIALLY_SHIPPED),
        "approval_panel": approval_panel_html(request, order),
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "commerce/orders/execution_detail.html", context)


def _is_shipper(user: Any, order: ExecutionOrder) -> bool:
    return has_permission(user, "orders.edit") and any(u.pk == user.pk for u in order.shipping_users.all())


def _order(request: HttpRequest, pk: int, action: str = "edit") -> ExecutionOrder:
    return selectors.execution_order_get(user=request.user, pk=pk, action=action)


@login_required
@require_POST
def execution_order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    # shipping: the service decides (the actor's scope, or a shipper the order names); the rest needs edit scope
    order = _order(request, pk, "view" if action == "ship" else "edit")
    back = reverse("commerce:execution_order_detail", args=[pk])
    user = request.user
    if action == "ship":
        quantities = {
            int(key.split("-", 1)[1]): value
            for key, value in request.POST.items()
            if key.startswith("ship-") and key.split("-", 1)[1].isdigit() and value.strip()
        }

        return form_action(
            request,
            ShipmentForm(request.POST),
            lambda data: services.shipment_record(actor=user, order=order, quantities=quantities, **data),
            _("Shipment recorded."),
            back,
        )
    runs = {
        "issue": (lambda: services.execution_order_issue(actor=user, order=order), _("Order issued; people notified.")),
        "submit": (lambda: services.execution_order_submit(actor=user, order=order), _("Submitted for approval.")),
        "close": (lambda: services.execution_order_close(actor=user, order=order), _("Order closed.")),
    }
    run, done = runs[action]
    return service_action(request, run, done, back)


# --- implementation orders -------------------------------------------------------------------------
@login_required
def implementation_order_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "implementation.create")
    contract = selectors.contract_get(
        user=user, pk=int_or_none(request.GET.get("contract") or request.POST.get("contract"))
    )
    staff = services.orders.users_with_role("implementation") or list(selectors.user_choices(user=user))
    ctx: dict[str, Any] = {"contract": contract, "staff": staff, "errors": {}, "initial": {},
                           "rows": [{"title": _("Kick-off meeting")}, {"title": _("Installation and configuration")},
                                    {"title": _("Training and acceptance")}]}  # fmt: skip
    if request.method == "POST":
        post = request.POST
        by_id = {u.pk: u for u in staff}
        rows = [{"title": t, "assignee_id": int_or_none(a), "due_on": d}
                for t, a, d in zip(post.getlist("item-title"), post.getlist("item-assignee"),
                                   post.getlist("item-due"), strict=False) if t.strip()]  # fmt: skip
        form = ImplementationOrderForm(post)
        try:
            _check(form)
            items = [{"title": r["title"], "assignee": by_id.get(r["assignee_id"] or 0),
                      "due_on": _date(r["due_on"], "items", required=True)} for r in rows]  # fmt: skip
            order = services.implementation_order_create(
                actor=user, contract=contract, items=items, data=form.cleaned_data
            )
        except ApplicationError as exc:
            ctx.update(errors=exc.fields, error=error_text(exc), rows=rows or [{}], initial=post.dict())
            return render(request, "commerce/orders/implementation_form.html", ctx, status=400)
        messages.success(request, _("Implementation order %(number)s created.") % {"number": order.number})
        return redirect("commerce:implementation_order_detail", order.pk)
    return render(request, "commerce/orders/implementation_form.html", ctx)


@login_required
def implementation_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    order = selectors.implementation_order_get(user=user, pk=pk)
    milestones = selectors.contract_payment_plan(order.contract)
    context = {
        "order": order,
        "items": list(order.items.all()),
        "progress": selectors.implementation_progress(order),
        "milestones": milestones,
        "can_edit": has_permission(user, "implementation.edit"),
        "statuses": ImplementationOrder.Status.choices,
    }
    return render(request, "commerce/orders/implementation_detail.html", context)


@login_required
@require_POST
def implementation_order_status(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.implementation_order_get(user=request.user, pk=pk, action="edit")
    return form_action(
        request,
        ImplementationStatusForm(request.POST),
        lambda data: services.implementation_order_set_status(actor=request.user, order=order, status=data["status"]),
        _("Status changed."),
        reverse("commerce:implementation_order_detail", args=[pk]),
    )
