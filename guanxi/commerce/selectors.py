"""Every read of the commerce app, starting from scope_queryset. Approvers of a document may read it even
outside their data scope (they must see what they decide), and an execution order's named people read it:
both are read rules registered in providers.py, so scope_queryset itself applies them everywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.filters import filter_rows
from guanxi.core.ports import CONTRACT_MONEY
from guanxi.core.registry import registry
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from guanxi.org.policies import (
    has_permission,
    require_permission,
    scope_children,
    scope_queryset,
    scope_queryset_or_none,
)

from .filters import (
    ContractFilter,
    ExecutionOrderFilter,
    ImplementationOrderFilter,
    ProductFilter,
    QuoteFilter,
    sorted_by,
)
from .models import (
    CommercePolicy,
    Contract,
    ExecutionOrder,
    ExecutionOrderLine,
    ImplementationItem,
    ImplementationOrder,
    PriceBook,
    PriceBookEntry,
    Product,
    ProductLine,
    Quote,
    QuoteLine,
    Shipment,
)

Filters = QueryDict | dict[str, Any] | None
RecordT = TypeVar("RecordT")


def _not_found() -> NotFoundError:
    return NotFoundError(_("Not found, or you may not see it."))


def _visible(user: User, qs: QuerySet[Any], module: str, action: str = "view") -> QuerySet[Any]:
    """Rows of `qs` the user may `action` in `module` (their scope and the model's read rules)."""
    return scope_queryset(user, qs, action, module=module)


def with_facts(obj: RecordT, **facts: Any) -> RecordT:
    """The record with facts an answer shows beside its fields (not stored), read like its attributes."""
    obj.__dict__.update(facts)
    return obj


def latest_approval(document: Any) -> Any:
    """The document's latest approval request (who approves and why, steps, history), or None."""
    from guanxi.approvals.selectors import approvals_for_document

    return approvals_for_document(document).first()


def _get(qs: QuerySet[Any], pk: Any) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise _not_found() from None


# --- catalogue -------------------------------------------------------------------------------
def product_list(*, user: User, filters: Filters = None) -> QuerySet[Product]:
    require_permission(user, "products.view")
    qs = Product.objects.select_related("line").order_by("code", "id")
    return filter_rows(ProductFilter, filters, qs, user)


def product_get(*, user: User, pk: Any) -> Product:
    require_permission(user, "products.view")
    return _get(Product.objects.select_related("line"), pk)


def product_choices(*, user: User) -> QuerySet[Product]:
    require_permission(user, "products.view")
    return Product.objects.filter(is_active=True).select_related("line").order_by("line__sort_order", "code")


def product_lines(*, user: User) -> QuerySet[ProductLine]:
    require_permission(user, "products.view")
    return ProductLine.objects.annotate(product_count=Count("products", filter=Q(products__deleted_at__isnull=True)))


def price_books(*, user: User, for_quoting: bool = False) -> QuerySet[PriceBook]:
    require_permission(user, "products.view")
    qs = PriceBook.objects.prefetch_related("partner_orgs").annotate(entry_count=Count("entries"))
    if for_quoting:
        qs = qs.filter(is_active=True)
        if user.partner_org_id and not user.is_superuser:
            qs = qs.filter(Q(partner_orgs__isnull=True) | Q(partner_orgs=user.partner_org_id)).distinct()
    return qs


def price_book_get(*, user: User, pk: Any) -> PriceBook:
    return _get(price_books(user=user), pk)


def price_book_price_map(*, books: Any) -> dict[str, dict[str, str]]:
    """{price book id: {product id: price}} of the given books, in one query (the quote form's live totals)."""
    out: dict[str, dict[str, str]] = {str(b.pk): {} for b in books}
    rows = PriceBookEntry.objects.filter(price_book__in=[b.pk for b in books]).values_list(
        "price_book_id", "product_id", "price"
    )
    for book_id, product_id, price in rows:
        out[str(book_id)][str(product_id)] = f"{price:f}"
    return out


def open_opportunity_for(opportunities: list[Any]) -> Any:
    """The deal a new quote of the customer most likely belongs to: its open one updated last (None if none)."""
    open_ones = [o for o in opportunities if getattr(o, "status", "") == "open"]
    return max(open_ones, key=lambda o: (o.updated_at, o.pk), default=None)


def price_book_entries(*, book: PriceBook) -> QuerySet[PriceBookEntry]:
    return PriceBookEntry.objects.filter(price_book=book).select_related("product").order_by("product__code")


def commerce_policy() -> CommercePolicy:
    return CommercePolicy.objects.order_by("pk").first() or CommercePolicy()


# --- quotes ----------------------------------------------------------------------------------
def quote_list(*, user: User, filters: Filters = None, action: str = "view") -> QuerySet[Quote]:
    """Quotes the user may `action` (filters.QuoteFilter), latest versions only unless `all_versions`."""
    qs = _visible(user, Quote.objects.all(), "quotes", action).select_related(
        "customer", "owner", "contact", "opportunity", "price_book"
    )
    return sorted_by(filter_rows(QuoteFilter, filters, qs, user), filters)


def quote_get(*, user: User, pk: Any, action: str = "view") -> Quote:
    qs = _visible(user, Quote.objects.all(), "quotes", action).select_related(
        "customer", "owner", "contact", "opportunity", "price_book", "department"
    )
    return _get(qs.prefetch_related(Prefetch("lines", QuoteLine.objects.select_related("product"))), pk)


def quote_detail(*, user: User, pk: Any) -> Quote:
    """One quote as the API answers it: quote_get plus its latest approval request (`approval`)."""
    quote = quote_get(user=user, pk=pk)
    return with_facts(quote, approval=latest_approval(quote))


def quote_versions(*, user: User, quote: Quote) -> list[Quote]:
    root = quote.root_id or quote.pk
    return list(_visible(user, Quote.objects.filter(root_id=root), "quotes").order_by("-revision"))


def customer_quotes(*, user: User, customer: Customer) -> list[Quote]:
    qs = scope_children(user, Quote.objects.all(), via="customer", parent=customer, module="quotes").exclude(
        status=Quote.Status.SUPERSEDED
    )
    return list(qs.select_related("owner").order_by("-created_at")[:100])


def visible_pks(*, user: User, model: type[Any], pks: Any, module: str) -> set[int]:
    """Which of these rows the user may open (one query), so a list links only to those."""
    wanted = {pk for pk in pks if pk}
    if not wanted or not user.is_authenticated:
        return set()
    try:
        return set(_visible(user, model.objects.filter(pk__in=wanted), module).values_list("pk", flat=True))
    except PermissionDeniedError:
        return set()


def record_visible(*, user: User, obj: Any, module: str) -> bool:
    """Whether the user may open the record's page (so a page links to it only then): in their scope for
    module.view, or a document they approve."""
    if obj is None or not user.is_authenticated:
        return False
    try:
        return _visible(user, type(obj).objects.filter(pk=obj.pk), module).exists()
    except PermissionDeniedError:
        return False


def opportunity_quotes(*, user: User, opportunity: Any) -> list[Quote]:
    """The quotes of an opportunity the user may see (latest revisions only), newest first."""
    qs = scope_children(user, Quote.objects.all(), via="opportunity", parent=opportunity, module="quotes").exclude(
        status=Quote.Status.SUPERSEDED
    )
    return list(qs.select_related("owner").order_by("-created_at")[:100])


def search_quotes(*, user: User, query: str, limit: int) -> QuerySet[Quote] | list[Quote]:
    """Quotes by number or title, as the quote list shows them to the user (their approvals included)."""
    q = query.strip()
    if len(q) < 2:
        return []
    qs = scope_queryset_or_none(user, Quote.objects.all()).select_related("customer")
    return qs.filter(Q(number__icontains=q) | Q(title__icontains=q)).order_by("-created_at")[:limit]


def route_preview(*, user: User, quote: Quote) -> dict[str, Any]:
    """The approval route the quote would take, explained, or why it cannot be submitted."""
    from .services import quote_approval_kind, quote_facts, special_price_problems

    kind = quote_approval_kind(quote)
    problems = special_price_problems(quote) if kind == "special_price" else []
    return _route_explained(kind=kind, facts=quote_facts(quote), applicant=quote.owner, problems=problems)


def contract_route_preview(*, user: User, contract: Contract) -> dict[str, Any]:
    """The approval route a draft contract would take on submission, explained, or why it cannot be submitted
    (the same shape as the quote's route_preview, shown by commerce/_route.html)."""
    from .services.contracts import contract_facts

    return _route_explained(kind="contract", facts=contract_facts(contract), applicant=contract.owner, problems=[])


def _route_explained(*, kind: str, facts: dict[str, Any], applicant: User, problems: list[str]) -> dict[str, Any]:
    from guanxi.approvals.selectors import approval_route_explain

    try:
        plan = approval_route_explain(kind=kind, facts=facts, applicant=applicant)
    except ValidationFailed as exc:
        return {"kind": kind, "plan": None, "error": exc.message, "problems": problems}
    return {"kind": kind, "plan": plan, "error": "", "problems": problems}


# --- contracts -------------------------------------------------------------------------------
def contract_list(*, user: User, filters: Filters = None, action: str = "view") -> QuerySet[Contract]:
    """Contracts the user may `action` (filters.ContractFilter)."""
    qs = _visible(user, Contract.objects.all(), "contracts", action).select_related(
        "customer", "owner", "contact", "opportunity", "quote"
    )
    return sorted_by(filter_rows(ContractFilter, filters, qs, user), filters)


def contract_get(*, user: User, pk: Any, action: str = "view") -> Contract:
    qs = _visible(user, Contract.objects.all(), "contracts", action)
    return _get(qs.select_related("customer", "owner", "contact", "opportunity", "quote", "department"), pk)


def contract_detail(*, user: User, pk: Any) -> Contract:
    """One contract as the API answers it: contract_get plus its latest approval request (`approval`) and the
    balance due the reader may see (`balance_due`)."""
    contract = contract_get(user=user, pk=pk)
    return with_facts(
        contract,
        approval=latest_approval(contract),
        balance_due=contract_balance_due(user=user, contract=contract),
    )


def customer_contracts(*, user: User, customer: Customer) -> list[Contract]:
    qs = scope_children(user, Contract.objects.all(), via="customer", parent=customer, module="contracts")
    return list(qs.select_related("owner").order_by("-created_at")[:100])


def opportunity_contracts(*, user: User, opportunity: Any) -> list[Contract]:
    """The contracts of an opportunity the user may see, newest first."""
    qs = scope_children(user, Contract.objects.all(), via="opportunity", parent=opportunity, module="contracts")
    return list(qs.select_related("owner").order_by("-created_at")[:100])


def search_contracts(*, user: User, query: str, limit: int) -> QuerySet[Contract] | list[Contract]:
    """Contracts by number or title, as the contract list shows them to the user (their approvals included)."""
    q = query.strip()
    if len(q) < 2:
        return []
    qs = scope_queryset_or_none(user, Contract.objects.all()).select_related("customer")
    return qs.filter(Q(number__icontains=q) | Q(title__icontains=q)).order_by("-created_at")[:limit]


def contract_balance_due(*, user: User, contract: Contract) -> Decimal | None:
    """The balance due, from the billing app when installed; None when the user may not read the contract's
    payments (money follows the permission of the module that owns it, docs/decisions/0005)."""
    money = registry.optional_port(CONTRACT_MONEY)
    return None if money is None else money.balance_due(user=user, contract=contract)


def contract_payment_plan(contract: Contract) -> list[dict[str, Any]] | None:
    money = registry.optional_port(CONTRACT_MONEY)
    return None if money is None else list(money.payment_plan(contract))


# --- execution orders ------------------------------------------------------------------------
def _orders_visible(user: User, action: str = "view") -> QuerySet[ExecutionOrder]:
    return scope_queryset(user, ExecutionOrder.objects.all(), action)


def execution_order_list(*, user: User, filters: Filters = None) -> QuerySet[ExecutionOrder]:
    qs = _orders_visible(user).select_related("customer", "contract", "owner")
    return filter_rows(ExecutionOrderFilter, filters, qs, user).order_by("-created_at", "-id")


def execution_order_get(*, user: User, pk: Any, action: str = "view") -> ExecutionOrder:
    qs = _orders_visible(user, action).select_related("customer", "contract", "owner")
    return _get(
        qs.prefetch_related(
            Prefetch("lines", ExecutionOrderLine.objects.select_related("product")),
            Prefetch("shipments", Shipment.objects.prefetch_related("lines__order_line")),
            "shipping_users",
            "collection_users",
            "implementation_users",
        ),
        pk,
    )


# --- implementation orders -------------------------------------------------------------------
def _implementation_visible(user: User, action: str = "view") -> QuerySet[ImplementationOrder]:
    """Business staff (who read contracts) see implementation orders by their data scope; implementation
    staff see the orders they have items on, or that went to their department."""
    qs = ImplementationOrder.objects.all()
    require_permission(user, f"implementation.{action}")
    if has_permission(user, "contracts.view"):
        return scope_queryset(user, qs, action, module="implementation")
    mine = Q(owner=user) | Q(pk__in=ImplementationItem.objects.filter(assignee=user).values("order_id"))
    if user.department_id:
        mine |= Q(implementation_department_id=user.department_id)
    return qs.filter(mine)


def implementation_order_list(*, user: User, filters: Filters = None) -> QuerySet[ImplementationOrder]:
    qs = _implementation_visible(user).select_related("customer", "contract", "owner", "implementation_department")
    qs = filter_rows(ImplementationOrderFilter, filters, qs, user)
    total = Count("items", distinct=True)
    done = Count("items", filter=Q(items__task__done=True, items__task__deleted_at__isnull=True), distinct=True)
    return qs.annotate(item_count=total, done_count=done).order_by("-created_at", "-id")


def implementation_order_get(*, user: User, pk: Any, action: str = "view") -> ImplementationOrder:
    qs = _implementation_visible(user, action).select_related(
        "customer", "contract", "owner", "implementation_department"
    )
    items = Prefetch("items", ImplementationItem.objects.select_related("assignee", "task"))
    return _get(qs.prefetch_related(items), pk)


def implementation_order_detail(*, user: User, pk: Any) -> ImplementationOrder:
    """One implementation order as the API answers it: with `progress` and billing's `payment_milestones`."""
    order = implementation_order_get(user=user, pk=pk)
    return with_facts(
        order, progress=implementation_progress(order), payment_milestones=contract_payment_plan(order.contract)
    )


def implementation_progress(order: ImplementationOrder) -> int:
    items = list(order.items.all())
    if not items:
        return 0
    return round(100 * sum(1 for i in items if i.done) / len(items))


def customer_orders(*, user: User, customer: Customer) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"execution": [], "implementation": []}
    if has_permission(user, "orders.view"):
        out["execution"] = list(execution_order_list(user=user, filters={"customer": customer.pk})[:50])
    if has_permission(user, "implementation.view"):
        out["implementation"] = list(implementation_order_list(user=user, filters={"customer": customer.pk})[:50])
    return out


