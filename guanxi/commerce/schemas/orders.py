"""API schemas of execution orders (with shipments) and implementation orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId
from guanxi.org.schemas import UserRef

from .common import (
    ImplStatus,
    NumberRef,
    OrderStatus,
    Quantity,
    Ref,
)


# --- orders ----------------------------------------------------------------------------------
class OrderLineOut(Schema):
    id: int
    position: int
    product: Ref
    description: str
    unit: str
    quantity: Decimal
    shipped_quantity: Decimal


class ShipmentLineOut(Schema):
    order_line_id: int
    quantity: Decimal


class ShipmentOut(Schema):
    id: int
    shipped_on: dt.date
    carrier: str
    note: str
    lines: list[ShipmentLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class ExecutionOrderOut(Schema):
    id: int
    version: int
    number: str
    contract: NumberRef
    customer: Ref
    owner: UserRef
    status: str = Field(..., description="draft, in_approval, open, partially_shipped, shipped, closed.")
    delivery_address: str
    required_by: dt.date | None
    issued_at: dt.datetime | None
    created_at: dt.datetime


class ExecutionOrderDetailOut(ExecutionOrderOut):
    note: str
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]
    shipping_users: list[UserRef]
    collection_users: list[UserRef]
    implementation_users: list[UserRef]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("product"))

    @staticmethod
    def resolve_shipments(obj: Any) -> list[Any]:
        return list(obj.shipments.prefetch_related("lines"))

    @staticmethod
    def resolve_shipping_users(obj: Any) -> list[Any]:
        return list(obj.shipping_users.all())

    @staticmethod
    def resolve_collection_users(obj: Any) -> list[Any]:
        return list(obj.collection_users.all())

    @staticmethod
    def resolve_implementation_users(obj: Any) -> list[Any]:
        return list(obj.implementation_users.all())


class ExecutionOrderPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[ExecutionOrderOut]
    limit: int
    offset: int


class OrderFilters(Schema):
    status: OrderStatus | None = None
    customer: ObjectId | None = None
    contract: ObjectId | None = None
    q: str | None = Field(None, max_length=100)


class OrderLineIn(InputSchema):
    product_id: ObjectId
    quantity: Quantity
    description: str | None = Field(None, max_length=300)


class ExecutionOrderIn(InputSchema):
    contract_id: ObjectId = Field(..., description="An approved or signed contract.")
    lines: list[OrderLineIn] | None = Field(None, max_length=200, description="Default: the quote's lines.")
    shipping_user_ids: list[ObjectId] | None = Field(None, max_length=50, description="Default: business managers.")
    collection_user_ids: list[ObjectId] | None = Field(None, max_length=50, description="Default: finance.")
    implementation_user_ids: list[ObjectId] | None = Field(None, max_length=50, description="Default: implementation.")
    delivery_address: str = Field("", max_length=300)
    required_by: dt.date | None = None
    note: str = Field("", max_length=5000)


class ShipmentLineIn(InputSchema):
    order_line_id: ObjectId
    quantity: Quantity


class ShipmentIn(InputSchema):
    shipped_on: dt.date
    lines: list[ShipmentLineIn] = Field(..., min_length=1, max_length=200)
    carrier: str = Field("", max_length=200)
    note: str = Field("", max_length=300)


class ImplementationItemOut(Schema):
    position: int
    title: str
    assignee: UserRef
    due_on: dt.date
    task_id: int | None
    done: bool


class ImplementationOrderOut(Schema):
    id: int
    version: int
    number: str
    title: str
    contract: NumberRef
    customer: Ref
    owner: UserRef
    implementation_department: Ref | None
    status: str = Field(..., description="open, completed, cancelled.")
    starts_on: dt.date | None
    due_on: dt.date | None
    created_at: dt.datetime


class ImplementationOrderDetailOut(ImplementationOrderOut):
    note: str
    items: list[ImplementationItemOut]
    progress: int = Field(..., description="Percent of items whose task is done.")
    payment_milestones: list[dict[str, Any]] | None = Field(
        None, description="From billing, when installed: [{due_date, amount, paid (amount collected)}]."
    )

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(obj.items.select_related("assignee", "task"))


class ImplementationOrderPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[ImplementationOrderOut]
    limit: int
    offset: int


class ImplementationItemIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    assignee_id: ObjectId
    due_on: dt.date


class ImplementationOrderIn(InputSchema):
    contract_id: ObjectId
    title: str = Field("", max_length=200)
    items: list[ImplementationItemIn] = Field(..., min_length=1, max_length=100)
    starts_on: dt.date | None = None
    due_on: dt.date | None = None
    note: str = Field("", max_length=5000)


class ImplementationStatusIn(InputSchema):
    status: ImplStatus
