"""Contracts (合同): from an approved/accepted quote, from an opportunity, or blank for an existing customer;
numbered by the "contract" sequence; approval, signing (which wins the opportunity), execution, termination."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.custom_fields.validation import custom_values_clean, without_custom
from guanxi.core.errors import ApplicationError, InvalidStateError, NotFoundError, PermissionDeniedError
from guanxi.core.events import event_emit
from guanxi.core.files import stored_file_name
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_date, clean_decimal, clean_text, field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.money import AMOUNT_MAX
from guanxi.core.numbering import number_next
from guanxi.core.services import audit_record, check_version, model_create, model_update, notify, soft_delete
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, require_permission
from guanxi.sales.models import Opportunity

from ..models import Contract, Quote
from ._common import customer_for_document, ensure_unlocked

CONTRACT_FIELDS = {"title", "contact", "amount", "standard_template", "starts_on", "ends_on", "terms", "note",
                   "min_discount_rate"}  # fmt: skip
FROM_QUOTE = (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED)
TERMINABLE = (Contract.Status.APPROVED, Contract.Status.SIGNED, Contract.Status.IN_EXECUTION)
SCAN_MAX_BYTES = 20 * 1024 * 1024
SCAN_TYPES = (".pdf", ".jpg", ".jpeg", ".png")

CUSTOM_TARGET = "commerce.contract"


def _clean(data: dict[str, Any], customer: Customer) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in pick(data, CONTRACT_FIELDS).items():
        if key == "title":
            values[key] = clean_text(value, key, max_length=200, required=True)
        elif key in ("terms", "note"):
            values[key] = clean_text(value, key, max_length=10000, multiline=True)
        elif key == "amount":
            values[key] = clean_decimal(value, key, low=Decimal("0"), high=AMOUNT_MAX)
        elif key == "min_discount_rate":
            values[key] = clean_decimal(value, key, low=Decimal("0"), high=Decimal("1"), places="0.0001")
        elif key in ("starts_on", "ends_on"):
            values[key] = clean_date(value, key, required=False)
        elif key == "standard_template":
            values[key] = bool(value)
        elif key == "contact":
            if value is not None and (not isinstance(value, Contact) or value.customer_id != customer.pk):
                raise field_error(key, _("Choose a contact of this customer."))
            values[key] = value
    return values


def _check_dates(starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise field_error("ends_on", _("The end date cannot be before the start date."))


def contract_title_from_quote(quote: Quote) -> str:
    """A contract from a quote is named after the deal when there is one (not "Quote: …")."""
    return quote.opportunity.name if quote.opportunity_id and quote.opportunity else quote.title


@dataclass(frozen=True)
class ContractSource:
    """What a new contract starts from: a quote, an opportunity, or (blank) just its customer."""

    customer: Customer
    quote: Quote | None = None
    opportunity: Opportunity | None = None


def contract_source_choose(
    *, actor: User, quote_id: int | None = None, opportunity_id: int | None = None, customer_id: int | None = None
) -> ContractSource:
    """The source of a new contract, as the web form and the API name it: the first id given wins. An id the
    actor may not see, or a customer that may not get a contract, is an error on that id's field."""
    from guanxi.sales.opportunities.selectors import opportunity_get

    from ..selectors import document_customers, quote_get

    if quote_id or opportunity_id:
        field = "quote_id" if quote_id else "opportunity_id"
        try:
            if quote_id:
                quote = quote_get(user=actor, pk=quote_id)
                return ContractSource(customer=quote.customer, quote=quote)
            opportunity = opportunity_get(user=actor, pk=opportunity_id)
            return ContractSource(customer=opportunity.customer, opportunity=opportunity)
        except (NotFoundError, PermissionDeniedError):
            raise field_error(field, _("Unknown id, or you may not see it.")) from None
    if customer_id:
        customer = document_customers(user=actor).filter(pk=customer_id).first()
        if customer is None:
            raise field_error(
                "customer_id",
                _("This customer is not in the system, is in the public pool or is waiting for review."),
            )
        return ContractSource(customer=customer)
    raise field_error("customer_id", _("Give quote_id, opportunity_id or customer_id."))


