"""What the billing services share: input checks for money and dates, the contract a write is about."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.commerce.models import Contract
from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.money import AMOUNT_MAX, ZERO, to_cent
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from ..models import Instalment, Payment
from ..policies import RECEIVABLE_STATUSES

TEXT_MAX = 300


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def clean_amount(value: Any, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        raise fail(field, _("Enter a number."))
    if amount is None:
        raise fail(field, _("This field is required."))
    if not amount.is_finite() or amount >= AMOUNT_MAX or amount < 0 or (amount == 0 and not allow_zero):
        raise fail(field, _("Enter an amount above 0 and below 1,000,000,000,000."))
    if amount != amount.quantize(Decimal("0.01")):
        raise fail(field, _("Enter the amount in yuan with at most two decimals."))
    return to_cent(amount)


def clean_date(value: Any, field: str, *, not_future: bool = False) -> dt.date:
    if isinstance(value, str) and value:
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise fail(field, _("Enter a valid date (YYYY-MM-DD)."))
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise fail(field, _("Enter a valid date (YYYY-MM-DD)."))
    if not_future and value > timezone.localdate():
        raise fail(field, _("The date cannot be in the future."))
    return value


def clean_text(value: Any, field: str, *, required: bool = False, max_length: int = TEXT_MAX) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise fail(field, _("This field is required."))
    if len(text) > max_length:
        raise fail(field, _("Ensure this value has at most %(max)s characters.") % {"max": max_length})
    return text


def contract_for(actor: User, contract: Contract | int, action: str, module: str) -> Contract:
    """The contract a money write is about, locked, within the actor's `module.action` scope (403/404)."""
    pk = contract.pk if isinstance(contract, Contract) else contract
    get_scoped_or_404(actor, Contract.objects.all(), pk, action, module=module)
    return Contract.objects.select_for_update(of=("self",)).select_related("customer", "owner").get(pk=pk)


def require_receivable(contract: Contract) -> None:
    if contract.status not in RECEIVABLE_STATUSES:
        raise InvalidStateError(
            _("Money can only be recorded on an approved or signed contract (this one is “%(status)s”).")
            % {"status": contract.get_status_display()}
        )


def collected_on(contract: Contract) -> Decimal:
    """Payments received on a contract, net of reversals."""
    total = Payment.objects.filter(contract=contract).aggregate(s=Sum("amount"))["s"]
    return to_cent(total or ZERO)


def live_instalments(contract: Contract, *, lock: bool = False) -> list[Instalment]:
    qs = Instalment.objects.filter(contract=contract).order_by("due_date", "sequence", "id")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return list(qs)
