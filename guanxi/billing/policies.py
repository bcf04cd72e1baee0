"""Billing rules an administrator may change, with the requirement documents' defaults.

- Which contract statuses carry receivables (payments and invoices may be recorded, balance due counts).
- The ledger accounts of the finance (voucher) export (FinanceAccounts, one row; FINANCE_ACCOUNT_DEFAULTS).
- The overdue-reminder thresholds (ReminderPolicy, one row): on the due date the owner hears; 7 and 30 days
  overdue (defaults) the owner and every active user with the sales_management role hear, once per instalment
  per stage.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.commerce.models import Contract
from guanxi.core.errors import ValidationFailed
from guanxi.core.services import full_clean_or_raise, model_create, model_update
from guanxi.org.policies import require_permission

from .models import FinanceAccounts, ReminderPolicy

# Contracts whose money counts: approved or signed and not terminated.
RECEIVABLE_STATUSES = (
    Contract.Status.APPROVED,
    Contract.Status.SIGNED,
    Contract.Status.IN_EXECUTION,
    Contract.Status.COMPLETED,
)
# A payment plan may be drafted on any contract except a terminated one.
PLAN_CLOSED_STATUSES = (Contract.Status.TERMINATED,)
# The role whose members hear about overdue money besides the owner (销售管理部 chases overdue amounts).
CHASER_ROLE = "sales_management"

DEFAULTS: dict[str, Any] = {"first_overdue_days": 7, "second_overdue_days": 30, "remind_on_due_date": True}
DAYS_MAX = 3650


def reminder_policy() -> ReminderPolicy:
    """The saved policy, or the defaults (unsaved) when an administrator never changed them."""
    return ReminderPolicy.objects.order_by("id").first() or ReminderPolicy(**DEFAULTS)


def reminder_stage(days_overdue: int, policy: ReminderPolicy) -> str | None:
    """Which reminder an unpaid instalment is due for: "due" (on the due date or later), "overdue_1" (first
    threshold), "overdue_2" (second threshold), or None (not yet due)."""
    if days_overdue >= policy.second_overdue_days:
        return "overdue_2"
    if days_overdue >= policy.first_overdue_days:
        return "overdue_1"
    if days_overdue >= 0 and policy.remind_on_due_date:
        return "due"
    return None


def reminder_policy_update(*, actor: Any, data: dict[str, Any]) -> ReminderPolicy:
    """An administrator (org.admin) changes the thresholds; the second must come after the first."""
    require_permission(actor, "org.admin")
    unknown = set(data) - set(DEFAULTS)
    if unknown:
        msg = _("This field cannot be set here.")
        raise ValidationFailed(msg, fields={k: [msg] for k in sorted(unknown)})
    with transaction.atomic():
        policy = ReminderPolicy.objects.select_for_update(of=("self",)).order_by("id").first()
        merged = {**DEFAULTS, **({f: getattr(policy, f) for f in DEFAULTS} if policy else {}), **data}
        for key in ("first_overdue_days", "second_overdue_days"):
            value = merged[key]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= DAYS_MAX:
                msg = _("Enter a whole number of days between 1 and %(max)s.") % {"max": DAYS_MAX}
                raise ValidationFailed(msg, fields={key: [msg]})
        if merged["second_overdue_days"] <= merged["first_overdue_days"]:
            msg = _("The second reminder must come after the first.")
            raise ValidationFailed(msg, fields={"second_overdue_days": [msg]})
        merged["remind_on_due_date"] = bool(merged["remind_on_due_date"])
        if policy is None:
            return model_create(instance=ReminderPolicy(**merged), actor=actor)
        policy, _changes = model_update(instance=policy, data=merged, actor=actor)
        return policy


# --- the finance (voucher) export's ledger accounts -------------------------------------------------------
# Defaults: the chart of accounts of the Enterprise Accounting Standards (企业会计准则, 2007), which 用友 and 金蝶
# ship as their standard chart; an administrator changes them to the company's own codes (sub-accounts …).
FINANCE_ACCOUNT_DEFAULTS: dict[str, str] = {
    "voucher_word": "记",
    "receivable_code": "1122",
    "receivable_name": "应收账款",
    "revenue_code": "6001",
    "revenue_name": "主营业务收入",
    "output_tax_code": "22210102",
    "output_tax_name": "应交税费—应交增值税（销项税额）",
    "bank_code": "1002",
    "bank_name": "银行存款",
    "cash_code": "1001",
    "cash_name": "库存现金",
}


def finance_accounts() -> FinanceAccounts:
    """The saved accounts, or the defaults (unsaved) when an administrator never changed them."""
    return FinanceAccounts.objects.order_by("id").first() or FinanceAccounts(**FINANCE_ACCOUNT_DEFAULTS)


def finance_accounts_update(*, actor: Any, data: dict[str, Any]) -> FinanceAccounts:
    """An administrator (org.admin) sets the export's accounts; each code and name is required. Audited."""
    require_permission(actor, "org.admin")
    unknown = set(data) - set(FINANCE_ACCOUNT_DEFAULTS)
    if unknown:
        msg = _("This field cannot be set here.")
        raise ValidationFailed(msg, fields={k: [msg] for k in sorted(unknown)})
    with transaction.atomic():
        row = FinanceAccounts.objects.select_for_update(of=("self",)).order_by("id").first()
        current = {f: getattr(row, f) for f in FINANCE_ACCOUNT_DEFAULTS} if row else dict(FINANCE_ACCOUNT_DEFAULTS)
        merged = {k: " ".join(str(v or "").split()) for k, v in {**current, **data}.items()}
        empty = sorted(k for k, v in merged.items() if not v)
        if empty:
            msg = _("This field is required.")
            raise ValidationFailed(msg, fields={k: [msg] for k in empty})
        if row is None:
            instance = FinanceAccounts(**merged)
            full_clean_or_raise(instance)
            return model_create(instance=instance, actor=actor)
        row, _changes = model_update(instance=row, data=merged, actor=actor)
        return row
