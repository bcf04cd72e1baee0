"""Writes of collections (收款): the payment schedule of a trade (应收款), receipts (收据, numbered, printable) and
refunds (退款), the advance receipts (预收款) and the dunning of arrears (催款). Money follows billing's rules
(collect_money.py): what the buyer paid net of refunds is booked against the dues oldest first, the small deposit
included (deposits apply to the price); the dues add up to the agreed price; what exceeds them is an advance.

A signed trade whose dues are all covered is paid up (the unit too); a refund that uncovers a due takes it back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_date, clean_decimal, clean_text, field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.money import ZERO, format_cny
from guanxi.core.numbering import number_next, register_default_pattern
from guanxi.core.services import audit_record, notify
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from . import collect_money
from .models import PaymentDue, Receipt, Trade, Unit

register_default_pattern("re_receipt", "SJ{yyyy}{mm}{dd}-{seq:04}")
register_default_pattern("re_refund", "TK{yyyy}{mm}{dd}-{seq:03}")
RECEIPT_FIELDS = {"amount", "kind", "method", "received_on", "payer", "notes"}
REMIND_EVERY_DAYS = 7
AMOUNT_MAX = Decimal("1e9")


def trade_balance(trade: Trade, *, today: dt.date | None = None) -> collect_money.Balance:
    """The trade's money now: price, scheduled, received, refunded, covered, overdue, advance (预收款)."""
    sums = Receipt.objects.filter(trade=trade).aggregate(
        received=Sum("amount", filter=~Q(kind=Receipt.Kind.REFUND)),
        refunded=Sum("amount", filter=Q(kind=Receipt.Kind.REFUND)),
    )
    dues = [(d.due_on, d.amount) for d in PaymentDue.objects.filter(trade=trade).order_by("position", "id")]
    return collect_money.balance(
        price=trade.agreed_price or ZERO,
        dues=dues,
        received=sums["received"] or ZERO,
        refunded=sums["refunded"] or ZERO,
        today=today or timezone.localdate(),
    )


def settle(trade: Trade, *, actor: User | None) -> None:
    """Book what the buyer paid net of refunds against the dues oldest first; a signed trade all covered is paid up
    (and its unit), a paid-up one a refund uncovers is signed again. The trade is locked by the caller."""
    from .trades import advance_unit

    dues = list(PaymentDue.objects.filter(trade=trade).order_by("position", "id"))
    bal = trade_balance(trade)
    covered, _advance = collect_money.book_oldest_first(bal.collected, [d.amount for d in dues])
    for due, got in zip(dues, covered, strict=True):
        if due.received != got:
            PaymentDue.objects.filter(pk=due.pk).update(received=got)
    paid_up = bool(dues) and bal.covered == bal.scheduled == (trade.agreed_price or ZERO)
    if trade.stage == Trade.Stage.SIGNED and paid_up:
        advance_unit(
            unit_id=trade.unit_id, from_=Unit.Status.SIGNED, to=Unit.Status.PAID_UP, actor=actor, why=str(trade)
        )
        _set_stage(trade, Trade.Stage.PAID_UP, actor=actor)
    elif trade.stage == Trade.Stage.PAID_UP and not paid_up:
        advance_unit(
            unit_id=trade.unit_id, from_=Unit.Status.PAID_UP, to=Unit.Status.SIGNED, actor=actor, why=str(trade)
        )
        _set_stage(trade, Trade.Stage.SIGNED, actor=actor)


def _set_stage(trade: Trade, stage: str, *, actor: User | None) -> None:
    old = trade.stage
    Trade.objects.filter(pk=trade.pk).update(stage=stage, updated_at=timezone.now())
    trade.stage = stage
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=trade, changes={"stage": [old, stage]})


def dues_replace(trade: Trade, lines: list[collect_money.Line], *, actor: User | None) -> list[PaymentDue]:
    """Set the trade's payment schedule (the subscription's, then the contract's) and book what was paid on it."""
    PaymentDue.objects.filter(trade=trade).delete()
    dues = PaymentDue.objects.bulk_create(
        [
            PaymentDue(trade=trade, position=i, kind=what, due_on=due, amount=amount)
            for i, (what, due, amount) in enumerate(lines, start=1)
        ]
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=trade,
        changes={"schedule": [None, "; ".join(f"{w} {d.isoformat()} {a}" for w, d, a in lines)]},
    )
    settle(trade, actor=actor)
    return dues


def receipt_write(
    *,
    trade: Trade,
    kind: str,
    amount: Decimal,
    method: str,
    received_on: dt.date,
    actor: User | None,
    payer: str = "",
    notes: str = "",
) -> Receipt:
    """A numbered receipt (or refund), audited and booked. The caller checked the permission and the amount."""
    receipt = Receipt.objects.create(
        trade=trade,
        number=number_next("re_refund" if kind == Receipt.Kind.REFUND else "re_receipt"),
        kind=kind,
        amount=amount,
        method=method,
        received_on=received_on,
        payer=payer[:200],
        notes=notes[:300],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=receipt,
        changes={"kind": [None, kind], "amount": [None, str(amount)], "trade": [None, trade.number]},
    )
    settle(trade, actor=actor)
    return receipt


