"""REST endpoints of the billing app (payment plans, invoices, payments, receivables, ageing, the monthly
statement, expense claims, the reminder policy), mounted on the one NinjaAPI in guanxi/api/main.py.
Each endpoint parses its schema, calls one selector or service and returns an output schema; errors use the
shared envelope."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

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
from guanxi.org.current import current_user
from guanxi.org.selectors import users_by_ids

from . import policies, selectors, services
from .api_finance import router as finance_router
from .schemas import (
    AgeingOut,
    AgeingParams,
    ExpenseClaimIn,
    ExpenseClaimOut,
    ExpenseClaimPage,
    ExpenseClaimPatch,
    ExpenseFilters,
    InvoiceFilters,
    InvoiceIn,
    InvoiceOut,
    InvoicePage,
    MarkPaidIn,
    MoneyAskIn,
    MoneyAskOut,
    MoneyRecordersOut,
    PaymentFilters,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    PaymentPlanGenerateIn,
    PaymentPlanIn,
    PaymentPlanOut,
    ReasonIn,
    ReceivableFilters,
    ReceivablesOut,
    ReminderPolicyIn,
    ReminderPolicyOut,
    StatementOut,
    StatementParams,
)

router = Router(tags=["Billing"])
router.add_router("", finance_router)

PLAN = ["Payment plans"]
INVOICES = ["Invoices"]
PAYMENTS = ["Payments"]
RECEIVABLES = ["Receivables"]
EXPENSES = ["Expense claims"]


# --- payment plan ----------------------------------------------------------------------------
def _plan(user: Any, contract_id: int, response: HttpResponse) -> dict[str, Any]:
    data = selectors.contract_money_get(user=user, pk=contract_id)
    contract = data["contract"]
    response["ETag"] = f'"{data["plan_version"]}"'
    return {
        "contract_id": contract.pk,
        "contract_amount": contract.amount,
        "currency": contract.currency,
        "version": data["plan_version"],
        "total": data["plan_total"],
        "balance_due": contract.balance_due,
        "instalments": data["instalments"],
    }


@router.get(
    "/contracts/{int:contract_id}/payment-plan",
    response={200: PaymentPlanOut, **READ_ERRORS},
    tags=PLAN,
    summary="A contract's payment plan",
)
def payment_plan_get(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    """The instalments (due date, amount, paid) of a contract you may see; the ETag is the plan's version."""
    return _plan(current_user(request), contract_id, response)


@router.put(
    "/contracts/{int:contract_id}/payment-plan",
    response={200: PaymentPlanOut, **WRITE_ERRORS},
    tags=PLAN,
    summary="Replace the payment plan",
)
def payment_plan_put(
    request: HttpRequest,
    contract_id: int,
    payload: PaymentPlanIn,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    """Needs payments.edit. The amounts must add up exactly to the contract amount (400 names the difference);
    instalments with payments keep their amount and due date. Send `If-Match` to refuse a stale plan (412)."""
    version = expected_version(if_match, payload.version)
    services.payment_plan_save(
        actor=current_user(request),
        contract=contract_id,
        instalments=[row.dict() for row in payload.instalments],
        expected_version=version,
    )
    return _plan(current_user(request), contract_id, response)


@router.post(
    "/contracts/{int:contract_id}/payment-plan/generate",
    response={200: PaymentPlanOut, **WRITE_ERRORS},
    tags=PLAN,
    summary="Generate a payment plan",
)
def payment_plan_generate(
    request: HttpRequest, contract_id: int, payload: PaymentPlanGenerateIn, response: HttpResponse
) -> object:
    """Replace a plan with nothing paid on it by `count` equal instalments (the last takes the rounding
    remainder) or by `percents` (e.g. [30, 60, 10]), one every `months_between` months."""
    services.payment_plan_generate(
        actor=current_user(request),
        contract=contract_id,
        first_due_date=payload.first_due_date,
        count=payload.count,
        percents=payload.percents,
        months_between=payload.months_between,
    )
    return _plan(current_user(request), contract_id, response)


@router.get(
    "/contracts/{int:contract_id}/money-recorders",
    response={200: MoneyRecordersOut, **READ_ERRORS},
    tags=PLAN,
    summary="Who records a contract's money",
)
def money_recorders(request: HttpRequest, contract_id: int) -> object:
    """The people who record the payment plan and the payments of a contract you may see."""
    contract = selectors.contract_for_reader(user=current_user(request), pk=contract_id)
    return selectors.money_recorders(contract=contract)


@router.post(
    "/contracts/{int:contract_id}/money-ask",
    response={200: MoneyAskOut, **WRITE_ERRORS, **error_responses(429)},
    tags=PLAN,
    summary="Ask them to record it",
)
def money_ask(request: HttpRequest, contract_id: int, payload: MoneyAskIn) -> object:
    """Notify the contract's money recorders (with the contract linked and your `note`); audited. A second ask
    about the same contract within an hour is refused (429)."""
    notified = services.contract_money_ask(actor=current_user(request), contract=contract_id, note=payload.note)
    return {"notified": notified}


# --- invoices --------------------------------------------------------------------------------
@router.get("/invoices", response={200: InvoicePage, **LIST_ERRORS}, tags=INVOICES, summary="List invoices")
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilters], page: Query[PageParams]) -> object:
    """Invoices on contracts you may see (invoices.view), newest first."""
    return paginate(selectors.invoice_list(user=current_user(request), filters=filters.dict(exclude_none=True)), page)


