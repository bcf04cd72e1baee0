"""REST endpoints of the finance export (payments.export): the period's voucher lines as JSON, and the same
export as the page's download (CSV or XLSX, layout in docs/billing.md); mounted by billing.api."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from guanxi.core.api import error_responses
from guanxi.org.current import current_user

from . import services
from .selectors.finance import finance_period, finance_vouchers

router = Router(tags=["Finance export"])


class PeriodParams(Schema):
    start: dt.date | None = Field(None, description="First day (default: the first day of last month).")
    end: dt.date | None = Field(None, description="Last day, included (default: the end of the start's month).")


class FinanceExportParams(PeriodParams):
    format: Literal["csv", "xlsx"] = "xlsx"
    part: Literal["vouchers", "receivables"] = Field("vouchers", description="For CSV: which table.")


class VoucherLineOut(Schema):
    date: dt.date
    voucher_word: str
    voucher_no: int
    line_no: int
    summary: str
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    currency: str
    customer_code: str
    customer_name: str
    tax_id: str
    tax_rate: Decimal | None
    tax_amount: Decimal | None
    kind: Literal["invoice", "invoice_void", "payment"]
    reference: str
    contract_number: str


class VouchersOut(Schema):
    start: dt.date
    end: dt.date
    items: list[VoucherLineOut]


@router.get(
    "/finance/vouchers",
    response={200: VouchersOut, **error_responses(400, 401, 403, 422)},
    summary="The period's accounting vouchers",
)
def finance_voucher_list(request: HttpRequest, period: Query[PeriodParams]) -> object:
    """Invoices issued or voided and payments received in the period as voucher lines (debit = credit in each
    voucher), in the reader's data scope. Not audited (a read); the file download below is."""
    start, end = finance_period(start=period.start, end=period.end)
    return {"start": start, "end": end, "items": finance_vouchers(user=current_user(request), start=start, end=end)}


@router.get(
    "/finance/export",
    response=error_responses(400, 401, 403, 422),
    summary="Download the finance export",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The export file.",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
def finance_export_download(request: HttpRequest, params: Query[FinanceExportParams]) -> HttpResponse:
    """XLSX: sheets 凭证 (vouchers) and 应收余额 (receivable balances); CSV: the `part` asked for. Audited."""
    content, content_type, filename = services.finance_export(
        actor=current_user(request), start=params.start, end=params.end, fmt=params.format, part=params.part
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