def customers_with_active_contract() -> QuerySet[Any]:
    """Customer ids with a signed or in-execution contract (the public-pool protection)."""
    return (
        Contract.objects.filter(status__in=[Contract.Status.SIGNED, Contract.Status.IN_EXECUTION])
        .values("customer_id")
        .distinct()
    )


# --- form choices ----------------------------------------------------------------------------
def document_customers(*, user: User) -> QuerySet[Customer]:
    """Active customers the user may see (not in the public pool, not waiting for review): who may get a
    quote or a contract."""
    qs = scope_queryset(user, Customer.objects.all(), "view", module="customers")
    return qs.filter(owner__isnull=False, pool_entered_at__isnull=True, review_status=Customer.Review.ACTIVE)


def document_customer_choices(*, user: User, limit: int = 500) -> QuerySet[Customer]:
    """The first active customers by name, for the quote and contract forms."""
    return document_customers(user=user).order_by("name", "id")[:limit]


def customer_contacts(*, customer: Customer) -> list[Any]:
    return list(customer.contacts.order_by("-is_primary", "name")[:200])


def contact_choices(*, customer: Customer | None) -> QuerySet[Contact]:
    """The contacts a quote or contract of this customer may name (to validate a chosen id)."""
    return Contact.objects.filter(customer=customer) if customer else Contact.objects.none()