def _receipt_input(data: dict[str, Any]) -> dict[str, Any]:
    data = pick(data, RECEIPT_FIELDS)
    method = str(data.get("method") or Receipt.Method.TRANSFER)
    if method not in Receipt.Method.values:
        raise field_error("method", _("Choose one of the list."))
    return {
        "amount": clean_decimal(data.get("amount"), "amount", low=Decimal("0.01"), high=AMOUNT_MAX),
        "method": method,
        "received_on": clean_date(data.get("received_on") or timezone.localdate(), "received_on", not_future=True),
        "payer": clean_text(data.get("payer"), "payer", max_length=200),
        "notes": clean_text(data.get("notes"), "notes", max_length=300),
    }


def receipt_record(*, actor: User, trade: Trade | int, data: dict[str, Any]) -> Receipt:
    """Record money received for a trade (收款): a payment for the unit (at most what is still owed) or an advance
    receipt (预收款, any amount, booked on the dues as they come)."""
    from .trades import trade_lock

    require_permission(actor, "re_collections.create")
    kind = str(data.get("kind") or Receipt.Kind.PAYMENT)
    if kind not in (Receipt.Kind.PAYMENT, Receipt.Kind.ADVANCE):
        raise field_error("kind", _("Choose one of the list."))
    values = _receipt_input(data)
    with transaction.atomic():
        trade = trade_lock(_trade_pk(actor, trade))
        if trade.stage == Trade.Stage.CANCELLED:
            raise InvalidStateError(_("The trade is cancelled: it takes no more payments, only refunds."))
        bal = trade_balance(trade)
        if kind == Receipt.Kind.PAYMENT and values["amount"] > bal.outstanding - bal.advance:
            raise field_error(
                "amount",
                _("More than is still owed (%(owed)s): record the rest as an advance receipt.")
                % {"owed": format_cny(max(bal.outstanding - bal.advance, ZERO))},
            )
        return receipt_write(
            trade=trade,
            kind=kind,
            actor=actor,
            payer=values["payer"] or str(trade.customer),
            **{k: values[k] for k in ("amount", "method", "received_on", "notes")},
        )


def refund_issue(*, actor: User, trade: Trade | int, data: dict[str, Any]) -> Receipt:
    """Refund the buyer (退款), at most what the trade collected; the reason goes on the refund."""
    from .trades import trade_lock

    require_permission(actor, "re_collections.refund")
    values = _receipt_input({k: v for k, v in data.items() if k != "kind"})
    if not values["notes"]:
        raise field_error("notes", _("Say why the money is refunded."))
    with transaction.atomic():
        trade = trade_lock(_trade_pk(actor, trade))
        collected = trade_balance(trade).collected
        if values["amount"] > collected:
            raise field_error(
                "amount", _("More than the trade collected (%(collected)s).") % {"collected": format_cny(collected)}
            )
        return receipt_write(
            trade=trade,
            kind=Receipt.Kind.REFUND,
            actor=actor,
            payer=values["payer"] or str(trade.customer),
            **{k: values[k] for k in ("amount", "method", "received_on", "notes")},
        )


def _trade_pk(actor: User, trade: Trade | int) -> int:
    from guanxi.org.policies import scope_queryset

    from .selectors import in_project_scope

    pk = trade.pk if isinstance(trade, Trade) else int(trade)
    found = in_project_scope(actor, scope_queryset(actor, Trade.objects.filter(pk=pk), "view", module="re_sales"))
    if not found.exists():
        raise field_error("trade", _("Choose one of the list."))
    return pk


def notify_agent(trade: Trade, *, kind: str, title: str | Message, key: str, body: str | Message = "") -> None:
    """Tell the trade's agent (kinds "re_deposit_expired", "re_arrears": the topic "realestate_sales" mutes them)."""
    notify(
        recipient=trade.agent,
        kind=kind,
        title=title,
        body=body,
        url=reverse("realestate:trade_detail", args=[trade.pk]),
        dedupe_key=key,
    )


def arrears_remind(*, today: dt.date | None = None) -> int:
    """The worker's job (催款): each live trade with a due past its date and not covered tells its agent, at most
    once a week per due; returns how many dues were reminded of."""
    today = today or timezone.localdate()
    overdue = (
        PaymentDue.objects.filter(due_on__lt=today, trade__stage__in=Trade.LIVE, trade__deleted_at__isnull=True)
        .filter(
            Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=today - dt.timedelta(days=REMIND_EVERY_DAYS))
        )
        .select_related("trade__agent", "trade__unit__building__project", "trade__customer")
    )
    reminded = 0
    for due in overdue:
        if due.received >= due.amount:
            continue
        trade = due.trade
        notify_agent(
            trade,
            kind="re_arrears",
            title=Message(
                gettext_noop("Arrears: %(customer)s owes %(amount)s on %(unit)s since %(day)s"),
                {
                    "customer": str(trade.customer),
                    "amount": format_cny(due.amount - due.received),
                    "unit": str(trade.unit),
                    "day": due.due_on.isoformat(),
                },
            ),
            key=f"re_arrears:{due.pk}:{today.isoformat()}",
        )
        PaymentDue.objects.filter(pk=due.pk).update(last_reminded_on=today)
        reminded += 1
    return reminded
