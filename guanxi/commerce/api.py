"""REST endpoints of the commerce app (products, price books, quotes, contracts, execution and implementation
orders), mounted on the one NinjaAPI in guanxi/api/main.py. Parse → one selector/service → output schema;
the services check permission and data scope."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    error_responses,
    expected_version,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.core.errors import ValidationFailed
from guanxi.customers.models import Customer
from guanxi.org.selectors import users_by_ids

from . import selectors, services
from .models import Contract, ExecutionOrder, Product, Quote
from .schemas import (
    AnswerIn,
    CommerceSettingsOut,
    CommerceSettingsPatch,
    ContractDetailOut,
    ContractFilters,
    ContractIn,
    ContractPage,
    ContractPatch,
    ExecutionOrderDetailOut,
    ExecutionOrderIn,
    ExecutionOrderPage,
    ImplementationOrderDetailOut,
    ImplementationOrderIn,
    ImplementationOrderPage,
    ImplementationStatusIn,
    NumberingIn,
    NumberingOut,
    OrderFilters,
    PriceBookIn,
    PriceBookOut,
    ProductFilters,
    ProductIn,
    ProductLineOut,
    ProductOut,
    ProductPage,
    ProductPatch,
    QuoteDetailOut,
    QuoteFilters,
    QuoteIn,
    QuotePage,
    QuotePatch,
    QuoteSendIn,
    RouteOut,
    ShipmentIn,
    ShipmentOut,
    SignIn,
    TerminateIn,
)

router = Router(tags=["Commerce"])

PRODUCTS = ["Products"]
QUOTES = ["Quotes"]
CONTRACTS = ["Contracts"]
ORDERS = ["Orders"]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _unknown(field: str) -> ValidationFailed:
    msg = _("Unknown id, or you may not see it.")
    return ValidationFailed(msg, fields={field: [msg]})


def _one(rows: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = next((r for r in rows if r.pk == pk), None) if isinstance(rows, list) else rows.filter(pk=pk).first()
    if found is None:
        raise _unknown(field)
    return found


def _products(user: Any, ids: list[int]) -> dict[int, Product]:
    found = {p.pk: p for p in selectors.product_list(user=user).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise _unknown("lines")
    return found


def _lines(user: Any, lines: list[Any]) -> list[dict[str, Any]]:
    products = _products(user, [ln.product_id for ln in lines])
    out = []
    for ln in lines:
        row = {"product": products[ln.product_id], "quantity": ln.quantity, "description": ln.description or ""}
        if hasattr(ln, "discount"):
            row["discount"] = ln.discount
        out.append(row)
    return out


# --- catalogue -------------------------------------------------------------------------------
def _product_data(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "line_id" in data:
        pk = data.pop("line_id")
        data["line"] = _one(selectors.product_lines(user=user), pk, "line_id") if pk else None
    for key in ("description",):
        if key in data and data[key] is None:
            data[key] = ""
    return data


@router.get("/products", response={200: ProductPage, **LIST_ERRORS}, tags=PRODUCTS, summary="List products")
def product_list(request: HttpRequest, filters: Query[ProductFilters], page: Query[PageParams]) -> object:
    """The catalogue (products.view), filtered by text, product line and active flag."""
    return paginate(selectors.product_list(user=_user(request), filters=filters.dict(exclude_none=True)), page)


@router.get("/products/{int:product_id}", response={200: ProductOut, **READ_ERRORS}, tags=PRODUCTS, summary="Get")
def product_get(request: HttpRequest, product_id: int, response: HttpResponse) -> object:
    product = selectors.product_get(user=_user(request), pk=product_id)
    set_etag(response, product)
    return product


@router.post("/products", response={201: ProductOut, **WRITE_ERRORS}, tags=PRODUCTS, summary="Create a product")
@idempotent
def product_create(request: HttpRequest, payload: ProductIn, response: HttpResponse) -> object:
    """Needs products.create; the code is unique."""
    user = _user(request)
    product = services.product_create(actor=user, data=_product_data(user, payload.dict(exclude_unset=True)))
    set_etag(response, product)
    return Status(201, product)


@router.patch(
    "/products/{int:product_id}", response={200: ProductOut, **WRITE_ERRORS}, tags=PRODUCTS, summary="Update a product"
)
def product_update(
    request: HttpRequest, product_id: int, payload: ProductPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    user = _user(request)
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    product = selectors.product_get(user=user, pk=product_id)
    product = services.product_update(
        actor=user, product=product, data=_product_data(user, data), expected_version=version
    )
    set_etag(response, product)
    return product


@router.get(
    "/product-lines", response={200: list[ProductLineOut], **READ_ERRORS}, tags=PRODUCTS, summary="Product lines"
)
def product_line_list(request: HttpRequest) -> object:
    return list(selectors.product_lines(user=_user(request)))


@router.get("/price-books", response={200: list[PriceBookOut], **READ_ERRORS}, tags=PRODUCTS, summary="Price books")
def price_book_list(request: HttpRequest) -> object:
    return list(selectors.price_books(user=_user(request)).prefetch_related("entries"))


@router.get(
    "/price-books/{int:book_id}", response={200: PriceBookOut, **READ_ERRORS}, tags=PRODUCTS, summary="Get a price book"
)
def price_book_get(request: HttpRequest, book_id: int) -> object:
    return selectors.price_book_get(user=_user(request), pk=book_id)


def _save_book(request: HttpRequest, payload: PriceBookIn, book: Any) -> Any:
    from guanxi.org.selectors import partner_org_list

    user = _user(request)
    products = _products(user, [p.product_id for p in payload.prices])
    partners = None
    if payload.partner_org_ids is not None:
        rows = list(partner_org_list(user=user).filter(pk__in=payload.partner_org_ids))
        if len(rows) != len(set(payload.partner_org_ids)):
            raise _unknown("partner_org_ids")
        partners = rows
    return services.price_book_save(
        actor=user,
        data={"name": payload.name, "description": payload.description, "is_active": payload.is_active},
        book=book,
        prices={products[p.product_id]: p.price for p in payload.prices},
        partner_orgs=partners,
    )


@router.post("/price-books", response={201: PriceBookOut, **WRITE_ERRORS}, tags=PRODUCTS, summary="Create")
@idempotent
def price_book_create(request: HttpRequest, payload: PriceBookIn) -> object:
    """Needs products.admin. `prices` sets product → price."""
    return Status(201, _save_book(request, payload, None))


@router.put(
    "/price-books/{int:book_id}",
    response={200: PriceBookOut, **WRITE_ERRORS},
    tags=PRODUCTS,
    summary="Change a price book",
)
def price_book_update(request: HttpRequest, book_id: int, payload: PriceBookIn) -> object:
    """Sets the fields; `prices` are upserted (a null price removes the product)."""
    book = selectors.price_book_get(user=_user(request), pk=book_id)
    return _save_book(request, payload, book)


# --- quotes ----------------------------------------------------------------------------------
def _quote_data(user: Any, customer: Customer, data: dict[str, Any]) -> dict[str, Any]:
    from guanxi.customers.models import Contact

    if "contact_id" in data:
        pk = data.pop("contact_id")
        data["contact"] = _one(Contact.objects.filter(customer=customer), pk, "contact_id") if pk else None
    if "opportunity_id" in data:
        pk = data.pop("opportunity_id")
        opps = selectors.customer_opportunity_choices(user=user, customer=customer)
        data["opportunity"] = _one(opps, pk, "opportunity_id") if pk else None
    if "price_book_id" in data:
        pk = data.pop("price_book_id")
        data["price_book"] = (
            _one(selectors.price_books(user=user, for_quoting=True), pk, "price_book_id") if pk else None
        )
    for key in ("terms", "note"):
        if key in data and data[key] is None:
            data[key] = ""
    return {k: v for k, v in data.items() if v is not None or k in ("contact", "opportunity", "price_book")}


def _detail(request: HttpRequest, quote: Quote, response: HttpResponse) -> Quote:
    quote = selectors.quote_get(user=_user(request), pk=quote.pk)
    set_etag(response, quote)
    return quote


@router.get("/quotes", response={200: QuotePage, **LIST_ERRORS}, tags=QUOTES, summary="List quotes")
def quote_list(request: HttpRequest, filters: Query[QuoteFilters], page: Query[PageParams]) -> object:
    """The quotes you may see (latest versions; `all_versions` for the superseded ones too)."""
    return paginate(selectors.quote_list(user=_user(request), filters=filters.dict(exclude_none=True)), page)


@router.get("/quotes/{int:quote_id}", response={200: QuoteDetailOut, **READ_ERRORS}, tags=QUOTES, summary="Get")
def quote_get(request: HttpRequest, quote_id: int, response: HttpResponse) -> object:
    """One quote with its lines; the ETag header carries its version."""
    quote = selectors.quote_get(user=_user(request), pk=quote_id)
    set_etag(response, quote)
    return quote


@router.post("/quotes", response={201: QuoteDetailOut, **WRITE_ERRORS}, tags=QUOTES, summary="Create a quote")
@idempotent
def quote_create(request: HttpRequest, payload: QuoteIn, response: HttpResponse) -> object:
    """A draft for an existing, active customer you may see (400 on `customer_id` otherwise); totals are
    computed from the lines. Send an Idempotency-Key header to make a retry safe."""
    user = _user(request)
    data = payload.dict(exclude_unset=True)
    customer = selectors.document_customers(user=user).filter(pk=data.pop("customer_id")).first()
    if customer is None:
        msg = _("This customer is not in the system, is in the public pool or is waiting for review.")
        raise ValidationFailed(msg, fields={"customer_id": [msg]})
    lines = _lines(user, payload.lines)
    data.pop("lines")
    quote = services.quote_create(actor=user, customer=customer, data=_quote_data(user, customer, data), lines=lines)
    return Status(201, _detail(request, quote, response))


@router.patch(
    "/quotes/{int:quote_id}",
    response={200: QuoteDetailOut, **WRITE_ERRORS},
    tags=QUOTES,
    summary="Update a draft quote",
)
def quote_update(
    request: HttpRequest, quote_id: int, payload: QuotePatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    """Only drafts change (409 otherwise, also while in approval); `lines` replaces all lines."""
    user = _user(request)
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    quote = selectors.quote_get(user=user, pk=quote_id, action="edit")
    lines = _lines(user, payload.lines) if payload.lines is not None else None
    data.pop("lines", None)
    services.quote_update(
        actor=user, quote=quote, data=_quote_data(user, quote.customer, data), lines=lines, expected_version=version
    )
    return _detail(request, quote, response)


@router.delete("/quotes/{int:quote_id}", response={204: None, **WRITE_ERRORS}, tags=QUOTES, summary="Delete")
def quote_delete(request: HttpRequest, quote_id: int, if_match: str | None = IfMatch) -> object:
    """A draft, superseded or expired quote goes to the recycle bin."""
    user = _user(request)
    services.quote_delete(actor=user, quote=Quote(pk=quote_id), expected_version=expected_version(if_match))
    return Status(204, None)


@router.get(
    "/quotes/{int:quote_id}/route", response={200: RouteOut, **READ_ERRORS}, tags=QUOTES, summary="Who would approve"
)
def quote_route(request: HttpRequest, quote_id: int) -> object:
    """The approval route the quote would take and why ("此报价需总裁助理审批：最低折扣 4.8折…")."""
    user = _user(request)
    return selectors.route_preview(user=user, quote=selectors.quote_get(user=user, pk=quote_id))


def _quote_action(request: HttpRequest, quote_id: int, response: HttpResponse, run: Any) -> Quote:
    user = _user(request)
    quote = selectors.quote_get(user=user, pk=quote_id, action="edit")
    result = run(user, quote)
    return _detail(request, result if isinstance(result, Quote) else quote, response)


@router.post(
    "/quotes/{int:quote_id}/submit",
    response={200: QuoteDetailOut, **WRITE_ERRORS},
    tags=QUOTES,
    summary="Submit for approval",
)
def quote_submit(request: HttpRequest, quote_id: int, response: HttpResponse) -> object:
    """A draft goes into approval (an agent's quote as a special-price request) and is locked meanwhile."""
    return _quote_action(request, quote_id, response, lambda u, q: services.quote_submit(actor=u, quote=q))


@router.post(
    "/quotes/{int:quote_id}/revise",
    response={201: QuoteDetailOut, **WRITE_ERRORS},
    tags=QUOTES,
    summary="Revise into a new version",
)
def quote_revise(request: HttpRequest, quote_id: int, response: HttpResponse) -> object:
    """Copies the quote into revision + 1 (a draft); the old version is kept, superseded."""
    return Status(201, _quote_action(request, quote_id, response, lambda u, q: services.quote_revise(actor=u, quote=q)))


@router.post(
    "/quotes/{int:quote_id}/send", response={200: QuoteDetailOut, **WRITE_ERRORS}, tags=QUOTES, summary="E-mail the PDF"
)
def quote_send(request: HttpRequest, quote_id: int, payload: QuoteSendIn, response: HttpResponse) -> object:
    """Only an approved quote; it is marked sent and e-mailed (PDF attached) after commit."""
    return _quote_action(
        request,
        quote_id,
        response,
        lambda u, q: services.quote_send(actor=u, quote=q, to=payload.to, message=payload.message),
    )


@router.post(
    "/quotes/{int:quote_id}/accept",
    response={200: QuoteDetailOut, **WRITE_ERRORS},
    tags=QUOTES,
    summary="The customer accepted",
)
def quote_accept(request: HttpRequest, quote_id: int, payload: AnswerIn, response: HttpResponse) -> object:
    return _quote_action(
        request,
        quote_id,
        response,
        lambda u, q: services.quote_record_answer(actor=u, quote=q, accepted=True, note=payload.note),
    )


@router.post(
    "/quotes/{int:quote_id}/reject",
    response={200: QuoteDetailOut, **WRITE_ERRORS},
    tags=QUOTES,
    summary="The customer rejected",
)
def quote_reject(request: HttpRequest, quote_id: int, payload: AnswerIn, response: HttpResponse) -> object:
    return _quote_action(
        request,
        quote_id,
        response,
        lambda u, q: services.quote_record_answer(actor=u, quote=q, accepted=False, note=payload.note),
    )


@router.get(
    "/quotes/{int:quote_id}/pdf",
    response={200: None, **error_responses(401, 403, 404, 409)},
    tags=QUOTES,
    summary="Print-ready PDF",
)
def quote_pdf(request: HttpRequest, quote_id: int) -> HttpResponse:
    """application/pdf of an approved, sent or accepted quote (409 otherwise); audited as an export."""
    user = _user(request)
    content, name = services.quote_pdf(actor=user, quote=selectors.quote_get(user=user, pk=quote_id))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- contracts -------------------------------------------------------------------------------
def _contract_data(customer: Customer | None, data: dict[str, Any]) -> dict[str, Any]:
    from guanxi.customers.models import Contact

    if "contact_id" in data:
        pk = data.pop("contact_id")
        qs = Contact.objects.filter(customer=customer) if customer else Contact.objects.none()
        data["contact"] = _one(qs, pk, "contact_id") if pk else None
    for key in ("terms", "note"):
        if key in data and data[key] is None:
            data[key] = ""
    return {k: v for k, v in data.items() if v is not None or k in ("contact", "starts_on", "ends_on")}


def _contract_detail(request: HttpRequest, contract: Contract, response: HttpResponse) -> Contract:
    contract = selectors.contract_get(user=_user(request), pk=contract.pk)
    set_etag(response, contract)
    return contract


@router.get("/contracts", response={200: ContractPage, **LIST_ERRORS}, tags=CONTRACTS, summary="List contracts")
def contract_list(request: HttpRequest, filters: Query[ContractFilters], page: Query[PageParams]) -> object:
    return paginate(selectors.contract_list(user=_user(request), filters=filters.dict(exclude_none=True)), page)


@router.get(
    "/contracts/{int:contract_id}",
    response={200: ContractDetailOut, **READ_ERRORS},
    tags=CONTRACTS,
    summary="Get a contract",
)
def contract_get(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    contract = selectors.contract_get(user=_user(request), pk=contract_id)
    set_etag(response, contract)
    return contract


@router.post("/contracts", response={201: ContractDetailOut, **WRITE_ERRORS}, tags=CONTRACTS, summary="Create")
@idempotent
def contract_create(request: HttpRequest, payload: ContractIn, response: HttpResponse) -> object:
    """From `quote_id` (approved/accepted), `opportunity_id`, or `customer_id` + `amount`; numbered from the
    contract sequence."""
    user = _user(request)
    data = payload.dict(exclude_unset=True)
    source = services.contract_source_choose(
        actor=user,
        quote_id=data.pop("quote_id", None),
        opportunity_id=data.pop("opportunity_id", None),
        customer_id=data.pop("customer_id", None),
    )
    contract = services.contract_create(
        actor=user,
        customer=source.customer,
        data=_contract_data(source.customer, data),
        quote=source.quote,
        opportunity=source.opportunity,
    )
    return Status(201, _contract_detail(request, contract, response))


@router.patch(
    "/contracts/{int:contract_id}",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Update a draft contract",
)
def contract_update(
    request: HttpRequest,
    contract_id: int,
    payload: ContractPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    user = _user(request)
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    contract = selectors.contract_get(user=user, pk=contract_id, action="edit")
    services.contract_update(
        actor=user, contract=contract, data=_contract_data(contract.customer, data), expected_version=version
    )
    return _contract_detail(request, contract, response)


def _contract_action(request: HttpRequest, contract_id: int, response: HttpResponse, run: Any) -> Contract:
    user = _user(request)
    contract = selectors.contract_get(user=user, pk=contract_id, action="edit")
    run(user, contract)
    return _contract_detail(request, contract, response)


@router.post(
    "/contracts/{int:contract_id}/submit",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Submit for approval",
)
def contract_submit(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    """≤ 200,000, above 4.5折 and standard template → the department manager; otherwise countersign."""
    return _contract_action(request, contract_id, response, lambda u, c: services.contract_submit(actor=u, contract=c))


@router.post(
    "/contracts/{int:contract_id}/sign",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Mark signed",
)
def contract_sign(request: HttpRequest, contract_id: int, payload: SignIn, response: HttpResponse) -> object:
    """An approved contract is signed on a date; its open opportunity is closed as won."""
    return _contract_action(
        request,
        contract_id,
        response,
        lambda u, c: services.contract_sign(
            actor=u, contract=c, signed_on=payload.signed_on, expected_version=payload.version
        ),
    )


@router.post(
    "/contracts/{int:contract_id}/terminate",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Terminate",
)
def contract_terminate(request: HttpRequest, contract_id: int, payload: TerminateIn, response: HttpResponse) -> object:
    return _contract_action(
        request,
        contract_id,
        response,
        lambda u, c: services.contract_terminate(actor=u, contract=c, reason=payload.reason),
    )


@router.post(
    "/contracts/{int:contract_id}/execute",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Start execution",
)
def contract_execute(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    return _contract_action(
        request, contract_id, response, lambda u, c: services.contract_start_execution(actor=u, contract=c)
    )


@router.post(
    "/contracts/{int:contract_id}/complete",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Complete",
)
def contract_complete(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    return _contract_action(
        request, contract_id, response, lambda u, c: services.contract_complete(actor=u, contract=c)
    )


# --- execution orders ------------------------------------------------------------------------
@router.get(
    "/execution-orders", response={200: ExecutionOrderPage, **LIST_ERRORS}, tags=ORDERS, summary="List execution orders"
)
def execution_order_list(request: HttpRequest, filters: Query[OrderFilters], page: Query[PageParams]) -> object:
    return paginate(selectors.execution_order_list(user=_user(request), filters=filters.dict(exclude_none=True)), page)


@router.get(
    "/execution-orders/{int:order_id}",
    response={200: ExecutionOrderDetailOut, **READ_ERRORS},
    tags=ORDERS,
    summary="Get an execution order",
)
def execution_order_get(request: HttpRequest, order_id: int, response: HttpResponse) -> object:
    order = selectors.execution_order_get(user=_user(request), pk=order_id)
    set_etag(response, order)
    return order


@router.post(
    "/execution-orders",
    response={201: ExecutionOrderDetailOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Create an execution order",
)
@idempotent
def execution_order_create(request: HttpRequest, payload: ExecutionOrderIn) -> object:
    """A draft for an approved or signed contract (orders.create); issue it or submit it for approval next."""
    user = _user(request)
    contract = selectors.contract_get(user=user, pk=payload.contract_id)
    people: dict[str, Any] = {}
    for key, field in (
        ("shipping_users", "shipping_user_ids"),
        ("collection_users", "collection_user_ids"),
        ("implementation_users", "implementation_user_ids"),
    ):
        ids = getattr(payload, field)
        if ids is not None:
            people[key] = users_by_ids(user=user, ids=ids, field=field)
    lines = _lines(user, payload.lines) if payload.lines is not None else None
    order = services.execution_order_create(
        actor=user,
        contract=contract,
        lines=lines,
        people=people,
        data={"delivery_address": payload.delivery_address, "required_by": payload.required_by, "note": payload.note},
    )
    return Status(201, selectors.execution_order_get(user=user, pk=order.pk))


def _order_action(request: HttpRequest, order_id: int, run: Any) -> ExecutionOrder:
    user = _user(request)
    order = selectors.execution_order_get(user=user, pk=order_id, action="edit")
    run(user, order)
    return selectors.execution_order_get(user=user, pk=order_id)


@router.post(
    "/execution-orders/{int:order_id}/issue",
    response={200: ExecutionOrderDetailOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Issue and notify",
)
def execution_order_issue(request: HttpRequest, order_id: int) -> object:
    return _order_action(request, order_id, lambda u, o: services.execution_order_issue(actor=u, order=o))


@router.post(
    "/execution-orders/{int:order_id}/submit",
    response={200: ExecutionOrderDetailOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Submit for approval",
)
def execution_order_submit(request: HttpRequest, order_id: int) -> object:
    """Routes through the "execution_order" approval; the order is issued when approved."""
    return _order_action(request, order_id, lambda u, o: services.execution_order_submit(actor=u, order=o))


@router.post(
    "/execution-orders/{int:order_id}/close",
    response={200: ExecutionOrderDetailOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Close",
)
def execution_order_close(request: HttpRequest, order_id: int) -> object:
    return _order_action(request, order_id, lambda u, o: services.execution_order_close(actor=u, order=o))


@router.post(
    "/execution-orders/{int:order_id}/shipments",
    response={201: ShipmentOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Record a shipment",
)
@idempotent
def shipment_create(request: HttpRequest, order_id: int, payload: ShipmentIn) -> object:
    """Shipped quantity per order line; never more than is left to ship (400 on `lines`)."""
    user = _user(request)
    order = selectors.execution_order_get(user=user, pk=order_id, action="edit")
    quantities: dict[int, Any] = {}
    for ln in payload.lines:
        quantities[ln.order_line_id] = quantities.get(ln.order_line_id, 0) + ln.quantity
    shipment = services.shipment_record(
        actor=user,
        order=order,
        shipped_on=payload.shipped_on,
        quantities=quantities,
        carrier=payload.carrier,
        note=payload.note,
    )
    return Status(201, shipment)


# --- implementation orders -------------------------------------------------------------------
@router.get(
    "/implementation-orders",
    response={200: ImplementationOrderPage, **LIST_ERRORS},
    tags=ORDERS,
    summary="List implementation orders",
)
def implementation_order_list(request: HttpRequest, filters: Query[OrderFilters], page: Query[PageParams]) -> object:
    """Business staff see them by data scope; implementation staff the ones they work on or their department's."""
    params = filters.dict(exclude_none=True)
    return paginate(selectors.implementation_order_list(user=_user(request), filters=params), page)


@router.get(
    "/implementation-orders/{int:order_id}",
    response={200: ImplementationOrderDetailOut, **READ_ERRORS},
    tags=ORDERS,
    summary="Get an implementation order",
)
def implementation_order_get(request: HttpRequest, order_id: int, response: HttpResponse) -> object:
    order = selectors.implementation_order_get(user=_user(request), pk=order_id)
    set_etag(response, order)
    return order


@router.post(
    "/implementation-orders",
    response={201: ImplementationOrderDetailOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Create an implementation order",
)
@idempotent
def implementation_order_create(request: HttpRequest, payload: ImplementationOrderIn) -> object:
    """Items become tasks of their assignees; the implementation department is notified."""
    user = _user(request)
    contract = selectors.contract_get(user=user, pk=payload.contract_id)
    assignees = {u.pk: u for u in users_by_ids(user=user, ids=[i.assignee_id for i in payload.items], field="items")}
    items = [{"title": i.title, "assignee": assignees[i.assignee_id], "due_on": i.due_on} for i in payload.items]
    order = services.implementation_order_create(
        actor=user,
        contract=contract,
        items=items,
        data={"title": payload.title, "starts_on": payload.starts_on, "due_on": payload.due_on, "note": payload.note},
    )
    return Status(201, selectors.implementation_order_get(user=user, pk=order.pk))


@router.post(
    "/implementation-orders/{int:order_id}/status",
    response={200: ImplementationOrderDetailOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Change status",
)
def implementation_order_status(request: HttpRequest, order_id: int, payload: ImplementationStatusIn) -> object:
    user = _user(request)
    order = selectors.implementation_order_get(user=user, pk=order_id, action="edit")
    services.implementation_order_set_status(actor=user, order=order, status=payload.status)
    return selectors.implementation_order_get(user=user, pk=order_id)


# --- settings (administrators) ---------------------------------------------------------------
NUMBERED = ("quote", "contract", "execution_order", "implementation_order")


@router.get("/commerce/settings", response={200: CommerceSettingsOut, **READ_ERRORS}, tags=PRODUCTS,
            summary="Commerce settings")  # fmt: skip
def commerce_settings_get(request: HttpRequest) -> object:
    from guanxi.org.policies import require_permission

    require_permission(_user(request), "products.admin")
    return selectors.commerce_policy()


@router.patch("/commerce/settings", response={200: CommerceSettingsOut, **WRITE_ERRORS}, tags=PRODUCTS,
              summary="Change commerce settings")  # fmt: skip
def commerce_settings_update(request: HttpRequest, payload: CommerceSettingsPatch) -> object:
    """Quote validity, the special-price rule (follow-up within N days, required customer fields), PDF header."""
    return services.commerce_policy_update(actor=_user(request), data=payload.dict(exclude_unset=True))


def _numbering(kind: str) -> dict[str, str]:
    from guanxi.core.numbering import number_preview, sequence_for

    return {"kind": kind, "pattern": sequence_for(kind).pattern, "next_number": number_preview(kind)}


@router.get("/commerce/numbering", response={200: list[NumberingOut], **READ_ERRORS}, tags=PRODUCTS,
            summary="Document numbering")  # fmt: skip
def numbering_list(request: HttpRequest) -> object:
    from guanxi.org.policies import require_permission

    require_permission(_user(request), "org.admin")
    return [_numbering(kind) for kind in NUMBERED]


@router.put("/commerce/numbering/{kind}", response={200: NumberingOut, **WRITE_ERRORS}, tags=PRODUCTS,
            summary="Change a numbering pattern")  # fmt: skip
def numbering_update(request: HttpRequest, kind: str, payload: NumberingIn) -> object:
    """org.admin. Tokens {yyyy} {yy} {mm} {dd} and one {seq} / {seq:05}; the counter restarts when the date part
    of the pattern changes."""
    from guanxi.core.numbering import number_sequence_update
    from guanxi.org.policies import require_permission

    user = _user(request)
    require_permission(user, "org.admin")
    if kind not in NUMBERED:
        raise _unknown("kind")
    number_sequence_update(actor=user, kind=kind, pattern=payload.pattern)
    return _numbering(kind)
