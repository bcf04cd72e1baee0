"""REST endpoints of the catalogue (products, product lines, price books) and the commerce settings and
numbering (administrators)."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    expected_version,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.org.current import current_user

from .. import selectors, services
from ..schemas.products import (
    CommerceSettingsOut,
    CommerceSettingsPatch,
    NumberingIn,
    NumberingOut,
    PriceBookIn,
    PriceBookOut,
    ProductFilters,
    ProductIn,
    ProductLineOut,
    ProductOut,
    ProductPage,
    ProductPatch,
)
from ._common import (
    PRODUCTS,
    one_of,
    products_by_id,
    router,
    unknown_id,
)


# --- catalogue -------------------------------------------------------------------------------
def _product_data(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "line_id" in data:
        pk = data.pop("line_id")
        data["line"] = one_of(selectors.product_lines(user=user), pk, "line_id") if pk else None
    for key in ("description",):
        if key in data and data[key] is None:
            data[key] = ""
    return data


@router.get("/products", response={200: ProductPage, **LIST_ERRORS}, tags=PRODUCTS, summary="List products")
def product_list(request: HttpRequest, filters: Query[ProductFilters], page: Query[PageParams]) -> object:
    """The catalogue (products.view), filtered by text, product line and active flag."""
    return paginate(selectors.product_list(user=current_user(request), filters=filters.dict(exclude_none=True)), page)


@router.get("/products/{int:product_id}", response={200: ProductOut, **READ_ERRORS}, tags=PRODUCTS, summary="Get")
def product_get(request: HttpRequest, product_id: int, response: HttpResponse) -> object:
    product = selectors.product_get(user=current_user(request), pk=product_id)
    set_etag(response, product)
    return product


@router.post("/products", response={201: ProductOut, **WRITE_ERRORS}, tags=PRODUCTS, summary="Create a product")
@idempotent
def product_create(request: HttpRequest, payload: ProductIn, response: HttpResponse) -> object:
    """Needs products.create; the code is unique."""
    user = current_user(request)
    product = services.product_create(actor=user, data=_product_data(user, payload.dict(exclude_unset=True)))
    set_etag(response, product)
    return Status(201, product)


@router.patch(
    "/products/{int:product_id}", response={200: ProductOut, **WRITE_ERRORS}, tags=PRODUCTS, summary="Update a product"
)
def product_update(
    request: HttpRequest, product_id: int, payload: ProductPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    user = current_user(request)
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
    return list(selectors.product_lines(user=current_user(request)))


@router.get("/price-books", response={200: list[PriceBookOut], **READ_ERRORS}, tags=PRODUCTS, summary="Price books")
def price_book_list(request: HttpRequest) -> object:
    return list(selectors.price_books(user=current_user(request)).prefetch_related("entries"))


@router.get(
    "/price-books/{int:book_id}", response={200: PriceBookOut, **READ_ERRORS}, tags=PRODUCTS, summary="Get a price book"
)
def price_book_get(request: HttpRequest, book_id: int) -> object:
    return selectors.price_book_get(user=current_user(request), pk=book_id)


def _save_book(request: HttpRequest, payload: PriceBookIn, book: Any) -> Any:
    from guanxi.org.selectors import partner_org_list

    user = current_user(request)
    products = products_by_id(user, [p.product_id for p in payload.prices])
    partners = None
    if payload.partner_org_ids is not None:
        rows = list(partner_org_list(user=user).filter(pk__in=payload.partner_org_ids))
        if len(rows) != len(set(payload.partner_org_ids)):
            raise unknown_id("partner_org_ids")
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
    book = selectors.price_book_get(user=current_user(request), pk=book_id)
    return _save_book(request, payload, book)


# --- settings (administrators) ---------------------------------------------------------------
NUMBERED = ("quote", "contract", "execution_order", "implementation_order")


@router.get("/commerce/settings", response={200: CommerceSettingsOut, **READ_ERRORS}, tags=PRODUCTS,
            summary="Commerce settings")  # fmt: skip
def commerce_settings_get(request: HttpRequest) -> object:
    from guanxi.org.policies import require_permission

    require_permission(current_user(request), "products.admin")
    return selectors.commerce_policy()


@router.patch("/commerce/settings", response={200: CommerceSettingsOut, **WRITE_ERRORS}, tags=PRODUCTS,
              summary="Change commerce settings")  # fmt: skip
def commerce_settings_update(request: HttpRequest, payload: CommerceSettingsPatch) -> object:
    """Quote validity, the special-price rule (follow-up within N days, required customer fields), PDF header."""
    return services.commerce_policy_update(actor=current_user(request), data=payload.dict(exclude_unset=True))


def _numbering(kind: str) -> dict[str, str]:
    from guanxi.core.numbering import number_preview, sequence_for

    return {"kind": kind, "pattern": sequence_for(kind).pattern, "next_number": number_preview(kind)}


@router.get("/commerce/numbering", response={200: list[NumberingOut], **READ_ERRORS}, tags=PRODUCTS,
            summary="Document numbering")  # fmt: skip
def numbering_list(request: HttpRequest) -> object:
    from guanxi.org.policies import require_permission

    require_permission(current_user(request), "org.admin")
    return [_numbering(kind) for kind in NUMBERED]


@router.put("/commerce/numbering/{kind}", response={200: NumberingOut, **WRITE_ERRORS}, tags=PRODUCTS,
            summary="Change a numbering pattern")  # fmt: skip
def numbering_update(request: HttpRequest, kind: str, payload: NumberingIn) -> object:
    """org.admin. Tokens {yyyy} {yy} {mm} {dd} and one {seq} / {seq:05}; the counter restarts when the date part
    of the pattern changes."""
    from guanxi.core.numbering import number_sequence_update
    from guanxi.org.policies import require_permission

    user = current_user(request)
    require_permission(user, "org.admin")
    if kind not in NUMBERED:
        raise unknown_id("kind")
    number_sequence_update(actor=user, kind=kind, pattern=payload.pattern)
    return _numbering(kind)
