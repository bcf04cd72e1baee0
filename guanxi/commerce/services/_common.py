"""What the commerce services share: input checks, the customer rule, approval and numbering glue."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.numbering import register_default_pattern
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from ..models import CommercePolicy

register_default_pattern("quote", "BJ{yyyy}{mm}{dd}-{seq:04}")
register_default_pattern("contract", "HT-{yyyy}-{seq:05}")
register_default_pattern("execution_order", "ZX-{yyyy}{mm}-{seq:04}")
register_default_pattern("implementation_order", "SS-{yyyy}{mm}-{seq:04}")

QUANTITY_MAX = Decimal("1e9")


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def pick(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    return dict(data)


def decimal_in(value: Any, field: str, *, low: Decimal, high: Decimal, places: str = "0.01") -> Decimal:
    """A Decimal within [low, high] (never a float), rounded half-up to `places`, or a field error."""
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise fail(field, _("Enter a number."))
    number = number.quantize(Decimal(places), rounding=ROUND_HALF_UP)
    if number < low or number > high:
        raise fail(field, _("Enter a value between %(low)s and %(high)s.") % {"low": low, "high": high})
    return number


def text(value: Any, field: str, *, max_length: int, required: bool = False, multiline: bool = False) -> str:
    value = str(value or "").strip() if multiline else " ".join(str(value or "").split())
    if required and not value:
        raise fail(field, _("This field is required."))
    if len(value) > max_length:
        raise fail(field, _("Ensure this value has at most %(max)s characters.") % {"max": max_length})
    return value


def date_in(value: Any, field: str, *, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise fail(field, _("This field is required."))
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise fail(field, _("Enter a valid date."))
    return value


def customer_for_document(actor: User, customer: Customer | None, *, field: str = "customer") -> Customer:
    """The customer of a quote or contract: it must exist in the system, be active (not in the public pool,
    not waiting for review) and be visible to the actor."""
    if customer is None or not customer.pk:
        raise fail(field, _("Choose a customer that exists in the system."))
    try:
        found = scope_queryset(actor, Customer.objects.all(), "view", module="customers").get(pk=customer.pk)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise fail(field, _("This customer is not in the system, or you may not see it."))
    if found.owner_id is None or found.pool_entered_at is not None:
        raise fail(field, _("“%(name)s” is in the public pool: claim it before quoting.") % {"name": found.name})
    if found.review_status != Customer.Review.ACTIVE:
        raise fail(
            field,
            _("“%(name)s” is not active yet (review: %(review)s).")
            % {"name": found.name, "review": found.get_review_status_display()},
        )
    return found


def policy() -> CommercePolicy:
    return CommercePolicy.objects.order_by("pk").first() or CommercePolicy.objects.create()


def ensure_unlocked(document: Any) -> None:
    """A document with an open approval request may not change (the approval engine's lock)."""
    if is_locked(document):
        raise InvalidStateError(_("This document is in approval and locked: withdraw the request to change it."))


def is_locked(document: Any) -> bool:
    try:
        from guanxi.approvals.selectors import approval_is_locked
    except ImportError:  # the approval engine is not installed
        return False
    return bool(approval_is_locked(document))


def not_found() -> NotFoundError:
    return NotFoundError(_("Not found, or you may not see it."))