def customer_opportunity_choices(*, user: User, customer: Customer) -> list[Any]:
    from guanxi.sales.models import Opportunity

    if not has_permission(user, "opportunities.view"):
        return []
    qs = scope_children(user, Opportunity.objects.all(), via="customer", parent=customer, module="opportunities")
    return list(qs.order_by("-created_at")[:100])


def user_choices(*, user: User) -> QuerySet[User]:
    from guanxi.org.selectors import directory_user_list

    return directory_user_list(user=user).filter(is_active=True).select_related("department")


# --- a leaving user's data (the backup an administrator takes before the hand-over) -------------------------
def leaver_quotes_table(*, user: User, leaving: User) -> tuple[list[Any], list[list[Any]]]:
    """Every quote (each revision) the leaver owns, as far as `user` may export quotes."""
    qs = scope_queryset(user, Quote.objects.filter(owner=leaving), "export").select_related("customer")
    headers = [_("Quote number"), _("Revision"), _("Title"), _("Customer"), _("Status"), _("Total"), _("Currency")]
    headers += [_("Quote date"), _("Valid until")]
    rows = [
        [
            q.number,
            q.revision,
            q.title,
            q.customer.name,
            q.get_status_display(),
            q.total,
            q.currency,
            q.quote_date,
            q.valid_until,
        ]
        for q in qs.order_by("pk")
    ]
    return headers, rows


def leaver_contracts_table(*, user: User, leaving: User) -> tuple[list[Any], list[list[Any]]]:
    """Every contract the leaver owns, as far as `user` may export contracts."""
    qs = scope_queryset(user, Contract.objects.filter(owner=leaving), "export").select_related("customer")
    headers = [_("Contract number"), _("Title"), _("Customer"), _("Status"), _("Amount"), _("Currency")]
    headers += [_("Signed on"), _("Starts on"), _("Ends on")]
    rows = [
        [
            c.number,
            c.title,
            c.customer.name,
            c.get_status_display(),
            c.amount,
            c.currency,
            c.signed_on,
            c.starts_on,
            c.ends_on,
        ]
        for c in qs.order_by("pk")
    ]
    return headers, rows
