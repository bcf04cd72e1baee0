"""Every write of the billing app: payment plans, invoices, payments and reversals, expense claims, exports,
the overdue reminders. Permission-checked, transactional, audited. Callers import from here."""

from .asks import contract_money_ask, last_money_ask
from .expenses import (
    expense_claim_attach_receipt,
    expense_claim_create,
    expense_claim_delete,
    expense_claim_facts,
    expense_claim_mark_paid,
    expense_claim_on_decided,
    expense_claim_submit,
    expense_claim_update,
    expense_claims_delete,
    link_required_message,
)
from .exports import ageing_export, expense_claims_export, receivables_export, statement_export
from .finance_export import finance_export, finance_summary
from .invoices import invoice_issue, invoice_void, invoiced_on
from .payments import payment_record, payment_reverse
from .plans import add_months, payment_plan_generate, payment_plan_save, plan_proposal, plan_version
from .reminders import receivables_send_reminders

__all__ = [
    "add_months",
    "ageing_export",
    "contract_money_ask",
    "expense_claim_attach_receipt",
    "expense_claim_create",
    "expense_claims_delete",
    "expense_claims_export",
    "expense_claim_delete",
    "expense_claim_facts",
    "expense_claim_mark_paid",
    "expense_claim_on_decided",
    "expense_claim_submit",
    "expense_claim_update",
    "finance_export",
    "finance_summary",
    "invoice_issue",
    "invoice_void",
    "invoiced_on",
    "last_money_ask",
    "link_required_message",
    "payment_plan_generate",
    "payment_plan_save",
    "payment_record",
    "payment_reverse",
    "plan_proposal",
    "plan_version",
    "receivables_export",
    "receivables_send_reminders",
    "statement_export",
]
