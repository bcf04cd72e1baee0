"""Billing's list pages declared for the shared list toolkit (org.lists): receivables (one row per contract with
its money), invoices, payments received, expense claims. Each reads its rows through its selector and FilterSet
(the ones its API uses); scenes mean data scope (the contract owner's, or the claimant's) and what finance works
through (overdue money, claims waiting to be paid). Money is right-aligned in ¥; a phone card shows one amount."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.commerce.lists import (
    ScopedList,
    bulk,
    choices_of,
    customer_column,
    date_column,
    has_subordinates,
    money_column,
    people,
    scope_scenes,
    status_scene,
)
from guanxi.commerce.models import Contract
from guanxi.org.lists.choices import dictionary_choices
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import BulkAction, Choice, Column, EmptyState, Field, Scene
from guanxi.org.policies import subordinate_ids

from . import selectors, services
from .models import ExpenseClaim, Invoice, Payment

CELLS = "billing/cells/"


def departments(user: Any) -> list[Choice]:
    from guanxi.customers.selectors import department_choices

    return [Choice(str(d.pk), d.name) for d in department_choices()]


def money_url(contract_id: int, anchor: str = "") -> str:
    return reverse("billing:contract_money", args=[contract_id]) + (f"#{anchor}" if anchor else "")


# --- receivables -------------------------------------------------------------------------------------------
def _open(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(balance_due__gt=0)


@register
class ReceivableList(ScopedList):
    """Approved and signed contracts with their money; open ones (balance due) unless the reader asks for all."""

    key = "receivables"
    title = _("Receivables")
    model = Contract
    permission = "payments.view"
    url_name = "billing:receivables"
    template = "billing/lists/receivables.html"
    search_placeholder = _("Contract number, title or customer")
    export_permission = "payments.export"
    default_sort = "-balance_due"
    star = False
    param_labels = {"customer": _("Customer"), "overdue": _("Overdue only"), "all": _("Include settled")}
    empty = EmptyState(
        _("Nothing is due."),
        _("No approved or signed contract in your reach has money outstanding with these filters."),
        icon="cash-off",
    )

    columns = (
        Column("number", _("Contract"), template=CELLS + "receivable.html", sort=("number",), fixed=True),
        customer_column(),
        Column("owner", _("Owner"), value=lambda c: str(c.owner), sort=("owner__name",), phone=False),
        money_column("amount", _("Contract amount")),
        money_column("invoiced", _("Invoiced")),
        money_column("collected", _("Collected")),
        money_column("balance_due", _("Balance due"), phone=True),
        Column("overdue", _("Overdue"), template=CELLS + "overdue.html", sort=("overdue",), numeric=True, phone=False),
        Column(
            "department",
            _("Department"),
            value=lambda c: str(c.owner.department or ""),
            sort=("owner__department__name",),
            default=False,
            phone=False,
        ),  # fmt: skip
    )
    fields = (
        Field("owner", _("Owner"), "owner_id", "user", choices=people, quick=True),
        Field("department", _("Department"), "owner__department_id", "choice", choices=departments, quick=True),
        Field("balance_due", _("Balance due"), "balance_due", "money", quick=True),
        Field("overdue_amount", _("Overdue"), "overdue", "money"),
        Field("amount", _("Contract amount"), "amount", "money"),
        Field("signed_on", _("Signing date"), "signed_on", "date"),
    )
    scenes = (
        Scene("open", _("Balance due"), lambda qs, user: _open(qs)),
        Scene("overdue", _("Overdue"), lambda qs, user: qs.filter(overdue__gt=0)),
        Scene("mine", _("Mine"), lambda qs, user: _open(qs).filter(owner_id=user.pk)),
        Scene(
            "subordinates",
            _("My subordinates'"),
            lambda qs, user: _open(qs).filter(owner_id__in=subordinate_ids(user)),
            visible=has_subordinates,
        ),
        Scene("all", _("All, settled too"), lambda qs, user: qs),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        # Open or settled is the scene's choice, not the FilterSet's default (which the API keeps).
        mine = params.copy()
        mine["all"] = "true"
        return selectors.receivable_contracts(user=user, filters=mine, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return money_url(row.pk)

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        """The totals of the rows this view shows (one aggregate query) and the other groupings."""
        from guanxi.org.lists import engine

        totals = selectors.Totals()
        for row in engine.resolve(self, user=user, query=params).qs.order_by().iterator():
            totals.add(row)
        groups = [(k, label) for k, label in selectors.GROUP_LABELS.items() if k != "contract"]
        return {"totals": totals, "groups": groups}


# --- invoices ----------------------------------------------------------------------------------------------
@register
class InvoiceList(ScopedList):
    key = "invoices"
    title = _("Invoices")
    model = Invoice
    permission = "invoices.view"
    url_name = "billing:invoice_list"
    template = "billing/lists/page.html"
    search_placeholder = _("Invoice number, buyer or contract number")
    export_permission = "invoices.export"
    default_sort = "-issued_on"
    star = False
    param_labels = {"customer": _("Customer"), "contract": _("Contract")}
    empty = EmptyState(
        _("No invoices yet."), _("Finance issues invoices on a contract's money page."), icon="receipt-off"
    )
    no_action_text = _("Invoices of the contracts in your reach show here once finance issues them.")

    columns = (
        Column("number", _("Invoice number"), template=CELLS + "invoice.html", sort=("number",), fixed=True),
        date_column("issued_on", _("Invoice date"), phone=True),
        Column("kind", _("Invoice type"), value=lambda i: i.get_kind_display(), sort=("kind",), phone=False),
        Column(
            "buyer", _("Buyer"), value=lambda i: i.buyer_title, template=CELLS + "buyer.html", sort=("buyer_title",)
        ),  # fmt: skip
        Column(
            "contract",
            _("Contract"),
            value=lambda i: i.contract.number,
            template=CELLS + "contract.html",
            sort=("contract__number",),
            phone=False,
        ),  # fmt: skip
        money_column("amount", _("Amount incl. tax"), phone=True),
        money_column("tax_amount", _("Tax")),
        Column(
            "status",
            _("Status"),
            value=lambda i: i.get_status_display(),
            template=CELLS + "invoice_status.html",
            sort=("status",),
        ),  # fmt: skip
    )
    fields = (
        Field("status", _("Status"), "status", "choice", choices=choices_of(Invoice.Status.choices), quick=True),
        Field("issued_on", _("Invoice date"), "issued_on", "date", quick=True),
        Field("amount", _("Amount incl. tax"), "amount", "money", quick=True),
        Field("kind", _("Invoice type"), "kind", "choice", choices=choices_of(Invoice.Kind.choices)),
        Field("owner", _("Contract owner"), "contract__owner_id", "user", choices=people),
    )
    scenes = (
        *scope_scenes("contract__owner", mine=_("My contracts'")),
        status_scene("issued", _("Issued"), Invoice.Status.ISSUED),
        status_scene("void", _("Void"), Invoice.Status.VOID),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.invoice_list(user=user, filters=params, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(
            Q(number__icontains=text) | Q(buyer_title__icontains=text) | Q(contract__number__icontains=text)
        )

    def row_url(self, row: Any) -> str:
        return money_url(row.contract_id, "invoices")


# --- payments received -------------------------------------------------------------------------------------
@register
class PaymentList(ScopedList):
    key = "payments"
    title = _("Payments received")
    model = Payment
    permission = "payments.view"
    url_name = "billing:payment_list"
    template = "billing/lists/page.html"
    search_placeholder = _("Contract number or customer")
    export_permission = "payments.export"
    default_sort = "-received_on"
    star = False
    param_labels = {"customer": _("Customer"), "contract": _("Contract"), "date_from": _("Received from"),
                    "date_to": _("Received to")}  # fmt: skip
    empty = EmptyState(_("No payments yet."), _("Finance records payments on a contract's money page."), icon="coins")
    no_action_text = _("Payments on the contracts in your reach show here once finance records them.")

    columns = (
        Column(
            "contract",
            _("Contract"),
            value=lambda p: p.contract.number,
            template=CELLS + "payment.html",
            sort=("contract__number",),
            fixed=True,
        ),  # fmt: skip
        date_column("received_on", _("Date received"), phone=True),
        Column(
            "customer",
            _("Customer"),
            value=lambda p: p.contract.customer.name,
            template=CELLS + "payment_customer.html",
            sort=("contract__customer__name_sort",),
        ),  # fmt: skip
        money_column("amount", _("Amount"), phone=True),
        Column(
            "method",
            _("Payment method"),
            value=lambda p: p.get_method_display(),
            template=CELLS + "payment_method.html",
            sort=("method",),
            phone=False,
        ),  # fmt: skip
        Column(
            "handler", _("Handled by"), value=lambda p: str(p.handler or ""), sort=("handler__name",), phone=False
        ),  # fmt: skip
        Column(
            "allocations",
            _("Allocated to"),
            template=CELLS + "allocations.html",
            phone=False,
            value=lambda p: "; ".join(f"#{a.instalment.sequence}: {a.amount}" for a in p.allocations.all()),
        ),  # fmt: skip
    )
    fields = (
        Field("received_on", _("Date received"), "received_on", "date", quick=True),
        Field("amount", _("Amount"), "amount", "money", quick=True),
        Field(
            "method", _("Payment method"), "method", "choice", choices=dictionary_choices("payment_method"), quick=True
        ),  # fmt: skip
        Field("handler", _("Handled by"), "handler_id", "user", choices=people),
        Field("owner", _("Contract owner"), "contract__owner_id", "user", choices=people),
        Field("department", _("Department"), "contract__department_id", "ref", choices=departments),
    )
    scenes = (
        *scope_scenes("contract__owner", mine=_("My contracts'")),
        Scene("handled", _("Handled by me"), lambda qs, user: qs.filter(handler_id=user.pk)),
        Scene("reversals", _("Reversals"), lambda qs, user: qs.filter(reversal_of__isnull=False)),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.payment_list(user=user, filters=params, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(contract__number__icontains=text) | Q(contract__customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return money_url(row.contract_id, "payments")


# --- expense claims ----------------------------------------------------------------------------------------
def _claims_delete(actor: Any, ids: Any, data: QueryDict) -> tuple[int, int]:
    return services.expense_claims_delete(actor=actor, ids=ids)


@register
class ExpenseClaimList(ScopedList):
    key = "expense_claims"
    title = _("Expense claims")
    model = ExpenseClaim
    permission = "expenses.view"
    url_name = "billing:expense_list"
    template = "billing/lists/expenses.html"
    search_placeholder = _("Title or customer")
    export_permission = "expenses.export"
    create_url_name = "billing:expense_create"
    create_permission = "expenses.create"
    create_label = _("New expense claim")
    default_sort = "-created"
    param_labels = {"mine": _("Mine only")}
    empty = EmptyState(
        _("No expense claims."),
        _("A claim names the customer and the follow-up or opportunity the money was spent on."),
        icon="receipt-off",
    )
    no_action_text = _("Claims of the people in your reach show here once they submit them.")

    columns = (
        Column("title", _("Title"), template=CELLS + "claim.html", sort=("title",), fixed=True),
        customer_column(link=False),  # a manager or finance reading a claim need not see its customer's page
        Column("claimant", _("Claimant"), value=lambda c: str(c.claimant), sort=("claimant__name",)),
        money_column("amount", _("Amount"), phone=True),
        Column(
            "status",
            _("Status"),
            value=lambda c: c.get_status_display(),
            template=CELLS + "claim_status.html",
            sort=("status",),
        ),  # fmt: skip
        date_column("created", _("Created"), path="created_at", value=lambda c: c.created_at),
        date_column("paid", _("Paid at"), path="paid_at", value=lambda c: c.paid_at, default=False),
    )
    fields = (
        Field(
            "status", _("Status"), "status", "choice", choices=choices_of(ExpenseClaim.Status.choices), quick=True
        ),  # fmt: skip
        Field("claimant", _("Claimant"), "claimant_id", "user", choices=people, quick=True),
        Field("amount", _("Amount"), "amount", "money", quick=True),
        Field("created", _("Created"), "created_at", "datetime"),
    )
    scenes = (
        *scope_scenes("claimant", mine=_("My claims")),
        status_scene("in_approval", _("Waiting for approval"), ExpenseClaim.Status.IN_APPROVAL),
        status_scene("to_pay", _("Approved, to pay"), ExpenseClaim.Status.APPROVED),
        status_scene("paid", _("Paid"), ExpenseClaim.Status.PAID),
    )
    bulk_actions = (
        BulkAction(
            key="delete",
            label=_("Delete"),
            icon="trash",
            permission="expenses.edit",
            run=bulk(_claims_delete),
            confirm=_("Your draft claims move to the recycle bin; others stay."),
            danger=True,
        ),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.expense_claim_list(user=user, filters=params, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(title__icontains=text) | Q(customer__name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("billing:expense_detail", args=[row.pk])
