"""What the commerce services share: the customer rule, approval and numbering glue (input checks: core.inputs)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError, NotFoundError
from guanxi.core.inputs import field_error
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


def customer_for_document(actor: User, customer: Customer | None, *, field: str = "customer") -> Customer:
    """The customer of a quote or contract: it must exist in the system, be active (not in the public pool,
    not waiting for review) and be visible to the actor."""
    if customer is None or not customer.pk:
        raise field_error(field, _("Choose a customer that exists in the system."))
    try:
        found = scope_queryset(actor, Customer.objects.all(), "view", module="customers").get(pk=customer.pk)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise field_error(field, _("This customer is not in the system, or you may not see it."))
    if found.owner_id is None or found.pool_entered_at is not None:
        raise field_error(field, _("“%(name)s” is in the public pool: claim it before quoting.") % {"name": found.name})
    if found.review_status != Customer.Review.ACTIVE:
        raise field_error(
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
