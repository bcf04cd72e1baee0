"""The real-estate figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): contracts signed
and their amount, subscriptions taken, each in a period, for the sales agent (owner) and their department, over the
reader's projects and re_sales scope; the records behind each are the trades of the sales report's drill-down
(realestate:report_trades, `reached` the step in the period, `agent` the person).

A contract counts as the sales report counts it (reports.py): in force, signed in the period; a trade is counted
once (the list shows trades)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import period_metric, period_records
from guanxi.core.registry import Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from .models import SaleContract, Subscription, Trade
from .selectors import in_project_scope

_BY_AGENT: dict[str, Any] = {"owner": "trade__agent_id", "department": "trade__agent__department_id"}
_GROUPINGS = ("total", "owner")  # the trades list filters by agent, not by department


def _of_reader(user: User, qs: Any) -> Any:
    trades = scope_queryset(user, Trade.objects.all(), "view")
    return in_project_scope(user, qs.filter(trade__in=trades, trade__deleted_at__isnull=True), "trade__project")


def _contracts(user: User) -> Any:
    return _of_reader(user, SaleContract.objects.filter(status=SaleContract.Status.ACTIVE))


def _subscriptions(user: User) -> Any:
    made = Subscription.objects.exclude(status__in=[Subscription.Status.PENDING, Subscription.Status.REJECTED])
    return _of_reader(user, made)


_TRADES = Count("trade_id", distinct=True)
contracts_signed = period_metric(_contracts, within="signed_on", value=_TRADES, **_BY_AGENT)
contract_amount = period_metric(_contracts, within="signed_on", value=Sum("contract_price"), **_BY_AGENT)
subscriptions_taken = period_metric(_subscriptions, within="subscribed_on", value=_TRADES, **_BY_AGENT)
_common: dict[str, Any] = {"dates": ("start", "end"), "owner_as": "agent", "department_as": None}
contracts_records = period_records("realestate:report_trades", reached="contract", **_common)
subscriptions_records = period_records("realestate:report_trades", reached="subscription", **_common)

METRICS = (
    Metric(
        key="re_contract_amount",
        label=_("Real-estate contract amount"),
        unit="money",
        compute=contract_amount,
        records=contracts_records,
        groupings=_GROUPINGS,
        permission="re_sales.view",
        help=_("Contract price of the real-estate sale contracts in force signed in the period, by sales agent."),
        order=95,
    ),
    Metric(
        key="re_contracts_signed",
        label=_("Real-estate contracts signed"),
        unit="count",
        compute=contracts_signed,
        records=contracts_records,
        groupings=_GROUPINGS,
        permission="re_sales.view",
        help=_("Units sold: trades whose sale contract (in force) was signed in the period, by sales agent."),
        order=96,
    ),
    Metric(
        key="re_subscriptions",
        label=_("Real-estate subscriptions"),
        unit="count",
        compute=subscriptions_taken,
        records=subscriptions_records,
        groupings=_GROUPINGS,
        permission="re_sales.view",
        help=_("Trades subscribed (认购) in the period and not rejected, by sales agent."),
        order=97,
    ),
)