def contract_create(
    *,
    actor: User,
    customer: Customer | None = None,
    data: dict[str, Any] | None = None,
    quote: Quote | None = None,
    opportunity: Opportunity | None = None,
) -> Contract:
    """A draft contract. From a quote it copies customer, opportunity, amount and lowest discount; from an
    opportunity its customer and amount; otherwise the customer must be given and exist."""
    require_permission(actor, "contracts.create")
    data = dict(data or {})
    with transaction.atomic():
        base: dict[str, Any] = {}
        if quote is not None:
            quote = get_scoped_or_404(actor, Quote.objects.select_related("customer"), quote.pk, "view")
            if quote.status not in FROM_QUOTE:
                raise field_error("quote", _("Only an approved or accepted quote can become a contract."))
            customer = quote.customer
            opportunity = quote.opportunity
            base = {"title": contract_title_from_quote(quote), "amount": quote.total,
                    "min_discount_rate": quote.min_discount_rate, "contact": quote.contact,
                    "terms": quote.terms}  # fmt: skip
        elif opportunity is not None:
            opportunity = get_scoped_or_404(
                actor, Opportunity.objects.select_related("customer"), opportunity.pk, "view", module="opportunities"
            )
            customer = opportunity.customer
            base = {"title": opportunity.name, "amount": opportunity.amount, "contact": opportunity.contact}
        customer = customer_for_document(actor, customer)
        values = {**base, **_clean(without_custom(data), customer)}
        values["custom"] = custom_values_clean(
            actor=actor, target=CUSTOM_TARGET, values=data.get("custom"), creating=True
        )
        values.setdefault("title", _("Contract with %(customer)s") % {"customer": customer.name})
        if "amount" not in values:
            raise field_error("amount", _("This field is required."))
        _check_dates(values.get("starts_on"), values.get("ends_on"))
        contract = model_create(
            instance=Contract(
                **values,
                number=number_next("contract"),
                customer=customer,
                opportunity=opportunity,
                quote=quote,
                owner=actor,
                department=actor.department,
                status=Contract.Status.DRAFT,
                currency=quote.currency if quote else "CNY",
                created_by=actor,
            ),
            actor=actor,
        )
        ensure_in_scope(actor, contract, "view")
    return contract


def _for_write(actor: User, contract: Contract, action: str = "edit") -> Contract:
    qs = Contract.objects.select_for_update(of=("self",)).select_related("customer", "opportunity", "owner")
    return get_scoped_or_404(actor, qs, contract.pk, action)


def contract_update(
    *, actor: User, contract: Contract, data: dict[str, Any], expected_version: int | None = None
) -> Contract:
    with transaction.atomic():
        row = _for_write(actor, contract)
        check_version(row, expected_version)
        ensure_unlocked(row)
        if row.status != Contract.Status.DRAFT:
            raise InvalidStateError(_("Only a draft contract can be changed."))
        values = _clean(without_custom(data), row.customer)
        if "custom" in data:
            values["custom"] = custom_values_clean(
                actor=actor, target=CUSTOM_TARGET, values=data["custom"], current=row.custom, instance_pk=row.pk
            )
        _check_dates(values.get("starts_on", row.starts_on), values.get("ends_on", row.ends_on))
        row, _changes = model_update(instance=row, data=values, actor=actor, expected_version=expected_version)
    return row


def contract_delete(*, actor: User, contract: Contract, expected_version: int | None = None) -> None:
    with transaction.atomic():
        row = _for_write(actor, contract, "delete")
        check_version(row, expected_version)
        ensure_unlocked(row)
        if row.status != Contract.Status.DRAFT:
            raise InvalidStateError(_("Only a draft contract can be deleted; terminate a contract in force."))
        soft_delete(instance=row, actor=actor, expected_version=expected_version)


def contract_facts(contract: Contract) -> dict[str, Any]:
    return {
        "amount": contract.amount,
        "min_discount_rate": contract.min_discount_rate,
        "standard_template": contract.standard_template,
        "department_id": contract.department_id,
    }


def contract_submit(*, actor: User, contract: Contract) -> Contract:
    from guanxi.approvals.services import approval_submit

    with transaction.atomic():
        row = _for_write(actor, contract)
        ensure_unlocked(row)
        if row.status != Contract.Status.DRAFT:
            raise InvalidStateError(_("Only a draft contract can be submitted for approval."))
        customer_for_document(actor, row.customer)  # the customer must (still) exist and be active
        row, _changes = model_update(instance=row, data={"status": Contract.Status.IN_APPROVAL}, actor=actor)
        approval_submit(
            actor=actor,
            document=row,
            kind="contract",
            facts=contract_facts(row),
            title=_("Contract %(number)s · %(customer)s") % {"number": row.number, "customer": row.customer},
            amount=row.amount,
            currency=row.currency,
        )
    return row