@router.post("/invoices", response={201: InvoiceOut, **WRITE_ERRORS}, tags=INVOICES, summary="Record an invoice")
@idempotent
def invoice_create(request: HttpRequest, payload: InvoiceIn, response: HttpResponse) -> object:
    """Needs invoices.create on the contract. Tax and net are computed half-up from the tax-inclusive amount;
    the buyer title and tax id default to the customer's. The contract's issued invoices may not exceed its
    amount. Send an Idempotency-Key header to make a retry safe."""
    data = payload.dict()
    contract_id = data.pop("contract_id")
    data = {k: v for k, v in data.items() if v not in (None, "")}
    invoice = services.invoice_issue(actor=current_user(request), contract=contract_id, data=data)
    invoice = selectors.invoice_get(user=current_user(request), pk=invoice.pk)
    set_etag(response, invoice)
    return Status(201, invoice)


@router.get(
    "/invoices/{int:invoice_id}", response={200: InvoiceOut, **READ_ERRORS}, tags=INVOICES, summary="Get an invoice"
)
def invoice_get(request: HttpRequest, invoice_id: int, response: HttpResponse) -> object:
    invoice = selectors.invoice_get(user=current_user(request), pk=invoice_id)
    set_etag(response, invoice)
    return invoice


@router.post(
    "/invoices/{int:invoice_id}/void", response={200: InvoiceOut, **WRITE_ERRORS}, tags=INVOICES, summary="Void"
)
def invoice_void(
    request: HttpRequest, invoice_id: int, payload: ReasonIn, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    """Needs invoices.edit; the reason is required."""
    invoice = services.invoice_void(
        actor=current_user(request),
        invoice=invoice_id,
        reason=payload.reason,
        expected_version=expected_version(if_match, payload.version),
    )
    invoice = selectors.invoice_get(user=current_user(request), pk=invoice.pk)
    set_etag(response, invoice)
    return invoice


# --- payments --------------------------------------------------------------------------------
@router.get("/payments", response={200: PaymentPage, **LIST_ERRORS}, tags=PAYMENTS, summary="List payments")
def payment_list(request: HttpRequest, filters: Query[PaymentFilters], page: Query[PageParams]) -> object:
    """Payments received on contracts you may see (payments.view), reversals included (negative amounts)."""
    return paginate(selectors.payment_list(user=current_user(request), filters=filters.dict(exclude_none=True)), page)


@router.post("/payments", response={201: PaymentOut, **WRITE_ERRORS}, tags=PAYMENTS, summary="Record a payment")
@idempotent
def payment_create(request: HttpRequest, payload: PaymentIn) -> object:
    """Needs payments.create on the contract (approved or signed, with a payment plan). Allocated oldest due
    first unless `allocations` split it by hand; refused when it exceeds the balance due. Send an
    Idempotency-Key header to make a retry safe."""
    user = current_user(request)
    data = payload.dict()
    contract_id = data.pop("contract_id")
    allocations = data.pop("allocations")
    handler_id = data.pop("handler_id")
    if handler_id:
        data["handler"] = users_by_ids(user=user, ids=[handler_id], field="handler_id")[0]
    data = {k: v for k, v in data.items() if v not in (None, "")}
    payment = services.payment_record(actor=user, contract=contract_id, data=data, allocations=allocations)
    return Status(201, selectors.payment_get(user=user, pk=payment.pk))


@router.get(
    "/payments/{int:payment_id}", response={200: PaymentOut, **READ_ERRORS}, tags=PAYMENTS, summary="Get a payment"
)
def payment_get(request: HttpRequest, payment_id: int) -> object:
    return selectors.payment_get(user=current_user(request), pk=payment_id)


@router.post(
    "/payments/{int:payment_id}/reverse",
    response={201: PaymentOut, **WRITE_ERRORS},
    tags=PAYMENTS,
    summary="Reverse a payment",
)
@idempotent
def payment_reverse(request: HttpRequest, payment_id: int, payload: ReasonIn) -> object:
    """Needs payments.approve. Creates the red entry (negative amount, dated today) that takes the money back
    off the same instalments; the original stays. Returns the reversal."""
    red = services.payment_reverse(actor=current_user(request), payment=payment_id, reason=payload.reason)
    return Status(201, selectors.payment_get(user=current_user(request), pk=red.pk))


# --- receivables -----------------------------------------------------------------------------
def _row(key: Any, name: str, totals: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "contracts": totals.contracts,
        "amount": totals.amount,
        "invoiced": totals.invoiced,
        "collected": totals.collected,
        "balance_due": totals.balance_due,
        "overdue": totals.overdue,
    }


@router.get("/receivables", response={200: ReceivablesOut, **LIST_ERRORS}, tags=RECEIVABLES, summary="Balance due")
def receivables(request: HttpRequest, params: Query[ReceivableFilters]) -> object:
    """Balance due (contract amount − payments) of approved/signed contracts in your payments.view scope, per
    contract, customer, owner or department; `overdue` is what unpaid instalments past their due date lack."""
    user = current_user(request)
    filters = params.dict(exclude_none=True)
    group = filters.pop("group")
    if group == "contract":
        groups, total = selectors.receivables_by(user=user, group="customer", filters=filters)
        contracts = selectors.receivable_contracts(user=user, filters=filters)[:1000]
        rows = [
            {
                "key": c.pk,
                "name": f"{c.number} {c.title}",
                "contracts": 1,
                "amount": c.amount,
                "invoiced": c.invoiced,
                "collected": c.collected,
                "balance_due": c.balance_due,
                "overdue": c.overdue,
            }
            for c in contracts
        ]
    else:
        groups, total = selectors.receivables_by(user=user, group=group, filters=filters)
        rows = [_row(g.key, g.name, g.totals) for g in groups]
    return {"group": group, "rows": rows, "total": _row(None, "", total)}


@router.get("/receivables/ageing", response={200: AgeingOut, **LIST_ERRORS}, tags=RECEIVABLES, summary="Ageing")
def receivables_ageing(request: HttpRequest, params: Query[AgeingParams]) -> object:
    """What unpaid instalments lack, by due date: not yet due (due on `as_of` or later), 0-30 (1 to 30 days
    overdue), 31-60, 61-90, over 90 days; per customer, owner or department."""
    report = selectors.ageing_report(user=current_user(request), group=params.group, today=params.as_of)
    return {"group": report["group"], "as_of": report["today"], "rows": report["rows"], "totals": report["totals"]}


@router.get(
    "/receivables/statement", response={200: StatementOut, **LIST_ERRORS}, tags=RECEIVABLES, summary="Monthly statement"
)
def receivables_statement(request: HttpRequest, params: Query[StatementParams]) -> object:
    """Per customer for a month: opening balance, invoiced, collected and closing balance (closing = opening
    + invoiced − collected). Needs payments.view and invoices.view."""
    user = current_user(request)
    selectors.require_statement_access(user)
    data = selectors.monthly_statement(user=user, month=params.month)
    return {"month": f"{data['month']:%Y-%m}", "rows": data["rows"], "totals": data["totals"]}


@router.get(
    "/receivables/reminder-policy",
    response={200: ReminderPolicyOut, **READ_ERRORS},
    tags=RECEIVABLES,
    summary="Reminder thresholds",
)
def reminder_policy_get(request: HttpRequest) -> object:
    from guanxi.org.policies import require_permission

    require_permission(current_user(request), "payments.view")
    return policies.reminder_policy()


@router.patch(
    "/receivables/reminder-policy",
    response={200: ReminderPolicyOut, **WRITE_ERRORS},
    tags=RECEIVABLES,
    summary="Change the thresholds",
)
def reminder_policy_patch(request: HttpRequest, payload: ReminderPolicyIn) -> object:
    """org.admin only: the days after the due date when the owner and sales management hear (default 7 and 30)."""
    return policies.reminder_policy_update(actor=current_user(request), data=payload.dict(exclude_none=True))


# --- expense claims --------------------------------------------------------------------------
def _claim_data(
    user: Any, data: dict[str, Any], *, partial: bool
) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    lines = data.pop("lines", None)
    links = selectors.expense_links_resolve(
        user=user,
        customer_id=data.pop("customer_id", None),
        follow_up_id=data.pop("follow_up_id", None),
        opportunity_id=data.pop("opportunity_id", None),
        partial=partial,
    )
    return {**data, **links}, lines


@router.get("/expense-claims", response={200: ExpenseClaimPage, **LIST_ERRORS}, tags=EXPENSES, summary="List claims")
def expense_claim_list(request: HttpRequest, filters: Query[ExpenseFilters], page: Query[PageParams]) -> object:
    qs = selectors.expense_claim_list(user=current_user(request), filters=filters.dict(exclude_none=True))
    qs = qs.prefetch_related("lines")
    return paginate(qs, page)


@router.post("/expense-claims", response={201: ExpenseClaimOut, **WRITE_ERRORS}, tags=EXPENSES, summary="New claim")
@idempotent
def expense_claim_create(request: HttpRequest, payload: ExpenseClaimIn, response: HttpResponse) -> object:
    """A draft claim of your own (expenses.create). It must name the customer and a follow-up or an opportunity
    of that customer (400 otherwise: "报销必须关联客户及其跟进记录或销售机会")."""
    user = current_user(request)
    data, lines = _claim_data(user, payload.dict(), partial=False)
    claim = services.expense_claim_create(actor=user, data=data, lines=lines or [])
    claim = selectors.expense_claim_get(user=user, pk=claim.pk)
    set_etag(response, claim)
    return Status(201, claim)


@router.get(
    "/expense-claims/{int:claim_id}",
    response={200: ExpenseClaimOut, **READ_ERRORS},
    tags=EXPENSES,
    summary="Get a claim",
)
def expense_claim_get(request: HttpRequest, claim_id: int, response: HttpResponse) -> object:
    claim = selectors.expense_claim_get(user=current_user(request), pk=claim_id)
    set_etag(response, claim)
    return claim


@router.patch(
    "/expense-claims/{int:claim_id}",
    response={200: ExpenseClaimOut, **WRITE_ERRORS},
    tags=EXPENSES,
    summary="Edit a draft",
)
def expense_claim_patch(
    request: HttpRequest,
    claim_id: int,
    payload: ExpenseClaimPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    """The claimant changes a draft (or returned) claim; refused while in approval (409)."""
    user = current_user(request)
    raw = payload.dict(exclude_unset=True)
    version = expected_version(if_match, raw.pop("version", None))
    data, lines = _claim_data(user, raw, partial=True)
    claim = services.expense_claim_update(actor=user, claim=claim_id, data=data, lines=lines, expected_version=version)
    claim = selectors.expense_claim_get(user=user, pk=claim.pk)
    set_etag(response, claim)
    return claim


@router.post(
    "/expense-claims/{int:claim_id}/submit",
    response={200: ExpenseClaimOut, **WRITE_ERRORS},
    tags=EXPENSES,
    summary="Submit for approval",
)
def expense_claim_submit(request: HttpRequest, claim_id: int) -> object:
    """The claimant sends a draft through the approval engine (kind expense_claim: the manager, then finance)."""
    services.expense_claim_submit(actor=current_user(request), claim=claim_id)
    return selectors.expense_claim_get(user=current_user(request), pk=claim_id)


@router.post(
    "/expense-claims/{int:claim_id}/mark-paid",
    response={200: ExpenseClaimOut, **WRITE_ERRORS},
    tags=EXPENSES,
    summary="Mark paid",
)
def expense_claim_mark_paid(request: HttpRequest, claim_id: int, payload: MarkPaidIn) -> object:
    """Finance (expenses.approve) records that an approved claim was paid out."""
    services.expense_claim_mark_paid(actor=current_user(request), claim=claim_id, reference=payload.reference)
    return selectors.expense_claim_get(user=current_user(request), pk=claim_id)


@router.post(
    "/expense-claims/{int:claim_id}/lines/{int:position}/receipt",
    response={200: ExpenseClaimOut, **WRITE_ERRORS},
    tags=EXPENSES,
    summary="Attach a receipt",
)
def expense_claim_receipt(request: HttpRequest, claim_id: int, position: int, receipt: File[UploadedFile]) -> object:
    """multipart/form-data with the file in `receipt` (at most 10 MB): the receipt of line `position` of a draft
    claim of yours. `receipt_url` on the line downloads it (for whoever may see the claim)."""
    services.expense_claim_attach_receipt(
        actor=current_user(request), claim=claim_id, position=position, receipt=receipt
    )
    return selectors.expense_claim_get(user=current_user(request), pk=claim_id)


@router.delete(
    "/expense-claims/{int:claim_id}", response={204: None, **WRITE_ERRORS}, tags=EXPENSES, summary="Delete a draft"
)
def expense_claim_delete(request: HttpRequest, claim_id: int) -> object:
    services.expense_claim_delete(actor=current_user(request), claim=claim_id)
    return Status(204, None)
