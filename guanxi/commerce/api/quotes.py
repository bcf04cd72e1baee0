"""REST endpoints of quotes (报价): list, read, write, approval route, the customer's answer, PDF."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Status

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
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom

from .. import selectors, services
from ..models import Quote
from ..schemas.quotes import (
    AnswerIn,
    QuoteDetailOut,
    QuoteFilters,
    QuoteIn,
    QuotePage,
    QuotePatch,
    QuoteSendIn,
    RouteOut,
)
from ._common import (
    QUOTES,
    line_inputs,
    one_of,
    router,
)


# --- quotes ----------------------------------------------------------------------------------
def _quote_data(user: Any, customer: Customer, data: dict[str, Any]) -> dict[str, Any]:
    if "contact_id" in data:
        pk = data.pop("contact_id")
        data["contact"] = one_of(selectors.contact_choices(customer=customer), pk, "contact_id") if pk else None
    if "opportunity_id" in data:
        pk = data.pop("opportunity_id")
        opps = selectors.customer_opportunity_choices(user=user, customer=customer)
        data["opportunity"] = one_of(opps, pk, "opportunity_id") if pk else None
    if "price_book_id" in data:
        pk = data.pop("price_book_id")
        data["price_book"] = (
            one_of(selectors.price_books(user=user, for_quoting=True), pk, "price_book_id") if pk else None
        )
    for key in ("terms", "note"):
        if key in data and data[key] is None:
            data[key] = ""
    return {k: v for k, v in data.items() if v is not None or k in ("contact", "opportunity", "price_book")}


def _detail(request: HttpRequest, quote: Quote, response: HttpResponse) -> Quote:
    quote = selectors.quote_detail(user=current_user(request), pk=quote.pk)
    set_etag(response, quote)
    return quote


@router.get("/quotes", response={200: QuotePage, **LIST_ERRORS}, tags=QUOTES, summary="List quotes")
def quote_list(request: HttpRequest, filters: Query[QuoteFilters], page: Query[PageParams]) -> object:
    """The quotes you may see (latest versions; `all_versions` for the superseded ones too)."""
    user = current_user(request)
    qs = selectors.quote_list(user=user, filters=filters.dict(exclude_none=True, exclude={"custom"}))
    return paginate(filter_by_custom(qs, user=user, model_label="commerce.quote", pairs=filters.custom or []), page)


@router.get("/quotes/{int:quote_id}", response={200: QuoteDetailOut, **READ_ERRORS}, tags=QUOTES, summary="Get")
def quote_get(request: HttpRequest, quote_id: int, response: HttpResponse) -> object:
    """One quote with its lines; the ETag header carries its version."""
    quote = selectors.quote_detail(user=current_user(request), pk=quote_id)
    set_etag(response, quote)
    return quote


@router.post("/quotes", response={201: QuoteDetailOut, **WRITE_ERRORS}, tags=QUOTES, summary="Create a quote")
@idempotent
def quote_create(request: HttpRequest, payload: QuoteIn, response: HttpResponse) -> object:
    """A draft for an existing, active customer you may see (400 on `customer_id` otherwise); totals are
    computed from the lines. Send an Idempotency-Key header to make a retry safe."""
    user = current_user(request)
    data = payload.dict(exclude_unset=True)
    customer = selectors.document_customers(user=user).filter(pk=data.pop("customer_id")).first()
    if customer is None:
        msg = _("This customer is not in the system, is in the public pool or is waiting for review.")
        raise ValidationFailed(msg, fields={"customer_id": [msg]})
    lines = line_inputs(user, payload.lines)
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
    user = current_user(request)
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    quote = selectors.quote_get(user=user, pk=quote_id, action="edit")
    lines = line_inputs(user, payload.lines) if payload.lines is not None else None
    data.pop("lines", None)
    services.quote_update(
        actor=user, quote=quote, data=_quote_data(user, quote.customer, data), lines=lines, expected_version=version
    )
    return _detail(request, quote, response)


@router.delete("/quotes/{int:quote_id}", response={204: None, **WRITE_ERRORS}, tags=QUOTES, summary="Delete")
def quote_delete(request: HttpRequest, quote_id: int, if_match: str | None = IfMatch) -> object:
    """A draft, superseded or expired quote goes to the recycle bin."""
    user = current_user(request)
    services.quote_delete(actor=user, quote=Quote(pk=quote_id), expected_version=expected_version(if_match))
    return Status(204, None)


@router.get(
    "/quotes/{int:quote_id}/route", response={200: RouteOut, **READ_ERRORS}, tags=QUOTES, summary="Who would approve"
)
def quote_route(request: HttpRequest, quote_id: int) -> object:
    """The approval route the quote would take and why ("此报价需总裁助理审批：最低折扣 4.8折…")."""
    user = current_user(request)
    return selectors.route_preview(user=user, quote=selectors.quote_get(user=user, pk=quote_id))


def _quote_action(request: HttpRequest, quote_id: int, response: HttpResponse, run: Any) -> Quote:
    user = current_user(request)
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
    user = current_user(request)
    content, name = services.quote_pdf(actor=user, quote=selectors.quote_get(user=user, pk=quote_id))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
