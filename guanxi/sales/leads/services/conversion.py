"""Lead conversion (线索转化): a lead becomes a customer, a contact from its person fields and, optionally, an
opportunity — all or nothing, in named steps. The lead stays, linked to what it became, with its whole history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.inputs import pick
from guanxi.core.models import AuditLog
from guanxi.core.money import AMOUNT_MAX, to_cent
from guanxi.core.services import audit_record, check_version
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.services import opportunity_create

from .. import selectors
from ..models import Lead
from ._common import CONVERTIBLE
from .lifecycle import _set_status


@dataclass
class Conversion:
    lead: Lead
    customer: Customer
    contact: Contact | None
    opportunity: Opportunity | None


CONVERT_CUSTOMER_FIELDS = {"name", "kind", "credit_code"}


def lead_convert(
    *,
    actor: User,
    lead: Lead,
    customer: dict[str, Any] | None = None,
    create_opportunity: bool = False,
    opportunity: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Conversion:
    """Turn a lead into a customer (the duplicate check runs in customer_create), a contact from the
    person fields and, optionally, an opportunity — all or nothing. The lead stays, linked to what it
    became, with its whole history.

    `customer` may override the customer's name, kind and credit code; `opportunity` takes name, amount
    (CNY) and expected_close_date. The customer goes to the lead's owner (or the actor if it has none).
    """
    overrides = pick(customer or {}, CONVERT_CUSTOMER_FIELDS)
    with transaction.atomic():
        lead = _lead_to_convert(actor=actor, lead=lead, expected_version=expected_version)
        # Looked up through the module so the duplicate check added there applies here too.
        new_customer = customer_services.customer_create(
            actor=actor, data=_customer_values(lead, overrides), owner=lead.owner or actor
        )
        contact = _contact_from_lead(actor=actor, lead=lead, customer=new_customer)
        opp = None
        if create_opportunity:
            opp = _opportunity_from_lead(
                actor=actor, lead=lead, customer=new_customer, contact=contact, data=opportunity or {}
            )
        lead = _mark_converted(
            actor=actor, lead=lead, customer=new_customer, contact=contact, opp=opp, expected_version=expected_version
        )
        _record_origin(actor=actor, lead=lead, customer=new_customer)
    return Conversion(lead=lead, customer=new_customer, contact=contact, opportunity=opp)


def _lead_to_convert(*, actor: User, lead: Lead, expected_version: int | None) -> Lead:
    """The lead, locked, still the version the actor saw, in a state that may be converted."""
    lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
    check_version(lead, expected_version)
    if lead.status not in CONVERTIBLE:
        raise InvalidStateError(_("Only a valid, assigned or followed-up lead can be converted."))
    return lead


def _customer_values(lead: Lead, overrides: dict[str, Any]) -> dict[str, Any]:
    """The new customer's fields: the lead's company facts, then whatever the actor overrode."""
    values: dict[str, Any] = {
        "kind": Customer.Kind.COMPANY if lead.company_name else Customer.Kind.INDIVIDUAL,
        "name": lead.company_name or lead.person_name,
        "industry": lead.industry,
        "province": lead.province,
        "city": lead.city,
        "size": lead.size,
        "source": lead.source,
        "phone": lead.phone or lead.mobile,
        "email": lead.email,
        "remarks": lead.need,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return values


def _contact_from_lead(*, actor: User, lead: Lead, customer: Customer) -> Contact | None:
    """The lead's person as the customer's primary contact (none for a lead without a person)."""
    if not lead.person_name:
        return None
    return customer_services.contact_create(
        actor=actor,
        customer=customer,
        data={
            "name": lead.person_name,
            "title": lead.title,
            "mobile": lead.mobile,
            "phone": lead.phone,
            "email": lead.email,
            "wechat": lead.wechat,
            "is_primary": True,
        },
    )


def _opportunity_values(customer: Customer, data: dict[str, Any]) -> dict[str, Any]:
    data = pick(data, {"name", "amount", "expected_close_date"})
    name = " ".join(str(data.get("name") or "").split()) or customer.name
    raw_amount = data.get("amount")
    try:
        amount = Decimal(str(raw_amount)) if raw_amount not in (None, "") else Decimal("0")
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter a number."), fields={"amount": [_("Enter a number.")]})
    if not amount.is_finite() or amount < 0 or amount >= AMOUNT_MAX:
        msg = _("Enter an amount between 0 and 999,999,999,999.99.")
        raise ValidationFailed(msg, fields={"amount": [msg]})
    close = data.get("expected_close_date")
    if close is not None and not isinstance(close, dt.date):
        raise ValidationFailed(
            _("Enter a valid date (YYYY-MM-DD)."), fields={"expected_close_date": [_("Enter a valid date.")]}
        )
    return {
        "name": name[:200],
        "amount": to_cent(amount),
        "expected_close_date": close,
    }


def _opportunity_from_lead(
    *, actor: User, lead: Lead, customer: Customer, contact: Contact | None, data: dict[str, Any]
) -> Opportunity:
    """The deal the lead brought, through the opportunity service (default pipeline, first open stage, first
    stage-history row), owned by the new customer's owner."""
    values = _opportunity_values(customer, data)
    return opportunity_create(
        actor=actor, customer=customer, data={**values, "contact": contact}, owner=customer.owner, source_lead=lead
    )


def _mark_converted(
    *,
    actor: User,
    lead: Lead,
    customer: Customer,
    contact: Contact | None,
    opp: Opportunity | None,
    expected_version: int | None,
) -> Lead:
    return _set_status(
        lead=lead,
        actor=actor,
        data={
            "status": Lead.Status.CONVERTED,
            "converted_at": timezone.now(),
            "converted_by": actor,
            "converted_customer": customer,
            "converted_contact": contact,
            "converted_opportunity": opp,
        },
        message=_("Converted into customer %(customer)s") % {"customer": customer},
        expected_version=expected_version,
    )


def _record_origin(*, actor: User, lead: Lead, customer: Customer) -> None:
    """On the customer's timeline: where it came from."""
    audit_record(
        actor=actor,
        action=AuditLog.Action.OTHER,
        obj=customer,
        changes={"lead": [None, lead.pk]},
        message=Message(gettext_noop("Created from lead “%(lead)s”"), {"lead": lead}),
    )
