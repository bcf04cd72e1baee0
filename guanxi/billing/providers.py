"""What the billing app registers with lower apps at start-up: its permission modules, navigation, record
tabs on customers and contracts, the money ports (balance due, payment plan, collected amounts), invoice
search, the overdue-reminder job, the expense-claim approval kind and its demo step."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from guanxi.approvals.kinds import DocumentKind, FactSpec, register_document_kind
from guanxi.core.money import format_cny
from guanxi.core.ports import COLLECTED_AMOUNTS, CONTRACT_MONEY
from guanxi.core.registry import (
    DayCard,
    DefaultApprovalRules,
    DefaultGrants,
    EventType,
    FileKind,
    LeaverExport,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    RecordTab,
    SearchSource,
    registry,
)
from guanxi.org.policies import register_module

from . import ports

register_module("payments", _("Payments"), ["view", "create", "edit", "export", "approve"])
register_module("invoices", _("Invoices"), ["view", "create", "edit", "export"])
register_module("expenses", _("Expense claims"), ["view", "create", "edit", "approve", "export"])

# The default roles' grants in the money modules (org/roles.py holds the roles themselves): payment plans and
# payments, invoices, expense claims. Reps see their own contracts' money and claim their own expenses; managers
# their department's; finance records money for everything; executives and the sales-management office read all.
_MONEY_READ = ["payments.view", "invoices.view"]
_CLAIMS_OWN = ["expenses.view", "expenses.create", "expenses.edit"]
registry.add_default_grants(
    DefaultGrants(
        app="billing",
        grants_by_role={
            "sales_rep": _MONEY_READ + _CLAIMS_OWN,
            "channel_rep": _MONEY_READ + _CLAIMS_OWN,
            "business_manager": _MONEY_READ + ["payments.edit"] + _CLAIMS_OWN,
            "department_manager": _MONEY_READ
            + ["payments.export", "invoices.export"]
            + _CLAIMS_OWN
            + ["expenses.export"],
            "department_assistant": _MONEY_READ + _CLAIMS_OWN,
            "sales_management": _MONEY_READ
            + ["payments.export", "invoices.export", "expenses.view", "expenses.export"],
            "executive": _MONEY_READ + ["payments.export", "invoices.export", "expenses.view", "expenses.export"],
            "finance": ["payments.view", "payments.create", "payments.edit", "payments.export", "payments.approve"]
            + ["invoices.view", "invoices.create", "invoices.edit", "invoices.export"]
            + _CLAIMS_OWN
            + ["expenses.approve", "expenses.export"],
        },
    )
)


# --- ports lower apps call ---------------------------------------------------------------------------
registry.provide(CONTRACT_MONEY, ports.contract_money)
registry.provide(COLLECTED_AMOUNTS, ports.collected_amounts)


# --- tabs -----------------------------------------------------------------------------------------
def _customer_payments_tab(request: Any, customer: Any) -> tuple[int, str]:
    from .views import customer_payments_tab

    return customer_payments_tab(request, customer)


def _customer_invoices_tab(request: Any, customer: Any) -> tuple[int, str]:
    from .views import customer_invoices_tab

    return customer_invoices_tab(request, customer)


def _contract_money_tab(request: Any, contract: Any) -> tuple[int, str]:
    from .views import contract_money_tab

    return contract_money_tab(request, contract)


registry.add_tab(
    RecordTab(model="customers.customer", key="payments", label=_("Payments"), render=_customer_payments_tab, order=60)
)
registry.add_tab(
    RecordTab(model="customers.customer", key="invoices", label=_("Invoices"), render=_customer_invoices_tab, order=61)
)
registry.add_tab(
    RecordTab(
        model="commerce.contract",
        key="money",
        label=_("Payment plan and payments"),
        render=_contract_money_tab,
        order=40,
    )
)


# --- navigation, search ------------------------------------------------------------------------------
registry.add_nav(
    NavItem(
        key="receivables",
        label=_("Receivables"),
        url_name="billing:receivables",
        icon="ti-cash",
        order=36,
        permission="payments.view",
        match_prefix="/billing/",
    )
)
registry.add_nav(
    NavItem(
        key="expense_claims",
        label=_("Expense claims"),
        url_name="billing:expense_list",
        icon="ti-receipt",
        order=37,
        permission="expenses.view",
        match_prefix="/billing/expenses/",
    )
)


def _invoice_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_invoices

    return search_invoices(user=user, query=query, limit=limit)


def _invoice_hit(inv: Any) -> dict[str, Any]:
    return {
        "kind": "invoice",
        "title": f"{inv.number} · {inv.buyer_title}",
        "subtitle": " · ".join([inv.get_kind_display(), format_cny(inv.amount), inv.contract.number]),
        "url": reverse("billing:contract_money", args=[inv.contract_id]) + "#invoices",
    }


# --- finance's day: what falls due -------------------------------------------------------------------------------
DAY_CARD_DAYS = 7


def _day_card(request: Any) -> str:
    from django.template.loader import render_to_string
    from django.utils import timezone

    from guanxi.org.policies import has_permission

    from .selectors import instalments_due_soon

    user = request.user
    if not (has_permission(user, "payments.create") and has_permission(user, "payments.view")):
        return ""  # a rep's money shows on their contracts; this card is for those who record the payments
    due = instalments_due_soon(user=user, days=DAY_CARD_DAYS)
    instalments = list(due[:6])
    if not instalments:
        return ""
    for i in instalments:
        i.outstanding_text = format_cny(i.outstanding)
    context = {"instalments": instalments, "count": due.count(), "days": DAY_CARD_DAYS, "today": timezone.localdate()}
    return render_to_string("billing/_day_card.html", context, request=request)


registry.add_day_card(DayCard(key="receivables", render=_day_card, order=20))

registry.add_search(
    SearchSource(
        key="invoices",
        label=_("Invoices"),
        rows=_invoice_rows,
        fields=("number", "buyer_title", "kind", "amount", "contract__number"),
        hit=_invoice_hit,
        order=70,
    )
)


# --- the daily overdue reminders --------------------------------------------------------------------
def _reminders() -> Any:
    from .services import receivables_send_reminders

    return receivables_send_reminders()


registry.add_periodic(PeriodicJob(key="receivable_reminders", every_minutes=24 * 60, run=_reminders))


# --- expense claims go through the approval engine ---------------------------------------------------
def _claim_decided(**kwargs: Any) -> None:
    from .services import expense_claim_on_decided

    expense_claim_on_decided(**kwargs)


def _claim_url(claim: Any) -> str:
    return reverse("billing:expense_detail", args=[claim.pk])


def _claim_summary(claim: Any) -> str:
    # the inbox card and the request page show the request's amount already: the summary names the customer
    return str(claim.customer)


register_document_kind(
    DocumentKind(
        code="expense_claim",
        label=_("Expense claim"),
        model="billing.expenseclaim",
        facts={
            "amount": FactSpec(label=_("Amount"), type="decimal"),
            "department_id": FactSpec(label=_("Department"), type="department"),
        },
        on_decided=_claim_decided,
        url=_claim_url,
        summary=_claim_summary,
    )
)
# The default rule (data, editable under Approval rules): the claimant's manager, then finance. Seeded on a new
# database when migrate applies approvals' 0002, which wrote it before each app owned its rules.
registry.add_default_approval_rules(
    DefaultApprovalRules(
        key="billing",
        rules=(
            {
                "seed_key": "expense_claim_manager_finance",
                "kind": "expense_claim",
                "name": gettext_noop("Expense claim — manager, then finance"),
                "priority": 10,
                "conditions": [],
                "steps": [
                    {"label": gettext_noop("Manager"), "approver_type": "manager"},
                    {"label": gettext_noop("Finance"), "approver_type": "role", "codes": ["finance"]},
                ],
            },
        ),
        seeded_with=("approvals", "0002_default_rules"),
    )
)


# --- demo ---------------------------------------------------------------------------------------------
def _demo(**kwargs: Any) -> None:
    from .demo import billing_demo_build

    billing_demo_build(**kwargs)


registry.add_demo_step(_demo)


def _expense_line_get(*, user: Any, pk: Any) -> Any:
    from .selectors import expense_line_get

    return expense_line_get(user=user, pk=pk)


registry.add_file_kind(
    FileKind(key="expense-receipt", model="billing.expenseline", field="receipt", label=_("Expense receipt"),
             get=_expense_line_get)
)  # fmt: skip


# --- customer merges: expense claims move to the survivor (payment plans, invoices and payments belong to a
# contract, which commerce moves) ------------------------------------------------------------------------
from guanxi.customers.dedupe.services import FkMove  # noqa: E402

registry.add_merge_mover(FkMove("expense_claims", "billing.ExpenseClaim"))


# --- a leaving user's data export: their expense claims ---------------------------------------------------------
def _expense_claims_table(*, actor: Any, leaving: Any) -> Any:
    from .selectors import leaver_expense_claims_table

    return leaver_expense_claims_table(user=actor, leaving=leaving)


registry.add_leaver_export(
    LeaverExport(key="expense_claims", label=_("Expense claims"), table=_expense_claims_table, order=50)
)

registry.add_notification_topic(
    NotificationTopic(
        key="billing",
        label=_("Payments and receivables"),
        kinds=("payment_received", "receivable_", "contract_money_ask"),
        help=_("Payments recorded on your contracts, instalments coming due or overdue, requests to record a payment."),
        order=80,
    )
)


# --- business events (webhooks) -----------------------------------------------------------------------------
def _payment_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas import PaymentOut

    return api_shape(PaymentOut)(obj)


registry.add_event_type(
    EventType(
        key="payment.received", label=_("Payment received"), model="billing.payment", serialise=_payment_out, order=60
    )
)


def _register_dictionaries() -> None:
    from .dictionaries import BILLING_DICTIONARIES

    registry.add_default_dictionaries(BILLING_DICTIONARIES)


_register_dictionaries()


# --- metrics analytics reads (collected amount, receivables) -------------------------------------------------
from .metrics import METRICS as _BILLING_METRICS  # noqa: E402

for _metric in _BILLING_METRICS:
    registry.add_metric(_metric)

from . import customer_filters as _customer_filters  # noqa: E402,F401  (payments on the customer list)
