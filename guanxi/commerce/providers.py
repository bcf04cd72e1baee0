"""What the commerce app registers with lower apps at start-up: permission modules, navigation, record tabs,
global search, the public-pool protection, the daily quote expiry, approval document kinds, the product
importer and its part of the demo company."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.approvals.selectors import approver_read_rule
from guanxi.core.money import format_cny
from guanxi.core.ports import OPPORTUNITY_ACTIONS
from guanxi.core.registry import (
    CustomFieldTarget,
    DefaultApprovalRules,
    DefaultGrants,
    EventType,
    FileKind,
    HandoverKind,
    LeaverExport,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    PoolProtection,
    QuickCreate,
    ReadRule,
    RecordTab,
    SearchSource,
    registry,
)
from guanxi.org.policies import register_module

from . import ports

register_module("products", _("Products"), ["view", "create", "edit", "delete", "export", "import", "admin"])
register_module("quotes", _("Quotes"), ["view", "create", "edit", "delete", "export", "import", "approve"])
register_module("contracts", _("Contracts"), ["view", "create", "edit", "delete", "export", "import", "approve"])
register_module("orders", _("Execution orders"), ["view", "create", "edit", "delete"])
register_module("implementation", _("Implementation orders"), ["view", "create", "edit"])

# The default roles' grants in the quote-to-cash modules (org/roles.py holds the roles themselves): reps quote and
# contract for their own customers; managers also approve; business staff issue execution and implementation orders
# and keep the catalogue; finance reads contracts; implementation staff work the implementation orders they are on.
_COMMERCE_REP = ["products.view", "quotes.view", "quotes.create", "quotes.edit", "quotes.delete"] + [
    "contracts.view",
    "contracts.create",
    "contracts.edit",
]
_COMMERCE_READ_ALL = ["products.view", "quotes.view", "quotes.export", "quotes.approve", "contracts.view"] + [
    "contracts.export",
    "contracts.approve",
    "orders.view",
    "implementation.view",
]
_COMMERCE_ORDERS = ["orders.view", "orders.create", "orders.edit", "orders.delete"] + [
    "implementation.view",
    "implementation.create",
    "implementation.edit",
]
_CATALOGUE_ADMIN = ["products.view", "products.create", "products.edit", "products.delete", "products.export"] + [
    "products.import",
    "products.admin",
]
registry.add_default_grants(
    DefaultGrants(
        app="commerce",
        grants_by_role={
            "sales_rep": _COMMERCE_REP,
            "channel_rep": _COMMERCE_REP,
            "business_manager": _COMMERCE_REP + _COMMERCE_ORDERS + _CATALOGUE_ADMIN,
            "department_manager": _COMMERCE_REP
            + _COMMERCE_READ_ALL
            + ["contracts.delete"]
            + ["quotes.import", "contracts.import"],
            "department_assistant": ["products.view", "quotes.view", "contracts.view"],
            "sales_management": _COMMERCE_READ_ALL + _CATALOGUE_ADMIN,
            "executive": _COMMERCE_READ_ALL,
            "finance": ["products.view", "contracts.view", "orders.view"],
            "implementation": ["products.view", "implementation.view", "implementation.edit"],
        },
    )
)


# Who reads a document beyond their data scope (org.policies applies these wherever it narrows a queryset):
# its approvers, and the people an execution order names to ship, collect or implement.
for _model in ("commerce.quote", "commerce.contract", "commerce.executionorder"):
    registry.add_read_rule(approver_read_rule(_model))


def _orders_naming(user: Any) -> Q:
    from .models import ExecutionOrder

    named = ExecutionOrder.objects.filter(
        Q(shipping_users=user) | Q(collection_users=user) | Q(implementation_users=user)
    )
    return Q(pk__in=named.values("pk"))


registry.add_read_rule(
    ReadRule(key="orders:named", model="commerce.executionorder", rows=_orders_naming, needs_permission=False)
)

for item in (
    NavItem(key="quotes", label=_("Quotes"), url_name="commerce:quote_list", icon="ti-file-dollar", order=32,
            permission="quotes.view"),
    NavItem(key="contracts", label=_("Contracts"), url_name="commerce:contract_list", icon="ti-file-certificate",
            order=33, permission="contracts.view"),
    NavItem(key="orders", label=_("Execution orders"), url_name="commerce:execution_order_list", icon="ti-truck",
            order=34, permission="orders.view"),
    NavItem(key="implementation_orders", label=_("Implementation orders"),
            url_name="commerce:implementation_order_list", icon="ti-tool", order=35, permission="implementation.view"),
    NavItem(key="products", label=_("Products"), url_name="commerce:product_list", icon="ti-package", order=39,
            permission="products.view"),
):  # fmt: skip
    registry.add_nav(item)


def _quotes_tab(request: Any, customer: Any) -> tuple[int | None, str]:
    from .views_tabs import customer_quotes_tab

    return customer_quotes_tab(request, customer)


def _contracts_tab(request: Any, customer: Any) -> tuple[int | None, str]:
    from .views_tabs import customer_contracts_tab

    return customer_contracts_tab(request, customer)


def _orders_tab(request: Any, customer: Any) -> tuple[int | None, str]:
    from .views_tabs import customer_orders_tab

    return customer_orders_tab(request, customer)


registry.add_tab(RecordTab(model="customers.customer", key="quotes", label=_("Quotes"), render=_quotes_tab, order=40))
registry.add_tab(
    RecordTab(model="customers.customer", key="contracts", label=_("Contracts"), render=_contracts_tab, order=41)
)
registry.add_tab(RecordTab(model="customers.customer", key="orders", label=_("Orders"), render=_orders_tab, order=42))


def _opportunity_quotes_tab(request: Any, opportunity: Any) -> tuple[int | None, str]:
    from .views_tabs import opportunity_quotes_tab

    return opportunity_quotes_tab(request, opportunity)


def _opportunity_contracts_tab(request: Any, opportunity: Any) -> tuple[int | None, str]:
    from .views_tabs import opportunity_contracts_tab

    return opportunity_contracts_tab(request, opportunity)


registry.add_tab(
    RecordTab(model="sales.opportunity", key="quotes", label=_("Quotes"), render=_opportunity_quotes_tab, order=40)
)
registry.add_tab(
    RecordTab(
        model="sales.opportunity", key="contracts", label=_("Contracts"), render=_opportunity_contracts_tab, order=41
    )
)
# The opportunity page's "new quote / new contract" buttons (sales may not import commerce).
registry.provide(OPPORTUNITY_ACTIONS, ports.opportunity_actions)


def _quote_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_quotes

    return search_quotes(user=user, query=query, limit=limit)


def _quote_hit(q: Any) -> dict[str, Any]:
    return {
        "kind": "quote",
        "title": f"{q.number}-V{q.revision} {q.title}",
        "subtitle": f"{q.customer} · {q.get_status_display()} · {format_cny(q.total)}",
        "url": reverse("commerce:quote_detail", args=[q.pk]),
    }


def _contract_rows(*, user: Any, query: str, limit: int) -> Any:
    from .selectors import search_contracts

    return search_contracts(user=user, query=query, limit=limit)


def _contract_hit(c: Any) -> dict[str, Any]:
    return {
        "kind": "contract",
        "title": f"{c.number} {c.title}",
        "subtitle": f"{c.customer} · {c.get_status_display()} · {format_cny(c.amount)}",
        "url": reverse("commerce:contract_detail", args=[c.pk]),
    }


registry.add_search(
    SearchSource(
        key="quotes",
        label=_("Quotes"),
        rows=_quote_rows,
        fields=("number", "revision", "title", "status", "total", "customer__name"),
        hit=_quote_hit,
        order=50,
    )
)
registry.add_search(
    SearchSource(
        key="contracts",
        label=_("Contracts"),
        rows=_contract_rows,
        fields=("number", "title", "status", "amount", "customer__name"),
        hit=_contract_hit,
        order=51,
    )
)


def _protected(**kwargs: Any) -> Any:
    from .selectors import customers_with_active_contract

    return Q(pk__in=customers_with_active_contract())


registry.add_pool_protection(
    PoolProtection(
        key="active_contract",
        label=_("Has a signed or in-execution contract"),
        protected=_protected,
        override="reclaim_with_active_contract",
    )
)


def _expire_quotes() -> Any:
    from .services import quotes_expire

    return {"expired": quotes_expire()}


def _contract_get(*, user: Any, pk: Any) -> Any:
    from .selectors import contract_get

    return contract_get(user=user, pk=pk)


registry.add_file_kind(
    FileKind(key="contract-signed-scan", model="commerce.contract", field="signed_scan", label=_("Signed contract"),
             get=_contract_get)
)  # fmt: skip
registry.add_periodic(PeriodicJob(key="quotes_expire", every_minutes=24 * 60, run=_expire_quotes))

from . import approval as _approval  # noqa: E402
from . import importers as _importers  # noqa: E402,F401
from .approval_defaults import DEFAULT_RULES, POSITIONS  # noqa: E402

_approval.register()
# Seeded on a new database when migrate applies approvals' 0002, which wrote them before each app owned its rules.
registry.add_default_approval_rules(
    DefaultApprovalRules(
        key="commerce",
        rules=tuple(DEFAULT_RULES),
        seeded_with=("approvals", "0002_default_rules"),
        positions=POSITIONS,
    )
)


def _demo(**kwargs: Any) -> None:
    from .demo import demo_commerce

    demo_commerce(**kwargs)


registry.add_demo_step(_demo)

# --- customer merges: quotes, contracts and orders of a merged-away customer move to the survivor ---------
# (quote lines, shipments and implementation items follow their document).
from guanxi.customers.dedupe.services import FkMove  # noqa: E402

for _mover in (
    FkMove("quotes", "commerce.Quote"),
    FkMove("contracts", "commerce.Contract"),
    FkMove("execution_orders", "commerce.ExecutionOrder"),
    FkMove("implementation_orders", "commerce.ImplementationOrder"),
):
    registry.add_merge_mover(_mover)


# --- hand-over when a user leaves: their draft quotes and contracts go to the successor ----------------------
def _quotes_hand_over(**kwargs: Any) -> int:
    from .services import quotes_hand_over

    return quotes_hand_over(**kwargs)


def _contracts_hand_over(**kwargs: Any) -> int:
    from .services import contracts_hand_over

    return contracts_hand_over(**kwargs)


def _count_draft_quotes(*, leaving: Any) -> int:
    from .models import Quote

    return Quote.objects.filter(owner=leaving, status=Quote.Status.DRAFT).count()


def _count_draft_contracts(*, leaving: Any) -> int:
    from .models import Contract

    return Contract.objects.filter(owner=leaving, status=Contract.Status.DRAFT).count()


registry.add_handover_kind(
    HandoverKind(
        key="quotes", label=_("Draft quotes"), count=_count_draft_quotes, hand_over=_quotes_hand_over, order=40
    )
)
registry.add_handover_kind(
    HandoverKind(
        key="contracts",
        label=_("Draft contracts"),
        count=_count_draft_contracts,
        hand_over=_contracts_hand_over,
        order=41,
    )
)


# --- a leaving user's data export: their quotes and contracts ------------------------------------------------
def _quotes_table(*, actor: Any, leaving: Any) -> Any:
    from .selectors import leaver_quotes_table

    return leaver_quotes_table(user=actor, leaving=leaving)


def _contracts_table(*, actor: Any, leaving: Any) -> Any:
    from .selectors import leaver_contracts_table

    return leaver_contracts_table(user=actor, leaving=leaving)


registry.add_leaver_export(LeaverExport(key="quotes", label=_("Quotes"), table=_quotes_table, order=40))
registry.add_leaver_export(LeaverExport(key="contracts", label=_("Contracts"), table=_contracts_table, order=41))

registry.add_quick_create(
    QuickCreate(
        key="quote",
        label=_("Quote"),
        url_name="commerce:quote_create",
        icon="ti-file-dollar",
        permission="quotes.create",
        order=70,
    )
)

registry.add_notification_topic(
    NotificationTopic(
        key="commerce",
        label=_("Quotes, contracts and orders"),
        kinds=(
            "quote_decided",
            "quote_send_failed",
            "contract_decided",
            "execution_order_issued",
            "implementation_order_issued",
            "document_transfer",
        ),
        help=_("Quotes and contracts decided or handed to you, quote e-mails that failed, orders issued to you."),
        order=70,
    )
)


# --- business events (webhooks) -----------------------------------------------------------------------------
def _quote_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas.quotes import QuoteOut

    return api_shape(QuoteOut)(obj)


def _contract_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas.contracts import ContractOut

    return api_shape(ContractOut)(obj)


registry.add_event_type(
    EventType(key="quote.approved", label=_("Quote approved"), model="commerce.quote", serialise=_quote_out, order=40)
)
registry.add_event_type(
    EventType(
        key="contract.signed", label=_("Contract signed"), model="commerce.contract", serialise=_contract_out, order=50
    )
)


# --- metrics analytics reads (signed contract amount and count) --------------------------------------------
from .metrics import METRICS as _COMMERCE_METRICS  # noqa: E402

for _metric in _COMMERCE_METRICS:
    registry.add_metric(_metric)

# Custom fields (自定义字段) on quotes and contracts.
registry.add_custom_field_target(
    CustomFieldTarget(model="commerce.quote", label=_("Quotes"), module="quotes", order=50)
)
registry.add_custom_field_target(
    CustomFieldTarget(model="commerce.contract", label=_("Contracts"), module="contracts", order=60)
)

from . import customer_filters as _customer_filters  # noqa: E402,F401  (purchase history on the customer list)
