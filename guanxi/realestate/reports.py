"""Reports of real-estate sales (报表), all within the reader's projects (data scope by project) and re_sales.view:
sales by project, building, layout or month (units, area, amount, average price per m²) from the signed contracts;
deposit-to-subscription and subscription-to-contract conversion; collections and arrears; the sales-control summary;
the agents' ranking; the visitor funnel (visit → return visit → deposit → subscription → contract). Each figure
links to its records (`trades` below, the visitors and units lists).

Definitions (docs/realestate.md): a sale is a contract in force signed in the period, counted at its contract price
and its unit's built-up area; average price = amount ÷ area, to the cent. Conversion counts the small deposits
(subscriptions) taken in the period and how many of them became a subscription (contract). Arrears: what is due by
the report date and not received, on trades that are not cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from guanxi.core.money import to_cent
from guanxi.org.models import User
from guanxi.org.policies import require_permission, scope_queryset

from .models import Deposit, PaymentDue, Project, SaleContract, Subscription, Trade, Unit, Visitor
from .selectors import in_project_scope

ZERO = Decimal("0")
MONEY_OUT = DecimalField(max_digits=18, decimal_places=2)
GROUPINGS = ("project", "building", "layout", "month")


@dataclass(frozen=True)
class ReportFilter:
    project: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _period(qs: QuerySet[Any], field: str, f: ReportFilter) -> QuerySet[Any]:
    if f.start:
        qs = qs.filter(**{f"{field}__gte": f.start})
    if f.end:
        qs = qs.filter(**{f"{field}__lte": f.end})
    return qs


def _of_project(user: User, qs: QuerySet[Any], path: str, f: ReportFilter) -> QuerySet[Any]:
    qs = in_project_scope(user, qs, path)
    return qs.filter(**{f"{path}_id": f.project}) if f.project else qs


def report_projects(*, user: User) -> QuerySet[Project]:
    require_permission(user, "re_sales.view")
    return in_project_scope(user, Project.objects.order_by("name"), "pk")


def _average(amount: Decimal, area: Decimal) -> Decimal | None:
    return to_cent(amount / area) if area else None


def contracts_in_force(*, user: User, f: ReportFilter) -> QuerySet[SaleContract]:
    require_permission(user, "re_sales.view")
    qs = SaleContract.objects.filter(status=SaleContract.Status.ACTIVE, trade__deleted_at__isnull=True)
    return _period(_of_project(user, qs, "trade__project", f), "signed_on", f)


def sales_by(*, user: User, f: ReportFilter, by: str) -> list[dict[str, Any]]:
    """Rows of {key, label, units, area, amount, average} grouped by project, building, layout or month."""
    qs = contracts_in_force(user=user, f=f)
    keys = {
        "project": ("trade__project_id", "trade__project__name"),
        "building": ("trade__unit__building_id", "trade__unit__building__name"),
        "layout": ("trade__unit__layout_id", "trade__unit__layout__name"),
        "month": ("month", "month"),
    }
    key, label = keys[by if by in keys else "project"]
    if by == "month":
        qs = qs.annotate(month=TruncMonth("signed_on"))
    rows = (
        qs.values(key, label)
        .annotate(units=Count("id"), area=Sum("trade__unit__built_area"), amount=Sum("contract_price"))
        .order_by(label)
    )
    out = []
    for r in rows:
        # SQLite sums decimals as floats: the area to the hundredth of a m², as the units hold it
        area, amount = to_cent(r["area"] or ZERO), r["amount"] or ZERO
        shown = r[label]
        if by == "month" and shown is not None:
            shown = f"{shown:%Y-%m}"
        out.append({"key": r[key], "label": shown, "units": r["units"], "area": area, "amount": amount,
                    "average": _average(amount, area)})  # fmt: skip
    return out


def sales_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    area = sum((r["area"] for r in rows), ZERO)
    amount = sum((r["amount"] for r in rows), ZERO)
    return {"units": sum(r["units"] for r in rows), "area": area, "amount": amount, "average": _average(amount, area)}


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def conversion(*, user: User, f: ReportFilter) -> dict[str, Any]:
    """Small deposits taken in the period and how many became a subscription; subscriptions (not in approval or
    rejected) made in the period and how many became a contract."""
    require_permission(user, "re_sales.view")
    deposits = _period(_of_project(user, Deposit.objects.all(), "trade__project", f), "paid_on", f)
    d_total = deposits.count()
    d_converted = deposits.filter(status=Deposit.Status.CONVERTED).count()
    subs = _period(_of_project(user, Subscription.objects.all(), "trade__project", f), "subscribed_on", f).exclude(
        status__in=[Subscription.Status.PENDING, Subscription.Status.REJECTED]
    )
    s_total = subs.count()
    s_converted = subs.filter(status=Subscription.Status.CONVERTED).count()
    return {
        "deposits": d_total, "deposits_converted": d_converted, "deposit_rate": _rate(d_converted, d_total),
        "subscriptions": s_total, "subscriptions_converted": s_converted,
        "subscription_rate": _rate(s_converted, s_total),
    }  # fmt: skip


def collections(*, user: User, f: ReportFilter, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per project: what the live trades owe in all, what is due by the report date (the period's end or today),
    received, and the arrears (due and not received)."""
    require_permission(user, "re_collections.view")
    as_of = f.end or today or timezone.localdate()
    dues = (
        _of_project(user, PaymentDue.objects.all(), "trade__project", f)
        .filter(trade__deleted_at__isnull=True)
        .exclude(trade__stage=Trade.Stage.CANCELLED)
    )
    owed = F("amount") - F("received")
    rows = (
        dues.values("trade__project_id", "trade__project__name")
        .annotate(
            scheduled=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY_OUT),
            received_total=Coalesce(Sum("received"), Value(ZERO), output_field=MONEY_OUT),
            due=Coalesce(Sum("amount", filter=Q(due_on__lte=as_of)), Value(ZERO), output_field=MONEY_OUT),
            arrears=Coalesce(Sum(owed, filter=Q(due_on__lt=as_of, received__lt=F("amount"))), Value(ZERO),
                             output_field=MONEY_OUT),
            overdue_trades=Count("trade", filter=Q(due_on__lt=as_of, received__lt=F("amount")), distinct=True),
        )
        .order_by("trade__project__name")
    )  # fmt: skip
    return [{"project_id": r["trade__project_id"], "project": r["trade__project__name"], "scheduled": r["scheduled"],
             "received": r["received_total"], "due": r["due"], "arrears": r["arrears"],
             "overdue_trades": r["overdue_trades"], "as_of": as_of} for r in rows]  # fmt: skip


