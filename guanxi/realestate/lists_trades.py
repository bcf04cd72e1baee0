"""The lists of the transaction chain for the shared list toolkit: trades (tabs for small deposits, subscriptions,
contracts, paid up and cancelled: the deposit, subscription and contract lists of the manual) and receipts (收据,
refunds included), each within the reader's data scope and projects."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.commerce.lists import choices_of
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import Choice, Column, EmptyState, Field, ListDefinition, Scene

from . import selectors_trades
from .feature import enabled
from .models import Project, Receipt, Trade

CELLS = "realestate/cells/"
NUMBER, UNIT = pgettext_lazy("document", "Number"), pgettext_lazy("real estate", "Unit")
Stage = Trade.Stage


def _projects(user: Any) -> list[Choice]:
    return [Choice(str(p.pk), p.name) for p in Project.objects.order_by("name")]


class _Switched(ListDefinition):
    def may_read(self, user: Any) -> bool:
        return enabled() and super().may_read(user)

    def may_export(self, user: Any) -> bool:
        return enabled() and super().may_export(user)


@register
class TradeList(_Switched):
    key = "re_trades"
    title = _("Real-estate trades")
    model = Trade
    permission = "re_sales.view"
    url_name = "realestate:trade_list"
    search_placeholder = _("Trade number, unit or buyer")
    export_permission = "re_sales.export"
    default_sort = "-created"
    empty = EmptyState(
        _("No trades yet."), _("A sale starts on a unit's page: confirm the buyer's selection."), icon="home-dollar"
    )
    no_action_text = _("Trades appear here once an agent confirms a unit selection.")

    columns = (
        Column("number", NUMBER, sort=("number",), fixed=True),
        Column("unit", UNIT, value=lambda t: f"{t.unit.building} {t.unit.code}", sort=("unit__building__name",
               "unit__number"), phone_inline=True),
        Column("customer", _("Buyer"), value=lambda t: str(t.customer), sort=("customer__name",), phone_inline=True),
        Column("agent", _("Sales agent"), value=lambda t: str(t.agent), sort=("agent__username",)),
        Column("stage", _("Stage"), value=lambda t: t.get_stage_display(), sort=("stage",), phone_inline=True),
        Column("agreed_price", _("Agreed price"), template=CELLS + "money.html", sort=("agreed_price",)),
        Column("created", _("Created"), value=lambda t: t.created_at.date().isoformat(), sort=("created_at",)),
    )  # fmt: skip
    fields = (
        Field("project", _("Project"), "project_id", "choice", choices=_projects, quick=True),
        Field("stage", _("Stage"), "stage", "choice", choices=choices_of(Stage.choices), quick=True),
        Field("agreed_price", _("Agreed price"), "agreed_price", "number"),
    )
    scenes = (
        Scene("all", _("All"), lambda qs, user: qs),
        Scene("deposits", _("Small deposits"), lambda qs, user: qs.filter(stage=Stage.DEPOSIT)),
        Scene("subscriptions", _("Subscriptions"), lambda qs, user: qs.filter(stage=Stage.SUBSCRIBED)),
        Scene("contracts", _("Contracts"), lambda qs, user: qs.filter(stage__in=[Stage.SIGNED, Stage.PAID_UP])),
        Scene("cancelled", _("Cancelled trades"), lambda qs, user: qs.filter(stage=Stage.CANCELLED)),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors_trades.trade_list(user=user)

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors_trades.trade_list(user=user, action="export")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        text = text.strip()
        return qs.filter(
            Q(number__icontains=text) | Q(unit__number__icontains=text) | Q(customer__name__icontains=text)
        )

    def row_url(self, row: Any) -> str:
        return reverse("realestate:trade_detail", args=[row.pk])


@register
class ReceiptList(_Switched):
    key = "re_receipts"
    title = _("Real-estate receipts")
    model = Receipt
    permission = "re_collections.view"
    url_name = "realestate:receipt_list"
    search_placeholder = _("Receipt number, trade or payer")
    export_permission = "re_collections.export"
    default_sort = "-date"
    empty = EmptyState(_("No receipts yet."), _("Receipts are recorded on a trade's page."), icon="receipt")
    no_action_text = _("Receipts appear here once money is received for a trade.")

    columns = (
        Column("number", NUMBER, sort=("number",), fixed=True),
        Column("date", _("Date"), value=lambda r: r.received_on.isoformat(), sort=("received_on", "id"),
               phone_inline=True),
        Column("trade", _("Trade"), value=lambda r: r.trade.number, sort=("trade__number",)),
        Column("unit", UNIT, value=lambda r: f"{r.trade.unit.building} {r.trade.unit.code}"),
        Column("payer", _("Payer"), value=lambda r: r.payer or str(r.trade.customer), sort=("payer",)),
        Column("kind", _("Kind"), value=lambda r: r.get_kind_display(), sort=("kind",), phone_inline=True),
        Column("amount", _("Amount"), value=lambda r: r.signed_amount, template=CELLS + "money.html",
               sort=("amount",), phone_inline=True),
        Column("method", _("Payment method"), value=lambda r: r.get_method_display(), sort=("method",)),
    )  # fmt: skip
    fields = (
        Field("kind", _("Kind"), "kind", "choice", choices=choices_of(Receipt.Kind.choices), quick=True),
        Field("received_on", _("Date"), "received_on", "date", quick=True),
    )
    scenes = (
        Scene("all", _("All"), lambda qs, user: qs),
        Scene("refunds", _("Refunds"), lambda qs, user: qs.filter(kind=Receipt.Kind.REFUND)),
        Scene("advance", _("Advance receipts"), lambda qs, user: qs.filter(kind=Receipt.Kind.ADVANCE)),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors_trades.receipt_list(user=user).select_related("trade__unit__building__project")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        text = text.strip()
        return qs.filter(Q(number__icontains=text) | Q(trade__number__icontains=text) | Q(payer__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("realestate:trade_detail", args=[row.trade_id])
