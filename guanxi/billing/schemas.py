"""API schemas of billing: separate In and Out schemas. Money is a decimal string with two places and a
currency code beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import PlainSerializer

from guanxi.core.api import CountIsExact, InputSchema, ObjectId, Version
from guanxi.core.dictionaries.selectors import api_code
from guanxi.core.files import download_url
from guanxi.core.money import AMOUNT_DIGITS, AMOUNT_MAX, to_cent
from guanxi.org.schemas import UserRef

from .models import ExpenseClaim, Invoice

Amount = Annotated[Decimal, Field(gt=0, lt=AMOUNT_MAX, max_digits=AMOUNT_DIGITS, decimal_places=2)]
Text = Annotated[str, Field(max_length=300)]
# Output money: always two decimals ("100000.00"), whatever the database hands back.
Money = Annotated[Decimal, PlainSerializer(lambda v: f"{to_cent(v):.2f}", return_type=str)]
InvoiceKind = Literal[tuple(Invoice.Kind.values)]  # type: ignore[valid-type]
InvoiceStatus = Literal[tuple(Invoice.Status.values)]  # type: ignore[valid-type]
PaymentMethod = api_code("payment_method")
ClaimStatus = Literal[tuple(ExpenseClaim.Status.values)]  # type: ignore[valid-type]
Category = api_code("expense_category")


class Ref(Schema):
    id: int
    name: str


class ContractRef(Schema):
    id: int
    number: str
    title: str


# --- payment plan ----------------------------------------------------------------------------
class InstalmentOut(Schema):
    id: int
    sequence: int
    due_date: dt.date
    amount: Money
    paid: Money
    remaining: Money
    currency: str
    note: str


class PaymentPlanOut(Schema):
    contract_id: int
    contract_amount: Money
    currency: str
    version: int = Field(..., description="Send it back in If-Match to refuse overwriting a newer plan.")
    total: Money
    balance_due: Money
    instalments: list[InstalmentOut]


class InstalmentIn(InputSchema):
    id: ObjectId | None = Field(None, description="An existing instalment to keep (omit for a new one).")
    due_date: dt.date
    amount: Amount
    note: Text = ""


class PaymentPlanIn(InputSchema):
    instalments: list[InstalmentIn] = Field(..., max_length=120)
    version: Version | None = None


class PaymentPlanGenerateIn(InputSchema):
    first_due_date: dt.date
    count: Annotated[int, Field(ge=1, le=120)] | None = Field(None, description="N equal instalments…")
    percents: list[Annotated[Decimal, Field(gt=0, le=100)]] | None = Field(
        None, max_length=120, description="…or a split by percentages adding up to 100, e.g. [30, 60, 10]."
    )
    months_between: Annotated[int, Field(ge=0, le=24)] = 1


# --- invoices --------------------------------------------------------------------------------
class InvoiceOut(Schema):
    id: int
    version: int
    contract: ContractRef
    customer: Ref
    number: str
    issued_on: dt.date
    kind: str
    amount: Money
    currency: str
    tax_rate: Decimal
    tax_amount: Money
    net_amount: Money
    buyer_title: str
    buyer_tax_id: str
    status: str
    void_reason: str
    note: str

    @staticmethod
    def resolve_customer(obj: Any) -> Any:
        return obj.contract.customer


class InvoicePage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[InvoiceOut]


class InvoiceIn(InputSchema):
    contract_id: ObjectId
    number: Annotated[str, Field(min_length=1, max_length=40)]
    issued_on: dt.date | None = None
    kind: InvoiceKind = "ordinary"
    amount: Amount = Field(..., description="Total including tax (价税合计).")
    tax_rate: Annotated[Decimal, Field(ge=0, le=Decimal("0.5"), decimal_places=4)] = Decimal("0.13")
    buyer_title: Annotated[str, Field(max_length=200)] = ""
    buyer_tax_id: Annotated[str, Field(max_length=30)] = ""
    note: Text = ""


class MoneyAskIn(InputSchema):
    note: str = Field("", max_length=300)


class MoneyRecordersOut(Schema):
    plan: list[UserRef] = Field(..., description="Who records the payment plan (payments.edit on the contract).")
    payments: list[UserRef] = Field(..., description="Who records payments (payments.create on the contract).")


class MoneyAskOut(Schema):
    notified: list[UserRef]


class ReasonIn(InputSchema):
    reason: Annotated[str, Field(min_length=1, max_length=300)]
    version: Version | None = None


class InvoiceFilters(Schema):
    contract: ObjectId | None = None
    customer: ObjectId | None = None
    status: InvoiceStatus | None = None
    q: Annotated[str, Field(max_length=100)] | None = None


# --- payments --------------------------------------------------------------------------------
class AllocationOut(Schema):
    instalment_id: int
    sequence: int
    amount: Money

    @staticmethod
    def resolve_sequence(obj: Any) -> int:
        return obj.instalment.sequence


class PaymentOut(Schema):
    id: int
    contract: ContractRef
    received_on: dt.date
    amount: Money
    currency: str
    method: str
    account: str
    handler: UserRef | None
    note: str
    reversal_of_id: int | None
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocations.all())


class PaymentPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[PaymentOut]


class AllocationIn(InputSchema):
    instalment_id: ObjectId
    amount: Amount


class PaymentIn(InputSchema):
    contract_id: ObjectId
    amount: Amount
    received_on: dt.date | None = None
    method: PaymentMethod = "bank_transfer"
    account: Annotated[str, Field(max_length=100)] = ""
    handler_id: ObjectId | None = None
    note: Text = ""
    allocations: list[AllocationIn] | None = Field(
        None, max_length=120, description="Split by hand; omitted: the oldest due instalment first."
    )


class PaymentFilters(Schema):
    contract: ObjectId | None = None
    customer: ObjectId | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


# --- receivables -----------------------------------------------------------------------------
class ReceivableFilters(Schema):
    group: Literal["contract", "customer", "owner", "department"] = "contract"
    q: Annotated[str, Field(max_length=100)] | None = None
    customer: ObjectId | None = None
    owner: ObjectId | None = None
    department: ObjectId | None = None
    all: bool = Field(False, description="Include settled contracts.")
    overdue: bool = Field(False, description="Only contracts with overdue instalments.")


class ReceivableRow(Schema):
    key: int | None = Field(None, description="Contract, customer, user or department id.")
    name: str
    contracts: int
    amount: Money
    invoiced: Money
    collected: Money
    balance_due: Money
    overdue: Money


class ReceivablesOut(Schema):
    group: str
    rows: list[ReceivableRow]
    total: ReceivableRow


class AgeingParams(Schema):
    group: Literal["customer", "owner", "department"] = "customer"
    # The buckets reach 90 days back: a day near year 1 would fall off the calendar.
    as_of: dt.date | None = Field(None, ge=dt.date(1900, 1, 1), description="The day to age from (default today).")


class AgeingRow(Schema):
    key: int | None
    name: str
    not_due: Money
    d0_30: Money
    d31_60: Money
    d61_90: Money
    d90_plus: Money
    total: Money


class AgeingOut(Schema):
    group: str
    as_of: dt.date
    rows: list[AgeingRow]
    totals: dict[str, Money]


class StatementParams(Schema):
    month: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")] | None = Field(
        None, description="YYYY-MM (default this month)."
    )


class StatementRow(Schema):
    customer_id: int
    customer: str
    opening: Money
    invoiced: Money
    collected: Money
    closing: Money


class StatementOut(Schema):
    month: str
    rows: list[StatementRow]
    totals: dict[str, Money]


# --- expense claims --------------------------------------------------------------------------
class ExpenseLineOut(Schema):
    position: int
    category: str
    spent_on: dt.date
    amount: Money
    note: str
    receipt_url: str | None = Field(None, description="Download link of the receipt (for whoever may see the claim).")

    @staticmethod
    def resolve_receipt_url(obj: Any) -> str | None:
        return download_url(obj, "receipt") or None


class ExpenseClaimOut(Schema):
    id: int
    version: int
    title: str
    claimant: UserRef
    customer: Ref
    follow_up_id: int | None
    opportunity_id: int | None
    purpose: str
    amount: Money
    currency: str
    status: str
    submitted_at: dt.datetime | None
    paid_at: dt.datetime | None
    payment_reference: str
    lines: list[ExpenseLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class ExpenseClaimPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[ExpenseClaimOut]


class ExpenseLineIn(InputSchema):
    category: Category = "other"
    spent_on: dt.date
    amount: Amount
    note: Text = ""


class ExpenseClaimIn(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    customer_id: ObjectId
    follow_up_id: ObjectId | None = None
    opportunity_id: ObjectId | None = None
    purpose: Annotated[str, Field(max_length=5000)] = ""
    lines: list[ExpenseLineIn] = Field(..., min_length=1, max_length=100)


class ExpenseClaimPatch(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    customer_id: ObjectId | None = None
    follow_up_id: ObjectId | None = None
    opportunity_id: ObjectId | None = None
    purpose: Annotated[str, Field(max_length=5000)] | None = None
    lines: list[ExpenseLineIn] | None = Field(None, min_length=1, max_length=100)
    version: Version | None = None


class ExpenseFilters(Schema):
    status: ClaimStatus | None = None
    mine: bool = False
    q: Annotated[str, Field(max_length=100)] | None = None


class MarkPaidIn(InputSchema):
    reference: Annotated[str, Field(max_length=100)] = ""


class ReminderPolicyOut(Schema):
    first_overdue_days: int
    second_overdue_days: int
    remind_on_due_date: bool


class ReminderPolicyIn(InputSchema):
    first_overdue_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    second_overdue_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    remind_on_due_date: bool | None = None
