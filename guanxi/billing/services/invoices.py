"""Invoices issued (开票): number, date, type 普票/专票, amount including tax, tax rate and tax (half-up),
buyer title and tax id (from the customer). The issued invoices of a contract never exceed its amount."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.commerce.models import Contract
from guanxi.core.errors import InvalidStateError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_amount, clean_date, clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.money import ZERO, format_cny, to_cent
from guanxi.core.services import audit_record, check_version, model_create, model_update
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404

from ..models import Invoice
from ..money import tax_included
from ._common import contract_for, require_receivable

INVOICE_FIELDS = {"number", "issued_on", "kind", "amount", "tax_rate", "buyer_title", "buyer_tax_id", "note"}
TAX_RATE_MAX = Decimal("0.5")


def invoiced_on(contract: Contract) -> Decimal:
    """What the contract's issued (not void) invoices add up to."""
    total = Invoice.objects.filter(contract=contract, status=Invoice.Status.ISSUED).aggregate(s=Sum("amount"))["s"]
    return to_cent(total or ZERO)


def _clean_rate(value: Any) -> Decimal:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error("tax_rate", _("Enter a number."))
    if not rate.is_finite() or rate < 0 or rate > TAX_RATE_MAX or rate != rate.quantize(Decimal("0.0001")):
        raise field_error("tax_rate", _("Enter the tax rate as a fraction between 0 and 0.5, e.g. 0.13 for 13 %."))
    return rate.quantize(Decimal("0.0001"))


def invoice_issue(*, actor: User, contract: Contract | int, data: dict[str, Any]) -> Invoice:
    """Record an invoice issued on a contract (invoices.create on it). Refused, with nothing written, when the
    number is taken, a special VAT invoice lacks the buyer's tax id, or the contract's issued invoices would
    exceed its amount."""
    unknown = set(data) - INVOICE_FIELDS
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be set here."))
    with transaction.atomic():
        contract = contract_for(actor, contract, "create", "invoices")
        require_receivable(contract)
        number = clean_text(data.get("number"), "number", required=True, max_length=40)
        if Invoice.objects.filter(number=number).exists():
            raise field_error("number", _("An invoice with this number is already recorded."))
        kind = data.get("kind") or Invoice.Kind.ORDINARY
        if kind not in Invoice.Kind.values:
            raise field_error("kind", _("Choose an ordinary or a special VAT invoice."))
        amount = clean_amount(data.get("amount"), "amount")
        rate = _clean_rate(data.get("tax_rate", "0.13"))
        net, tax = tax_included(amount, rate)
        customer = contract.customer
        title = clean_text(data.get("buyer_title") or customer.name, "buyer_title", required=True, max_length=200)
        tax_id = clean_text(data.get("buyer_tax_id") or customer.credit_code, "buyer_tax_id", max_length=30)
        if kind == Invoice.Kind.SPECIAL and not tax_id:
            raise field_error("buyer_tax_id", _("A special VAT invoice needs the buyer's tax id."))
        already = invoiced_on(contract)
        if already + amount > contract.amount:
            raise field_error(
                "amount",
                _(
                    "Invoices would total %(total)s, more than the contract amount %(amount)s: at most %(left)s "
                    "can still be invoiced."
                )
                % {
                    "total": format_cny(already + amount),
                    "amount": format_cny(contract.amount),
                    "left": format_cny(max(ZERO, contract.amount - already)),
                },
            )
        invoice = model_create(
            instance=Invoice(
                contract=contract,
                number=number,
                issued_on=clean_date(data.get("issued_on") or timezone.localdate(), "issued_on", not_future=True),
                kind=kind,
                amount=amount,
                currency=contract.currency,
                tax_rate=rate,
                tax_amount=tax,
                net_amount=net,
                buyer_title=title,
                buyer_tax_id=tax_id,
                note=clean_text(data.get("note"), "note"),
                created_by=actor,
            ),
            actor=actor,
        )
        ensure_in_scope(actor, invoice, "view")
    return invoice


def invoice_void(*, actor: User, invoice: Invoice | int, reason: str, expected_version: int | None = None) -> Invoice:
    """Void an issued invoice (invoices.edit); the reason is required and kept."""
    pk = invoice.pk if isinstance(invoice, Invoice) else invoice
    with transaction.atomic():
        get_scoped_or_404(actor, Invoice.objects.all(), pk, "edit")
        invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=pk)
        check_version(invoice, expected_version)
        if invoice.status == Invoice.Status.VOID:
            raise InvalidStateError(_("This invoice is already void."))
        text = clean_text(reason, "reason", required=True)
        invoice, _changes = model_update(
            instance=invoice,
            data={"status": Invoice.Status.VOID, "void_reason": text, "voided_at": timezone.now()},
            actor=actor,
            audit=False,
            expected_version=expected_version,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=invoice,
            changes={"status": [Invoice.Status.ISSUED, Invoice.Status.VOID], "void_reason": ["", text]},
            message=Message(gettext_noop("Invoice voided: %(reason)s"), {"reason": text}),
            customer_id=invoice.contract.customer_id,
        )
    return invoice
