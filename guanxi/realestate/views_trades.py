"""Pages of the transaction chain (thin: parse, call one service, redirect): a unit's sale starts on its page (选房
for a customer), the trade's page carries it on — small deposit, subscription, contract, receipts and refunds,
withdrawal and change of unit — and prints its documents (选房确认单, 认购书, 收据) as PDFs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from guanxi.core.errors import NotFoundError
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.customers.models import Customer
from guanxi.org.lists.views import list_page
from guanxi.org.policies import has_permission, scope_queryset

from . import cancellations, receipts, selectors, services_visits, subscriptions, trades
from .feature import when_enabled
from .models import Receipt, Subscription, Trade, Unit
from .selectors_trades import trade_dues, trade_get
from .views import _run

PICKER_LIMIT = 50  # offered at once; typing searches all of them on the server (name, pinyin, phone)
trade_list = when_enabled(list_page("re_trades"))
receipt_list = when_enabled(list_page("re_receipts"))


def buyer_choices(user: Any) -> list[Customer]:
    """The customers offered in the buyer picker before anything is typed: the newest of the agent's data scope
    (typing asks the customers API, which searches all of them in the same scope)."""
    qs = scope_queryset(user, Customer.objects.all(), "view", module="customers")
    return list(qs.order_by("-id").only("pk", "name")[:PICKER_LIMIT])


@login_required
@when_enabled
@require_POST
def unit_sale_start(request: HttpRequest, pk: int) -> HttpResponse:
    """From a unit's page: the customer picked the unit (选房确认), the trade's page goes on from there."""
    unit = selectors.unit_get(user=request.user, pk=pk)

    def start() -> Trade:
        customer: Any = request.POST.get("customer")
        with transaction.atomic():  # a buyer registered on the spot (not found by the picker) comes with the trade
            if not customer and (request.POST.get("new_name") or request.POST.get("new_phone")):
                customer = services_visits.buyer_register(
                    actor=request.user, name=request.POST.get("new_name"), phone=request.POST.get("new_phone")
                )
            return trades.selection_confirm(
                actor=request.user, unit=unit, customer=customer, scheme=request.POST.get("scheme")
            )

    trade = _run(
        request,
        start,
        _("Unit selection confirmed: print the confirmation, then take the small deposit or subscribe."),
    )
    return redirect("realestate:trade_detail", trade.pk) if trade else redirect("realestate:unit_detail", unit.pk)


@login_required
@when_enabled
def trade_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    trade = trade_get(user=user, pk=pk)  # type: ignore[arg-type]
    project = trade.unit.building.project
    can_collect = has_permission(user, "re_collections.view")
    subscription = trade.subscriptions.order_by("-id").first()
    live = trade.stage != Trade.Stage.CANCELLED
    return render(request, "realestate/trade_detail.html", {
        "trade": trade, "unit": trade.unit, "project": project,
        "deposit": trade.deposits.order_by("-id").first(), "subscription": subscription,
        "contract": trade.contracts.order_by("-id").first(),
        "dues": list(trade_dues(trade)) if can_collect else [],
        "receipts": list(trade.receipts.order_by("received_on", "id")) if can_collect else [],
        "balance": receipts.trade_balance(trade), "can_collect": can_collect,
        "can_edit": live and has_permission(user, "re_sales.edit"),
        "can_create": live and has_permission(user, "re_sales.create"),
        "can_cancel": live and has_permission(user, "re_sales.cancel"),
        "can_receive": live and has_permission(user, "re_collections.create"),
        "can_refund": has_permission(user, "re_collections.refund"),
        "schemes": project.schemes.filter(is_active=True), "discounts": project.discounts.filter(is_active=True),
        "methods": Receipt.Method.choices, "today": timezone.localdate(),
        "other_units": Unit.objects.filter(building__project=project, status=Unit.Status.AVAILABLE)
        .exclude(pk=trade.unit_id).select_related("building")[:300] if live else [],
        "pending": subscription is not None and subscription.status == Subscription.Status.PENDING,
    })  # fmt: skip


def _post(request: HttpRequest, *names: str) -> dict[str, Any]:
    return {n: request.POST.get(n, "") for n in names}


ACTIONS: dict[str, tuple[Callable[[HttpRequest, Trade], Any], str]] = {
    "deposit": (
        lambda r, t: trades.deposit_take(
            actor=r.user, trade=t, amount=r.POST.get("amount"), expires_on=r.POST.get("expires_on"),  # type: ignore[arg-type]
            method=r.POST.get("method") or Receipt.Method.TRANSFER,
        ),
        gettext_noop("Small deposit taken: the unit is reserved for the buyer."),
    ),
    "subscribe": (
        lambda r, t: subscriptions.subscription_create(actor=r.user, data={  # type: ignore[arg-type]
            "trade": t.pk, "discounts": r.POST.getlist("discount"),
            **_post(r, "scheme", "deposit_amount", "subscribed_on", "sign_by")}),
        gettext_noop("Subscription made."),
    ),
    "sign": (
        lambda r, t: subscriptions.contract_sign(actor=r.user, trade=t, data=_post(  # type: ignore[arg-type]
            r, "filing_number", "contract_price", "scheme", "signed_on")),
        gettext_noop("Contract signed."),
    ),
    "receive": (
        lambda r, t: receipts.receipt_record(actor=r.user, trade=t, data=_post(  # type: ignore[arg-type]
            r, "amount", "kind", "method", "received_on", "payer", "notes")),
        gettext_noop("Receipt recorded."),
    ),
    "refund": (
        lambda r, t: receipts.refund_issue(actor=r.user, trade=t, data=_post(  # type: ignore[arg-type]
            r, "amount", "method", "received_on", "notes")),
        gettext_noop("Refund recorded."),
    ),
    "cancel": (
        lambda r, t: cancellations.trade_cancel(
            actor=r.user, trade=t, reason=r.POST.get("reason", ""),  # type: ignore[arg-type]
            refund={"amount": r.POST["refund"], "method": r.POST.get("method") or "transfer"}
            if r.POST.get("refund") else None,
        ),
        gettext_noop("The trade is cancelled and the unit is back on sale."),
    ),
    "change_unit": (
        lambda r, t: cancellations.trade_change_unit(
            actor=r.user, trade=t, unit=r.POST.get("unit"), reason=r.POST.get("reason", "")  # type: ignore[arg-type]
        ),
        gettext_noop("The buyer changed unit: the new trade carries the money and the price difference."),
    ),
}  # fmt: skip


@login_required
@when_enabled
@require_POST
def trade_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    trade = trade_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    if action not in ACTIONS:
        raise NotFoundError(_("Not found, or you may not see it."))
    run, done = ACTIONS[action]
    result = _run(request, lambda: run(request, trade), _(done))
    if isinstance(result, Trade) and result.pk != trade.pk:
        return redirect("realestate:trade_detail", result.pk)
    return redirect("realestate:trade_detail", trade.pk)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@login_required
@when_enabled
def trade_pdf(request: HttpRequest, pk: int, doc: str) -> HttpResponse:
    """The selection confirmation (选房确认单) or the subscription (认购书) as a PDF; the print is audited."""
    from . import pdf_sales

    trade = trade_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    if doc == "selection":
        content = pdf_sales.selection_pdf(trade=trade)
        what = gettext_noop("Unit selection confirmation printed (PDF)")
    elif doc == "subscription":
        subscription = trade.subscriptions.order_by("-id").first()
        if subscription is None:
            raise NotFoundError(_("Not found, or you may not see it."))
        content = pdf_sales.subscription_pdf(trade=trade, subscription=subscription, dues=list(trade_dues(trade)))
        what = gettext_noop("Subscription printed (PDF)")
    else:
        raise NotFoundError(_("Not found, or you may not see it."))
    audit_record(actor=request.user, action=AuditLog.Action.EXPORT, obj=trade, message=Message(what))
    return _pdf(content, f"{doc}-{trade.number}")


@login_required
@when_enabled
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A receipt (收据) or refund as a printable PDF, for who may see collections and the trade."""
    from . import pdf_sales
    from .selectors_trades import receipt_list

    receipt = get_object_or_404(receipt_list(user=request.user), pk=pk)  # type: ignore[arg-type]
    audit_record(actor=request.user, action=AuditLog.Action.EXPORT, obj=receipt,
                 message=Message(gettext_noop("Receipt printed (PDF)")))  # fmt: skip
    return _pdf(pdf_sales.receipt_pdf(receipt=receipt), f"receipt-{receipt.number}")