def sales_control_summary(*, user: User, f: ReportFilter) -> list[dict[str, Any]]:
    """Per building: units by status, and the list value of the available ones."""
    require_permission(user, "re_properties.view")
    units = _of_project(user, Unit.objects.all(), "building__project", f)
    counts = {s: Count("id", filter=Q(status=s)) for s in Unit.Status.values}
    rows = (
        units.values("building_id", "building__name", "building__project__name")
        .annotate(total=Count("id"), available_value=Sum("total_price", filter=Q(status=Unit.Status.AVAILABLE)),
                  **counts)
        .order_by("building__project__name", "building__name")
    )  # fmt: skip
    return [{**r, "statuses": [(s, r[s]) for s in Unit.Status.values], "counts": {s: r[s] for s in Unit.Status.values}}
            for r in rows]  # fmt: skip


def agent_ranking(*, user: User, f: ReportFilter) -> list[dict[str, Any]]:
    """Per agent: first-time visitors received, small deposits, subscriptions and contracts in the period, and the
    contract amount; the largest amount first."""
    require_permission(user, "re_sales.view")
    board: dict[int, dict[str, Any]] = {}

    def row(agent_id: int, name: str) -> dict[str, Any]:
        return board.setdefault(agent_id, {"agent_id": agent_id, "agent": name, "visitors": 0, "deposits": 0,
                                           "subscriptions": 0, "contracts": 0, "amount": ZERO})  # fmt: skip

    visitors = _period(_of_project(user, Visitor.objects.all(), "project", f), "first_visit_at__date", f)
    for r in visitors.values("agent_id", "agent__username").annotate(n=Count("id")):
        row(r["agent_id"], r["agent__username"])["visitors"] = r["n"]
    for model, field, key in ((Deposit, "paid_on", "deposits"), (Subscription, "subscribed_on", "subscriptions")):
        qs = _period(_of_project(user, model.objects.all(), "trade__project", f), field, f)
        for r in qs.values("trade__agent_id", "trade__agent__username").annotate(n=Count("id")):
            row(r["trade__agent_id"], r["trade__agent__username"])[key] = r["n"]
    contracts = contracts_in_force(user=user, f=f)
    for r in contracts.values("trade__agent_id", "trade__agent__username").annotate(
        n=Count("id"), amount=Sum("contract_price")
    ):
        entry = row(r["trade__agent_id"], r["trade__agent__username"])
        entry["contracts"], entry["amount"] = r["n"], r["amount"] or ZERO
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=board)}
    for entry in board.values():
        entry["agent"] = names.get(entry["agent_id"], entry["agent"])
    return sorted(board.values(), key=lambda e: (-e["amount"], -e["contracts"], -e["visitors"], e["agent"]))


