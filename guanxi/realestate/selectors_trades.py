"""Reads of the transaction chain and its collections: trades within the reader's data scope (module re_sales,
narrowed on the agent) and of the projects they work on (selectors.in_project_scope); their documents, dues and
receipts; the lists' querysets."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, require_permission, scope_queryset

from .models import Deposit, PaymentDue, Receipt, SaleContract, Subscription, Trade
from .selectors import in_project_scope


def trade_list(*, user: User, action: str = "view") -> QuerySet[Trade]:
    require_permission(user, f"re_sales.{action}")
    qs = Trade.objects.select_related("unit__building", "project", "customer", "agent", "scheme")
    return in_project_scope(user, scope_queryset(user, qs, action))


def trade_get(*, user: User, pk: Any, action: str = "view") -> Trade:
    require_permission(user, f"re_sales.{action}")
    qs = Trade.objects.select_related("unit__building__project", "customer", "agent", "scheme")
    return get_scoped_or_404(user, in_project_scope(user, qs), pk, action)


def _of_trades(user: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(trade__in=trade_list(user=user).values("pk"))


def deposit_list(*, user: User) -> QuerySet[Deposit]:
    return _of_trades(user, Deposit.objects.select_related("trade__unit__building", "trade__customer", "trade__agent"))


def subscription_list(*, user: User) -> QuerySet[Subscription]:
    return _of_trades(
        user, Subscription.objects.select_related("trade__unit__building", "trade__customer", "trade__agent", "scheme")
    )


def contract_list(*, user: User) -> QuerySet[SaleContract]:
    return _of_trades(
        user, SaleContract.objects.select_related("trade__unit__building", "trade__customer", "trade__agent", "scheme")
    )


def receipt_list(*, user: User) -> QuerySet[Receipt]:
    """Receipts of the trades the reader sees, for who holds re_collections.view."""
    require_permission(user, "re_collections.view")
    return _of_trades(user, Receipt.objects.select_related("trade__unit__building", "trade__customer", "created_by"))


def trade_dues(trade: Trade) -> QuerySet[PaymentDue]:
    return PaymentDue.objects.filter(trade=trade).order_by("position", "id")


def unit_live_trade(unit_id: int) -> Trade | None:
    """The unit's live or selected trades, newest first (its page shows them)."""
    return (
        Trade.objects.filter(unit_id=unit_id, stage__in=[*Trade.LIVE])
        .select_related("customer", "agent")
        .order_by("-id")
        .first()
    )
