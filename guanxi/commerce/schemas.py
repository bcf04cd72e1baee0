"""API schemas of the commerce app (separate In and Out schemas). Discounts and tax rates are fractions:
0.48 is 4.8折, 0.13 is 13 % VAT. Money is a decimal string with two places and a currency code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from guanxi.approvals.schemas import RequestDetailOut
from guanxi.core.api import InputSchema, ObjectId, Version
from guanxi.core.files import download_url
from guanxi.core.money import AMOUNT_DIGITS, AMOUNT_MAX
from guanxi.org.schemas import UserRef

from .models import Contract, ExecutionOrder, ImplementationOrder, Quote

Amount = Annotated[Decimal, Field(ge=0, lt=AMOUNT_MAX, max_digits=AMOUNT_DIGITS, decimal_places=2)]
Rate = Annotated[Decimal, Field(gt=0, le=1, max_digits=5, decimal_places=4)]
TaxRate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Quantity = Annotated[Decimal, Field(gt=0, lt=Decimal("1e9"), max_digits=11, decimal_places=2)]
QuoteStatus = Literal[tuple(Quote.Status.values)]  # type: ignore[valid-type]
ContractStatus = Literal[tuple(Contract.Status.values)]  # type: ignore[valid-type]
OrderStatus = Literal[tuple(ExecutionOrder.Status.values)]  # type: ignore[valid-type]
ImplStatus = Literal[tuple(ImplementationOrder.Status.values)]  # type: ignore[valid-type]


class Ref(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(getattr(obj, "name", obj))


class NumberRef(Schema):
    id: int
    number: str


# --- catalogue -------------------------------------------------------------------------------
class ProductLineOut(Schema):
    id: int
    code: str
    name: str
    is_active: bool


class ProductOut(Schema):
    id: int
    version: int
    code: str
    name: str
    line: Ref | None
    unit: str
    list_price: Decimal
    currency: str
    tax_rate: Decimal
    description: str
    is_active: bool


class ProductPage(Schema):
    count: int
    items: list[ProductOut]
    limit: int
    offset: int


class ProductFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Code or name contains.")
    line: ObjectId | None = None
    active: bool | None = None


class _ProductFields(InputSchema):
    name: str | None = Field(None, max_length=200)
    line_id: ObjectId | None = None
    unit: str | None = Field(None, max_length=20)
    list_price: Amount | None = None
    tax_rate: TaxRate | None = None
    description: str | None = Field(None, max_length=5000)
    is_active: bool | None = None


class ProductIn(_ProductFields):
    code: str = Field(..., min_length=1, max_length=50)
    name: str = Field(..., min_length=1, max_length=200)
    list_price: Amount


class ProductPatch(_ProductFields):
    code: str | None = Field(None, min_length=1, max_length=50)
    version: Version | None = None


class PriceBookEntryOut(Schema):
    product_id: int
    price: Decimal


class PriceBookOut(Schema):
    id: int
    name: str
    currency: str
    description: str
    is_active: bool
    partner_org_ids: list[int]
    entries: list[PriceBookEntryOut]

    @staticmethod
    def resolve_partner_org_ids(obj: Any) -> list[int]:
        return [p.pk for p in obj.partner_orgs.all()]

    @staticmethod
    def resolve_entries(obj: Any) -> list[Any]:
        return list(obj.entries.all())


class PriceIn(InputSchema):
    product_id: ObjectId
    price: Amount | None = Field(..., description="null removes the product from the book.")


class PriceBookIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=300)
    is_active: bool = True
    partner_org_ids: list[ObjectId] | None = Field(None, max_length=200)
    prices: list[PriceIn] = Field(default_factory=list, max_length=2000)


# --- quotes ----------------------------------------------------------------------------------
class QuoteLineOut(Schema):
    position: int
    product: Ref
    product_code: str
    description: str
    unit: str
    quantity: Decimal
    list_price: Decimal
    discount: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax: Decimal
    total: Decimal

    @staticmethod
    def resolve_product_code(obj: Any) -> str:
        return str(obj.product.code)


class QuoteOut(Schema):
    id: int
    version: int
    number: str
    revision: int
    root_id: int | None
    title: str
    customer: Ref
    contact: Ref | None
    opportunity: Ref | None
    owner: UserRef
    status: str = Field(..., description="draft, in_approval, approved, sent, accepted, rejected, expired, superseded.")
    special_price: bool
    price_book: Ref | None
    currency: str
    quote_date: dt.date
    valid_until: dt.date
    overall_discount: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    list_total: Decimal
    min_discount_rate: Decimal
    sent_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


def _latest_approval(document: Any) -> Any:
    from guanxi.approvals.selectors import approvals_for_document

    return approvals_for_document(document).first()


class QuoteDetailOut(QuoteOut):
    terms: str
    note: str
    lines: list[QuoteLineOut]
    total_in_capitals: str
    approval: RequestDetailOut | None = Field(
        None, description="The latest approval request of this quote (who approves and why, steps, history)."
    )

    @staticmethod
    def resolve_approval(obj: Any) -> Any:
        return _latest_approval(obj)

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("product"))

    @staticmethod
    def resolve_total_in_capitals(obj: Any) -> str:
        from guanxi.core.money import amount_in_chinese_capitals

        return amount_in_chinese_capitals(obj.total)


class QuotePage(Schema):
    count: int
    items: list[QuoteOut]
    limit: int
    offset: int


class QuoteFilters(Schema):
    status: QuoteStatus | None = None
    customer: ObjectId | None = None
    owner: ObjectId | None = None
    opportunity: ObjectId | None = None
    q: str | None = Field(None, max_length=100, description="Number, title or customer name contains.")
    all_versions: bool = Field(False, description="Include superseded versions.")


class QuoteLineIn(InputSchema):
    product_id: ObjectId
    quantity: Quantity
    discount: Rate = Field(Decimal("1"), description="Fraction of the (price book) list price: 0.85 = 8.5折.")
    description: str | None = Field(None, max_length=300, description="Default: the product's name.")


class _QuoteFields(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    contact_id: ObjectId | None = None
    opportunity_id: ObjectId | None = Field(None, description="An opportunity of the same customer.")
    price_book_id: ObjectId | None = Field(None, description="Its prices become the lines' list prices.")
    quote_date: dt.date | None = None
    valid_until: dt.date | None = Field(None, description="Default: quote date + the configured validity.")
    overall_discount: Rate | None = Field(None, description="On top of the line discounts; 1 = none.")
    terms: str | None = Field(None, max_length=5000)
    note: str | None = Field(None, max_length=5000)


class QuoteIn(_QuoteFields):
    customer_id: ObjectId = Field(..., description="An existing, active customer you may see.")
    lines: list[QuoteLineIn] = Field(..., min_length=1, max_length=200)


class QuotePatch(_QuoteFields):
    lines: list[QuoteLineIn] | None = Field(None, min_length=1, max_length=200, description="Replaces all lines.")
    version: Version | None = None


class QuoteSendIn(InputSchema):
    to: str = Field("", max_length=254, description="Default: the quote's contact's e-mail.")
    message: str = Field("", max_length=5000)


class AnswerIn(InputSchema):
    note: str = Field("", max_length=500)


class RouteStepOut(Schema):
    label: str
    mode: str = Field(..., description="any (或签) or all (会签).")
    approvers: list[UserRef]

    @staticmethod
    def resolve_approvers(obj: Any) -> list[Any]:
        return list(obj.users)


class RouteOut(Schema):
    kind: str = Field(..., description="quote or special_price.")
    explanation: str
    steps: list[RouteStepOut]
    error: str = Field("", description="Why it cannot be submitted (no rule, nobody to approve).")
    problems: list[str] = Field(default_factory=list, description="Why a special-price request would be refused.")

    @staticmethod
    def resolve_explanation(obj: Any) -> str:
        return obj["plan"].explanation if obj["plan"] else ""

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj["plan"].steps) if obj["plan"] else []


# --- contracts -------------------------------------------------------------------------------
class ContractOut(Schema):
    id: int
    version: int
    number: str
    title: str
    customer: Ref
    contact: Ref | None
    opportunity: Ref | None
    quote: NumberRef | None
    owner: UserRef
    status: str = Field(..., description="draft, in_approval, approved, signed, in_execution, completed, terminated.")
    amount: Decimal
    currency: str
    min_discount_rate: Decimal
    standard_template: bool
    signed_on: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    has_signed_scan: bool
    terminated_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime

    signed_scan_url: str | None = Field(None, description="Download link of the signed scan (for contract readers).")

    @staticmethod
    def resolve_has_signed_scan(obj: Any) -> bool:
        return bool(obj.signed_scan)

    @staticmethod
    def resolve_signed_scan_url(obj: Any) -> str | None:
        return download_url(obj, "signed_scan") or None


class ContractDetailOut(ContractOut):
    terms: str
    note: str
    amount_in_capitals: str
    balance_due: Decimal | None = Field(
        None,
        description="From the billing app, when installed; null unless the reader may see the contract's payments "
        "(payments.view in scope).",
    )
    approval: RequestDetailOut | None = Field(
        None, description="The latest approval request of this contract (who approves and why, steps, history)."
    )

    @staticmethod
    def resolve_approval(obj: Any) -> Any:
        return _latest_approval(obj)

    @staticmethod
    def resolve_amount_in_capitals(obj: Any) -> str:
        from guanxi.core.money import amount_in_chinese_capitals

        return amount_in_chinese_capitals(obj.amount)

    @staticmethod
    def resolve_balance_due(obj: Any, context: Any) -> Decimal | None:
        from .selectors import contract_balance_due

        return contract_balance_due(user=context["request"].auth, contract=obj)


class ContractPage(Schema):
    count: int
    items: list[ContractOut]
    limit: int
    offset: int


class ContractFilters(Schema):
    status: ContractStatus | None = None
    customer: ObjectId | None = None
    owner: ObjectId | None = None
    opportunity: ObjectId | None = None
    q: str | None = Field(None, max_length=100)


class _ContractFields(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    contact_id: ObjectId | None = None
    amount: Amount | None = None
    min_discount_rate: Rate | None = None
    standard_template: bool | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    terms: str | None = Field(None, max_length=10000)
    note: str | None = Field(None, max_length=10000)


class ContractIn(_ContractFields):
    """One of quote_id (approved or accepted quote: customer, amount and discount are copied),
    opportunity_id, or customer_id (with amount)."""

    quote_id: ObjectId | None = None
    opportunity_id: ObjectId | None = None
    customer_id: ObjectId | None = None


class ContractPatch(_ContractFields):
    version: Version | None = None


class SignIn(InputSchema):
    signed_on: dt.date
    version: Version | None = None


class TerminateIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=300)


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

    @staticmethod
    def resolve_progress(obj: Any) -> int:
        from .selectors import implementation_progress

        return implementation_progress(obj)

    @staticmethod
    def resolve_payment_milestones(obj: Any) -> list[dict[str, Any]] | None:
        from .selectors import contract_payment_plan

        return contract_payment_plan(obj.contract)


class ImplementationOrderPage(Schema):
    count: int
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


# --- settings --------------------------------------------------------------------------------
class CommerceSettingsOut(Schema):
    quote_valid_days: int
    special_price_followup_days: int
    special_price_required_fields: list[str]
    company_name: str
    company_address: str
    company_phone: str


class CommerceSettingsPatch(InputSchema):
    quote_valid_days: int | None = Field(None, ge=1, le=3650)
    special_price_followup_days: int | None = Field(None, ge=1, le=3650)
    special_price_required_fields: list[str] | None = Field(None, max_length=30)
    company_name: str | None = Field(None, min_length=1, max_length=200)
    company_address: str | None = Field(None, max_length=300)
    company_phone: str | None = Field(None, max_length=60)


class NumberingOut(Schema):
    kind: str
    pattern: str
    next_number: str


class NumberingIn(InputSchema):
    pattern: str = Field(
        ..., min_length=1, max_length=60, description="e.g. HT-{yyyy}-{seq:05} or BJ{yyyy}{mm}{dd}-{seq:04}"
    )
