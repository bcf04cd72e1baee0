"""REST endpoints of sales execution orders (with shipments) and implementation orders."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    PageParams,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.org.current import current_user
from guanxi.org.selectors import users_by_ids

from .. import selectors, services
from ..models import ExecutionOrder
from ..schemas.orders import (
    ExecutionOrderDetailOut,
    ExecutionOrderIn,
    ExecutionOrderPage,
    ImplementationOrderDetailOut,
    ImplementationOrderIn,
    ImplementationOrderPage,
    ImplementationStatusIn,
    OrderFilters,
    ShipmentIn,
    ShipmentOut,
)
from ._common import (
    ORDERS,
    line_inputs,
    router,
)


# --- execution orders ------------------------------------------------------------------------
@router.get(
    "/execution-orders", response={200: ExecutionOrderPage, **LIST_ERRORS}, tags=ORDERS, summary="List execution orders"
)
def execution_order_list(request: HttpRequest, filters: Query[OrderFilters], page: Query[PageParams]) -> object:
    return paginate(
        selectors.execution_order_list(user=current_user(request), filters=filters.dict(exclude_none=True)), page
    )


@router.get(
    "/execution-orders/{int:order_id}",
    response={200: ExecutionOrderDetailOut, **READ_ERRORS},
    tags=ORDERS,
    summary="Get an execution order",
)
def execution_order_get(request: HttpRequest, order_id: int, response: HttpResponse) -> object:
    order = selectors.execution_order_get(user=current_user(request), pk=order_id)
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
    user = current_user(request)
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
    lines = line_inputs(user, payload.lines) if payload.lines is not None else None
    order = services.execution_order_create(
        actor=user,
        contract=contract,
        lines=lines,
        people=people,
        data={"delivery_address": payload.delivery_address, "required_by": payload.required_by, "note": payload.note},
    )
    return Status(201, selectors.execution_order_get(user=user, pk=order.pk))


def _order_action(request: HttpRequest, order_id: int, run: Any) -> ExecutionOrder:
    user = current_user(request)
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
    user = current_user(request)
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
    return paginate(selectors.implementation_order_list(user=current_user(request), filters=params), page)


@router.get(
    "/implementation-orders/{int:order_id}",
    response={200: ImplementationOrderDetailOut, **READ_ERRORS},
    tags=ORDERS,
    summary="Get an implementation order",
)
def implementation_order_get(request: HttpRequest, order_id: int, response: HttpResponse) -> object:
    order = selectors.implementation_order_detail(user=current_user(request), pk=order_id)
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
    user = current_user(request)
    contract = selectors.contract_get(user=user, pk=payload.contract_id)
    assignees = {u.pk: u for u in users_by_ids(user=user, ids=[i.assignee_id for i in payload.items], field="items")}
    items = [{"title": i.title, "assignee": assignees[i.assignee_id], "due_on": i.due_on} for i in payload.items]
    order = services.implementation_order_create(
        actor=user,
        contract=contract,
        items=items,
        data={"title": payload.title, "starts_on": payload.starts_on, "due_on": payload.due_on, "note": payload.note},
    )
    return Status(201, selectors.implementation_order_detail(user=user, pk=order.pk))


@router.post(
    "/implementation-orders/{int:order_id}/status",
    response={200: ImplementationOrderDetailOut, **WRITE_ERRORS},
    tags=ORDERS,
    summary="Change status",
)
def implementation_order_status(request: HttpRequest, order_id: int, payload: ImplementationStatusIn) -> object:
    user = current_user(request)
    order = selectors.implementation_order_get(user=user, pk=order_id, action="edit")
    services.implementation_order_set_status(actor=user, order=order, status=payload.status)
    return selectors.implementation_order_detail(user=user, pk=order_id)
