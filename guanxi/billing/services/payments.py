"""Payments received (回款) and their allocation to the contract's instalments; reversals (红冲).

A payment is booked in full against instalments, automatically (oldest due first) or as the user splits it;
it never exceeds the contract's balance due, and no instalment receives more than it lacks. The sum of the
allocations always equals the sum of the payments. A mistaken payment is reversed, never deleted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.commerce.models import Contract
from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import InvalidStateError
from guanxi.core.events import event_emit
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_amount, clean_date, clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.money import ZERO, format_cny
from guanxi.core.services import audit_record, model_create, model_update, notify
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404

from ..dictionaries import PAYMENT_METHOD
from ..models import Allocation, Instalment, Payment
from ..money import allocate_oldest_first
from ._common import collected_on, contract_for, live_instalments, require_receivable

PAYMENT_FIELDS = {"received_on", "amount", "method", "account", "handler", "note"}


def _manual_parts(
    amount: Decimal, plan: list[Instalment], allocations: list[dict[str, Any]]
) -> list[tuple[Instalment, Decimal]]:
    by_id = {i.pk: i for i in plan}
    parts: dict[int, Decimal] = {}
    for row in allocations:
        try:
            inst = by_id[int(row.get("instalment_id") or row.get("instalment") or 0)]
        except (KeyError, TypeError, ValueError):
            raise field_error("allocations", _("Choose instalments of this contract's payment plan."))
        value = clean_amount(row.get("amount"), "allocations", allow_zero=True)
        parts[inst.pk] = parts.get(inst.pk, ZERO) + value
    for pk, value in parts.items():
        inst = by_id[pk]
        if value > inst.remaining:
            raise field_error(
                "allocations",
                _("Instalment %(n)s lacks only %(left)s.") % {"n": inst.sequence, "left": format_cny(inst.remaining)},
            )
    booked = sum(parts.values(), ZERO)
    if booked != amount:
        raise field_error(
            "allocations",
            _("The allocations add up to %(booked)s, the payment is %(amount)s.")
            % {"booked": format_cny(booked), "amount": format_cny(amount)},
        )
    return [(by_id[pk], value) for pk, value in parts.items() if value > 0]


def _book(*, actor: User, payment: Payment, parts: list[tuple[Instalment, Decimal]]) -> None:
    for inst, value in parts:
        Allocation.objects.create(payment=payment, instalment=inst, amount=value)
        model_update(instance=inst, data={"paid": inst.paid + value}, actor=actor)


def payment_record(
    *,
    actor: User,
    contract: Contract | int,
    data: dict[str, Any],
    allocations: list[dict[str, Any]] | None = None,
) -> Payment:
    """Record money received on an approved or signed contract (payments.create on it) and allocate it to the
    instalments: oldest due first, or by hand (`allocations`: [{instalment_id, amount}] adding up to the
    payment). Refused, with nothing written, when it exceeds the contract's balance due."""
    unknown = set(data) - PAYMENT_FIELDS
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be set here."))
    with transaction.atomic():
        contract = contract_for(actor, contract, "create", "payments")
        require_receivable(contract)
        amount = clean_amount(data.get("amount"), "amount")
        method, handler = _method_and_handler(actor, data)
        _check_balance_due(contract, amount)
        parts = _allocation(contract, amount, allocations)
        payment = model_create(
            instance=Payment(
                contract=contract,
                received_on=clean_date(data.get("received_on") or timezone.localdate(), "received_on", not_future=True),
                amount=amount,
                currency=contract.currency,
                method=method,
                account=clean_text(data.get("account"), "account", max_length=100),
                handler=handler,
                note=clean_text(data.get("note"), "note"),
                created_by=actor,
            ),
            actor=actor,
        )
        _book(actor=actor, payment=payment, parts=parts)
        ensure_in_scope(actor, payment, "view")
        if contract.owner_id != actor.pk:
            _tell_owner(contract, amount)
        event_emit("payment.received", obj=payment, actor=actor)
    return payment


def _method_and_handler(actor: User, data: dict[str, Any]) -> tuple[str, User]:
    method = data.get("method") or Payment.Method.BANK_TRANSFER
    found = dictionaries.entry(PAYMENT_METHOD, method)
    if found is None or not found.is_active:
        raise field_error("method", _("Payment method: choose one of the list."))
    handler = data.get("handler") or actor
    if not isinstance(handler, User) or not handler.is_active:
        raise field_error("handler", _("Choose an active user."))
    return method, handler


def _check_balance_due(contract: Contract, amount: Decimal) -> None:
    balance = contract.amount - collected_on(contract)
    if amount > balance:
        raise field_error(
            "amount",
            _("The payment of %(amount)s exceeds the contract's balance due of %(balance)s.")
            % {"amount": format_cny(amount), "balance": format_cny(max(ZERO, balance))},
        )


def _allocation(
    contract: Contract, amount: Decimal, allocations: list[dict[str, Any]] | None
) -> list[tuple[Instalment, Decimal]]:
    """Which open instalments the payment pays, and how much of each: by hand, or the oldest due first."""
    plan = [i for i in live_instalments(contract, lock=True) if i.remaining > 0]
    if not plan:
        raise InvalidStateError(_("Set up the contract's payment plan before recording payments."))
    if allocations:
        return _manual_parts(amount, plan, allocations)
    try:
        values = allocate_oldest_first(amount, [i.remaining for i in plan])
    except ValueError:
        raise field_error(
            "amount",
            _("The payment exceeds what the payment plan still lacks (%(left)s).")
            % {"left": format_cny(sum((i.remaining for i in plan), ZERO))},
        )
    return [(inst, value) for inst, value in zip(plan, values, strict=True) if value > 0]


def _tell_owner(contract: Contract, amount: Decimal) -> None:
    notify(
        recipient=contract.owner,
        kind="payment_received",
        title=Message(
            gettext_noop("%(amount)s received on contract %(number)s"),
            {"amount": format_cny(amount), "number": contract.number},
        ),
        url=reverse("billing:contract_money", args=[contract.pk]),
    )


def payment_reverse(*, actor: User, payment: Payment | int, reason: str) -> Payment:
    """Reverse a payment (payments.approve on it): a red entry with the negative amount, dated today, takes the
    money back off the same instalments. The original stays, marked reversed. Audited."""
    pk = payment.pk if isinstance(payment, Payment) else payment
    with transaction.atomic():
        get_scoped_or_404(actor, Payment.objects.all(), pk, "approve")
        original = Payment.objects.select_for_update(of=("self",)).select_related("contract").get(pk=pk)
        if original.is_reversal:
            raise InvalidStateError(_("A reversal cannot itself be reversed."))
        if Payment.objects.filter(reversal_of=original).exists():
            raise InvalidStateError(_("This payment is already reversed."))
        text = clean_text(reason, "reason", required=True)
        red = model_create(
            instance=Payment(
                contract=original.contract,
                received_on=timezone.localdate(),
                amount=-original.amount,
                currency=original.currency,
                method=original.method,
                account=original.account,
                handler=actor,
                note=text,
                reversal_of=original,
                created_by=actor,
            ),
            actor=actor,
        )
        for alloc in original.allocations.select_related("instalment"):
            inst = Instalment.all_objects.select_for_update(of=("self",)).get(pk=alloc.instalment_id)
            Allocation.objects.create(payment=red, instalment=inst, amount=-alloc.amount)
            model_update(instance=inst, data={"paid": inst.paid - alloc.amount}, actor=actor)
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=original,
            message=Message(gettext_noop("Payment reversed: %(reason)s"), {"reason": text}),
        )
    return red