def funnel(*, user: User, f: ReportFilter) -> list[dict[str, Any]]:
    """The visitors who first came in the period (within the reader's re_visitors scope), and how many of them came
    back, left a small deposit, subscribed and signed (for this project)."""
    require_permission(user, "re_visitors.view")
    visitors = _period(
        _of_project(user, scope_queryset(user, Visitor.objects.all(), "view"), "project", f), "first_visit_at__date", f
    )
    trades = Trade.objects.filter(project=OuterRef("project"), customer=OuterRef("customer"), deleted_at__isnull=True)
    visitors = visitors.annotate(
        deposited=Exists(trades.filter(deposits__isnull=False)),
        subscribed=Exists(trades.filter(subscriptions__status__in=[Subscription.Status.ACTIVE,
                                                                   Subscription.Status.CONVERTED])),
        signed=Exists(trades.filter(contracts__status=SaleContract.Status.ACTIVE)),
    )  # fmt: skip
    total = visitors.count()
    steps = [
        ("visit", total),
        ("return", visitors.filter(visit_count__gt=1).count()),
        ("deposit", visitors.filter(deposited=True).count()),
        ("subscription", visitors.filter(subscribed=True).count()),
        ("contract", visitors.filter(signed=True).count()),
    ]
    return [{"step": s, "count": n, "rate": _rate(n, total)} for s, n in steps]


def trades(*, user: User, f: ReportFilter, reached: str = "", building: int | None = None,
           layout: int | None = None, agent: int | list[int] | None = None, overdue: bool = False,
           month: str = "") -> QuerySet[Trade]:  # fmt: skip
    """The records behind a figure (drill-down): the trades of the reader's projects within their re_sales scope
    that reached a step in the period (`reached`: deposit, subscription, contract), or have overdue dues."""
    require_permission(user, "re_sales.view")
    qs = _of_project(user, scope_queryset(user, Trade.objects.all(), "view"), "project", f)
    qs = qs.select_related("unit__building", "unit__layout", "customer", "agent", "project")
    if reached == "deposit":
        qs = qs.filter(pk__in=_period(Deposit.objects.all(), "paid_on", f).values("trade_id"))
    elif reached == "subscription":
        made = Subscription.objects.exclude(status__in=[Subscription.Status.PENDING, Subscription.Status.REJECTED])
        qs = qs.filter(pk__in=_period(made, "subscribed_on", f).values("trade_id"))
    elif reached == "contract" or month:
        signed = _period(SaleContract.objects.filter(status=SaleContract.Status.ACTIVE), "signed_on", f)
        if month:
            year, _sep, mon = month.partition("-")
            if year.isdigit() and mon.isdigit():
                signed = signed.filter(signed_on__year=int(year), signed_on__month=int(mon))
        qs = qs.filter(pk__in=signed.values("trade_id"))
    if overdue:
        as_of = f.end or timezone.localdate()
        late = PaymentDue.objects.filter(due_on__lt=as_of, received__lt=F("amount")).values("trade_id")
        qs = qs.filter(pk__in=late).exclude(stage=Trade.Stage.CANCELLED)
    if building:
        qs = qs.filter(unit__building_id=building)
    if layout:
        qs = qs.filter(unit__layout_id=layout)
    if agent:  # one agent, or several (the people of a team's figure in analytics)
        qs = qs.filter(agent_id__in=agent if isinstance(agent, list) else [agent])
    return qs.order_by("unit__building__name", "unit__number", "id")
