"""Reads of expense claims: the claimant's own and those in the reader's scope, their lines and links."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    QuerySet,
)
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, PermissionDeniedError
from guanxi.core.filters import filter_rows
from guanxi.core.inputs import id_or_none
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, has_permission, scope_children, scope_queryset

from ..filters import ExpenseClaimFilter
from ..models import ExpenseClaim, ExpenseLine
from ._common import Filters, _bad


# --- expense claims -----------------------------------------------------------------------------
def expense_claim_list(*, user: User, filters: Filters = None, action: str = "view") -> QuerySet[ExpenseClaim]:
    qs = scope_queryset(user, ExpenseClaim.objects.all(), action).select_related("claimant", "customer")
    return filter_rows(ExpenseClaimFilter, filters, qs, user).order_by("-created_at", "-id")


def expense_claim_get(*, user: User, pk: Any, action: str = "view") -> ExpenseClaim:
    return get_scoped_or_404(
        user,
        ExpenseClaim.objects.select_related(
            "claimant", "customer", "follow_up", "opportunity", "department"
        ).prefetch_related("lines"),
        pk,
        action,
    )


def expense_line_get(*, user: User, pk: Any) -> ExpenseLine:
    """A line of an expense claim the user may see (its receipt): 403 without expenses.view, 404 otherwise."""
    claims = scope_queryset(user, ExpenseClaim.objects.all(), "view")
    try:
        return ExpenseLine.objects.select_related("claim").get(pk=int(pk), claim__in=claims)
    except (ExpenseLine.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(_("Not found, or you may not see it.")) from None


def expense_link_choices(*, user: User, customer_id: int) -> dict[str, Any]:
    """The follow-ups and opportunities of a customer the user can see (each in its own module's scope; none
    without that module's view permission), for the claim form."""
    from guanxi.customers.models import Customer, FollowUp
    from guanxi.sales.models import Opportunity

    customer = get_scoped_or_404(user, Customer.objects.all(), customer_id, module="customers")
    follow_ups = scope_children(user, FollowUp.objects.all(), via="customer", parent=customer, or_none=True)
    opportunities = scope_children(user, Opportunity.objects.all(), via="customer", parent=customer, or_none=True)
    return {
        "customer": customer,
        "follow_ups": list(follow_ups.order_by("-occurred_at")[:50]),
        "opportunities": list(opportunities.order_by("-created_at")[:50]),
    }


def require_statement_access(user: User) -> None:
    if not (has_permission(user, "payments.view") and has_permission(user, "invoices.view")):
        raise PermissionDeniedError(_("You may not see the receivables statement."))


def expense_links_resolve(
    *, user: User, customer_id: Any = None, follow_up_id: Any = None, opportunity_id: Any = None, partial: bool = False
) -> dict[str, Any]:
    """Ids from a form or request body → the customer, follow-up and opportunity rows the user can see;
    an unknown id is a validation error on its field. With `partial`, absent ids are left out."""
    from guanxi.customers.selectors import customer_get, follow_up_get
    from guanxi.sales.opportunities.selectors import opportunity_get

    out: dict[str, Any] = {}
    for key, raw, getter in (
        ("customer", customer_id, customer_get),
        ("follow_up", follow_up_id, follow_up_get),
        ("opportunity", opportunity_id, opportunity_get),
    ):
        if raw in (None, ""):
            if not partial:
                out[key] = None
            continue
        pk = id_or_none(raw)
        try:
            if pk is None:
                raise NotFoundError("")
            out[key] = getter(user=user, pk=pk)
        except (NotFoundError, PermissionDeniedError):
            raise _bad(f"{key}_id" if partial else key, _("Unknown id, or you may not see it."))
    return out