def contract_on_decided(*, document: Contract, outcome: str, actor: User | None, comment: str = "") -> None:
    row = Contract.objects.select_for_update(of=("self",)).get(pk=document.pk)
    if row.status != Contract.Status.IN_APPROVAL:
        return
    status = Contract.Status.APPROVED if outcome == "approved" else Contract.Status.DRAFT
    model_update(instance=row, data={"status": status}, actor=actor)
    from guanxi.approvals.selectors import approval_applicant_id

    # the engine tells the applicant; the owner hears it here only when someone else applied
    told = (actor.pk, approval_applicant_id(row)) if actor is not None else ()
    if actor is not None and row.owner_id not in told and outcome in ("approved", "rejected", "returned"):
        notify(
            recipient=row.owner,
            kind="contract_decided",
            title=Message(
                gettext_noop("Contract %(number)s: %(outcome)s"),
                {
                    "number": row.number,
                    "outcome": {
                        "approved": Message(gettext_noop("approved")),
                        "rejected": Message(gettext_noop("rejected")),
                        "returned": Message(gettext_noop("returned for changes")),
                    }[outcome],
                },
            ),  # fmt: skip
            body=comment,
            url=reverse("commerce:contract_detail", args=[row.pk]),
        )


def _win_opportunity(actor: User, contract: Contract) -> None:
    """Signing wins the contract's opportunity (left alone when it is closed already, or the actor may not
    close it: the signing stands, the audit says why)."""
    from guanxi.sales.opportunities.services import opportunity_close

    opp = contract.opportunity
    if opp is None or opp.status != Opportunity.Status.OPEN:
        return
    try:
        with transaction.atomic():
            opportunity_close(
                actor=actor,
                opportunity=opp,
                won=True,
                note=_("Contract %(number)s signed") % {"number": contract.number},
            )
    except ApplicationError as exc:
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=contract,
            message=Message(gettext_noop("The opportunity was not closed: %(error)s"), {"error": exc.message}),
        )


def contract_sign(
    *, actor: User, contract: Contract, signed_on: dt.date | None, expected_version: int | None = None
) -> Contract:
    """An approved contract is signed (signing date required); its opportunity is won."""
    signed_on = clean_date(signed_on, "signed_on")
    assert signed_on is not None
    if signed_on > timezone.localdate() + dt.timedelta(days=1):
        raise field_error("signed_on", _("The signing date cannot be in the future."))
    with transaction.atomic():
        row = _for_write(actor, contract)
        check_version(row, expected_version)
        if row.status != Contract.Status.APPROVED:
            raise InvalidStateError(_("Only an approved contract can be signed."))
        row, _changes = model_update(
            instance=row,
            data={"status": Contract.Status.SIGNED, "signed_on": signed_on},
            actor=actor,
            expected_version=expected_version,
        )
        event_emit("contract.signed", obj=row, actor=actor)
        _win_opportunity(actor, row)
    return row


def contract_start_execution(*, actor: User, contract: Contract) -> Contract:
    with transaction.atomic():
        row = _for_write(actor, contract)
        if row.status == Contract.Status.IN_EXECUTION:
            return row
        if row.status != Contract.Status.SIGNED:
            raise InvalidStateError(_("Only a signed contract can go into execution."))
        row, _changes = model_update(instance=row, data={"status": Contract.Status.IN_EXECUTION}, actor=actor)
    return row


def contract_complete(*, actor: User, contract: Contract) -> Contract:
    with transaction.atomic():
        row = _for_write(actor, contract)
        if row.status not in (Contract.Status.SIGNED, Contract.Status.IN_EXECUTION):
            raise InvalidStateError(_("Only a signed contract in force can be completed."))
        row, _changes = model_update(instance=row, data={"status": Contract.Status.COMPLETED}, actor=actor)
    return row


def contract_terminate(*, actor: User, contract: Contract, reason: str) -> Contract:
    reason = clean_text(reason, "reason", max_length=300, required=True)
    with transaction.atomic():
        row = _for_write(actor, contract)
        ensure_unlocked(row)
        if row.status not in TERMINABLE:
            raise InvalidStateError(_("Only an approved or signed contract can be terminated."))
        row, _changes = model_update(
            instance=row, data={"status": Contract.Status.TERMINATED, "terminated_reason": reason}, actor=actor
        )
    return row


def contract_attach_scan(*, actor: User, contract: Contract, file: UploadedFile) -> Contract:
    """Upload the signed scan (PDF or image, at most 20 MB)."""
    name = (file.name or "").lower()
    if not name.endswith(SCAN_TYPES):
        raise field_error("signed_scan", _("Upload a PDF, JPG or PNG file."))
    if (file.size or 0) > SCAN_MAX_BYTES:
        raise field_error("signed_scan", _("The file is larger than 20 MB."))
    with transaction.atomic():
        row = _for_write(actor, contract)
        if row.status in (Contract.Status.DRAFT, Contract.Status.IN_APPROVAL, Contract.Status.TERMINATED):
            raise InvalidStateError(_("Attach the signed scan once the contract is approved."))
        row.signed_scan.save(file.name or "scan.pdf", file, save=False)
        row.save(update_fields=["signed_scan", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=row,
            changes={"signed_scan": [None, stored_file_name(row.signed_scan.name)]},
        )
    return row
