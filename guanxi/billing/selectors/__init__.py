"""Every read of money: a contract's plan, invoices and payments; receivables and ageing (账龄) by customer,
owner and department; the monthly receivables statement (月度应收对账单); expense claims. Every read starts
from the user's data scope (payments / invoices / expenses modules; contract owner or claimant)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.commerce.models import Contract
from guanxi.commerce.selectors import with_facts
from guanxi.core.export import local_time
from guanxi.core.filters import filter_rows
from guanxi.core.money import ZERO, to_cent
from guanxi.org.models import User
from guanxi.org.policies import (
    get_scoped_or_404,
    has_permission,
    scope_queryset,
    scope_queryset_or_none,
    visibility_q,
)

from ..filters import InvoiceFilter, PaymentFilter, ReceivableFilter
from ..models import ExpenseClaim, Instalment, Invoice, Payment
from ..money import BUCKETS, ageing_bucket
from ..policies import RECEIVABLE_STATUSES
from ._common import Filters, _bad
from .expenses import (
    expense_claim_get as expense_claim_get,
)
from .expenses import (
    expense_claim_list as expense_claim_list,
)
from .expenses import (
    expense_line_get as expense_line_get,
)
from .expenses import (
    expense_link_choices as expense_link_choices,
)
from .expenses import (
    expense_links_resolve as expense_links_resolve,
)
from .expenses import (
    require_statement_access as require_statement_access,
)

MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)
ZERO_V = Value(Decimal("0.00"), output_field=MONEY_FIELD)
REMAINING = ExpressionWrapper(F("amount") - F("paid"), output_field=MONEY_FIELD)
BUCKET_LABELS = {
    "not_due": gettext_lazy("Not yet due"),
    "d0_30": gettext_lazy("0-30 days"),
    "d31_60": gettext_lazy("31-60 days"),
    "d61_90": gettext_lazy("61-90 days"),
    "d90_plus": gettext_lazy("Over 90 days"),
}
GROUPS = {
    "customer": ("customer_id", "customer__name"),
    "owner": ("owner_id", "owner__name"),
    "department": ("owner__department_id", "owner__department__name"),
}
GROUP_LABELS = {
    "contract": gettext_lazy("Contract"),
    "customer": gettext_lazy("Customer"),
    "owner": gettext_lazy("Owner"),
    "department": gettext_lazy("Department"),
}


# --- contracts and their money ------------------------------------------------------------------
def money_contracts(user: User, action: str = "view") -> QuerySet[Contract]:
    """Contracts whose money the user may see (payments.view scope on the contract owner)."""
    return scope_queryset(user, Contract.objects.all(), action, module="payments")


def _sum_of(qs: QuerySet[Any], field_name: str = "amount") -> Coalesce:
    sub = qs.filter(contract=OuterRef("pk")).order_by().values("contract").annotate(s=Sum(field_name)).values("s")[:1]
    return Coalesce(Subquery(sub, output_field=MONEY_FIELD), ZERO_V)


def with_money(qs: QuerySet[Contract], *, today: dt.date | None = None) -> QuerySet[Contract]:
    """Annotate contracts with invoiced, collected, balance_due and overdue (unpaid instalments past due)."""
    today = today or timezone.localdate()
    overdue = (
        Instalment.objects.filter(contract=OuterRef("pk"), due_date__lt=today, paid__lt=F("amount"))
        .order_by()
        .values("contract")
        .annotate(s=Sum(REMAINING))
        .values("s")[:1]
    )
    return qs.annotate(
        invoiced=_sum_of(Invoice.objects.filter(status=Invoice.Status.ISSUED, deleted_at__isnull=True)),
        collected=_sum_of(Payment.objects.filter(deleted_at__isnull=True)),
        overdue=Coalesce(Subquery(overdue, output_field=MONEY_FIELD), ZERO_V),
    ).annotate(balance_due=ExpressionWrapper(F("amount") - F("collected"), output_field=MONEY_FIELD))


def contract_money_get(*, user: User, pk: Any) -> dict[str, Any]:
    """One contract's payment plan, invoices, payments and totals (payments.view on it)."""
    contract = get_scoped_or_404(
        user, with_money(Contract.objects.select_related("customer", "owner")), pk, module="payments"
    )
    instalments = list(Instalment.objects.filter(contract=contract).order_by("sequence", "id"))
    payments = list(
        Payment.objects.filter(contract=contract)
        .select_related("handler", "reversal_of")
        .prefetch_related("allocations__instalment")
        .order_by("-received_on", "-id")
    )
    reversed_ids = {p.reversal_of_id for p in payments if p.reversal_of_id}
    for p in payments:
        with_facts(p, is_reversed=p.pk in reversed_ids)
    invoices = (
        list(Invoice.objects.filter(contract=contract).order_by("-issued_on", "-id"))
        if has_permission(user, "invoices.view")
        else []
    )
    today = timezone.localdate()
    for inst in instalments:
        with_facts(inst, is_overdue=inst.remaining > 0 and inst.due_date < today)
    return {
        "contract": contract,
        "instalments": instalments,
        "payments": payments,
        "invoices": invoices,
        "plan_total": sum((i.amount for i in instalments), ZERO),
        "plan_version": _plan_version(contract),
        "can_view_invoices": has_permission(user, "invoices.view"),
    }


def _plan_version(contract: Contract) -> int:
    from ..services.plans import plan_version

    return plan_version(contract)


def contract_balance_due(contract: Contract) -> Decimal:
    """Contract amount minus the payments received (net of reversals)."""
    total = Payment.objects.filter(contract_id=contract.pk).aggregate(s=Sum("amount"))["s"] or ZERO
    return to_cent(contract.amount - total)


def contract_balance_due_for(*, user: User, contract: Contract) -> Decimal | None:
    """The contract's balance due as a reader of another module's page sees it: money is billing data, so None
    unless the user may read the contract's payments (payments.view, within its scope)."""
    if not scope_queryset_or_none(user, Contract.objects.filter(pk=contract.pk), module="payments").exists():
        return None
    return contract_balance_due(contract)


def contract_payment_plan(contract: Contract) -> list[dict[str, Any]]:
    return [
        {"due_date": i.due_date, "amount": i.amount, "paid": i.paid}
        for i in Instalment.objects.filter(contract_id=contract.pk).order_by("sequence", "id")
    ]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def collected_amounts(
    *, user: User, start: dt.date | dt.datetime, end: dt.date | dt.datetime
) -> dict[tuple[int, int | None], Decimal]:
    """{(contract owner id, owner's department id): collected} for payments dated in [start, end), net of
    reversals, within the user's payments.view scope (empty without it)."""
    if not has_permission(user, "payments.view"):
        return {}
    rows = (
        scope_queryset(user, Payment.objects.all())
        .filter(received_on__gte=_as_date(start), received_on__lt=_as_date(end))
        .order_by()
        .values("contract__owner_id", "contract__owner__department_id")
        .annotate(v=Sum("amount"))
    )
    return {(r["contract__owner_id"], r["contract__owner__department_id"]): to_cent(r["v"] or ZERO) for r in rows}


# --- receivables ------------------------------------------------------------------------------


def receivable_contracts(*, user: User, filters: Filters = None, action: str = "view") -> QuerySet[Contract]:
    """Approved/signed contracts in the user's reach with their money (filters.ReceivableFilter: open ones
    unless `all`), biggest balance due first."""
    qs = money_contracts(user, action).filter(status__in=RECEIVABLE_STATUSES)
    qs = with_money(qs.select_related("customer", "owner", "owner__department"))
    return filter_rows(ReceivableFilter, filters, qs, user).order_by("-balance_due", "-id")


@dataclass
class Totals:
    amount: Decimal = ZERO
    invoiced: Decimal = ZERO
    collected: Decimal = ZERO
    balance_due: Decimal = ZERO
    overdue: Decimal = ZERO
    contracts: int = 0

    def add(self, c: Any) -> None:
        self.amount += c.amount
        self.invoiced += c.invoiced
        self.collected += c.collected
        self.balance_due += c.balance_due
        self.overdue += c.overdue
        self.contracts += 1


@dataclass
class GroupRow:
    key: int | None
    name: str
    totals: Totals = field(default_factory=Totals)


def receivables_by(
    *, user: User, group: str, filters: Filters = None, action: str = "view"
) -> tuple[list[GroupRow], Totals]:
    """Balance due per customer, owner or department (rows sorted by balance due) and the grand total."""
    if group not in GROUPS:
        raise _bad("group", _("Choose contract, customer, owner or department."))
    key_field, name_field = GROUPS[group]
    rows: dict[int | None, GroupRow] = {}
    grand = Totals()
    for c in receivable_contracts(user=user, filters=filters, action=action):
        key = _path(c, key_field)
        row = rows.get(key)
        if row is None:
            row = rows[key] = GroupRow(key=key, name=str(_path(c, name_field) or "—"))
        row.totals.add(c)
        grand.add(c)
    ordered = sorted(rows.values(), key=lambda r: (-r.totals.balance_due, r.name))
    return ordered, grand


def _path(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


# --- ageing (账龄) ------------------------------------------------------------------------------
AGEING_GROUPS = {
    "customer": ("contract__customer_id", "contract__customer__name"),
    "owner": ("contract__owner_id", "contract__owner__name"),
    "department": ("contract__owner__department_id", "contract__owner__department__name"),
}


def _bucket_cases(today: dt.date) -> dict[str, Any]:
    bounds = {
        "not_due": Q(due_date__gte=today),
        "d0_30": Q(due_date__lt=today, due_date__gte=today - dt.timedelta(days=30)),
        "d31_60": Q(due_date__lt=today - dt.timedelta(days=30), due_date__gte=today - dt.timedelta(days=60)),
        "d61_90": Q(due_date__lt=today - dt.timedelta(days=60), due_date__gte=today - dt.timedelta(days=90)),
        "d90_plus": Q(due_date__lt=today - dt.timedelta(days=90)),
    }
    return {
        key: Coalesce(Sum(Case(When(q, then=REMAINING), default=ZERO_V, output_field=MONEY_FIELD)), ZERO_V)
        for key, q in bounds.items()
    }


def unpaid_instalments(*, user: User, action: str = "view") -> QuerySet[Instalment]:
    return scope_queryset(user, Instalment.objects.all(), action).filter(
        paid__lt=F("amount"), contract__status__in=RECEIVABLE_STATUSES, contract__deleted_at__isnull=True
    )


def instalments_due_soon(*, user: User, days: int, today: dt.date | None = None) -> QuerySet[Instalment]:
    """Unpaid instalments in the user's reach that are overdue or fall due within `days`, soonest first (finance's
    day page)."""
    today = today or timezone.localdate()
    return (
        unpaid_instalments(user=user)
        .filter(due_date__lte=today + dt.timedelta(days=days))
        .select_related("contract__customer")
        .annotate(outstanding=F("amount") - F("paid"))
        .order_by("due_date", "id")
    )


def ageing_report(
    *, user: User, group: str = "customer", today: dt.date | None = None, action: str = "view"
) -> dict[str, Any]:
    """Unpaid instalment amounts by due date: not yet due (due today or later), 0-30 (1 to 30 days overdue),
    31-60, 61-90 and over 90 days overdue, per customer, owner or department, with totals. One query."""
    if group not in AGEING_GROUPS:
        raise _bad("group", _("Choose customer, owner or department."))
    today = today or timezone.localdate()
    key_field, name_field = AGEING_GROUPS[group]
    cases = _bucket_cases(today)
    rows = list(
        unpaid_instalments(user=user, action=action)
        .order_by()
        .values(key_field, name_field)
        .annotate(**cases, total=Coalesce(Sum(REMAINING), ZERO_V))
        .order_by("-total", name_field)
    )
    out = []
    totals = dict.fromkeys((*BUCKETS, "total"), ZERO)
    for r in rows:
        item = {"key": r[key_field], "name": r[name_field] or "—", **{b: to_cent(r[b]) for b in (*BUCKETS, "total")}}
        out.append(item)
        for b in (*BUCKETS, "total"):
            totals[b] += item[b]
    return {
        "group": group,
        "today": today,
        "rows": out,
        "totals": totals,
        "buckets": [(b, BUCKET_LABELS[b]) for b in BUCKETS],
    }


def instalment_bucket(instalment: Instalment, today: dt.date) -> str:
    return ageing_bucket(instalment.due_date, today)


# --- the monthly statement (月度应收对账单) --------------------------------------------------------
def month_bounds(month: str | dt.date | None) -> tuple[dt.date, dt.date]:
    """("2026-11") → (2026-11-01, 2026-12-01): the month's first day and the next month's first day."""
    if month is None or month == "":
        today = timezone.localdate()
        first = today.replace(day=1)
    elif isinstance(month, dt.date):
        first = month.replace(day=1)
    else:
        try:
            year, mon = (int(p) for p in str(month).split("-")[:2])
            first = dt.date(year, mon, 1)
        except (TypeError, ValueError):
            raise _bad("month", _("Enter a month as YYYY-MM."))
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt


def monthly_statement(*, user: User, month: str | dt.date | None = None, action: str = "view") -> dict[str, Any]:
    """Per customer for one month: opening balance (invoiced − collected before the month), invoiced and
    collected in the month, closing balance = opening + invoiced − collected. Void invoices never count;
    reversals count on their own date. Needs payments.view and invoices.view (their scopes apply)."""
    start, end = month_bounds(month)
    invoices = (
        scope_queryset(user, Invoice.objects.all(), action)
        .filter(status=Invoice.Status.ISSUED, issued_on__lt=end)
        .order_by()
        .values("contract__customer_id", "contract__customer__name")
        .annotate(
            before=Coalesce(Sum("amount", filter=Q(issued_on__lt=start)), ZERO_V),
            during=Coalesce(Sum("amount", filter=Q(issued_on__gte=start)), ZERO_V),
        )
    )
    payments = (
        scope_queryset(user, Payment.objects.all(), action)
        .filter(received_on__lt=end)
        .order_by()
        .values("contract__customer_id", "contract__customer__name")
        .annotate(
            before=Coalesce(Sum("amount", filter=Q(received_on__lt=start)), ZERO_V),
            during=Coalesce(Sum("amount", filter=Q(received_on__gte=start)), ZERO_V),
        )
    )
    rows: dict[int, dict[str, Any]] = {}

    def row_for(r: Any) -> dict[str, Any]:
        key = r["contract__customer_id"]
        return rows.setdefault(
            key,
            {
                "customer_id": key,
                "customer": r["contract__customer__name"],
                "opening": ZERO,
                "invoiced": ZERO,
                "collected": ZERO,
            },
        )

    for r in invoices:
        row = row_for(r)
        row["opening"] += to_cent(r["before"])
        row["invoiced"] += to_cent(r["during"])
    for r in payments:
        row = row_for(r)
        row["opening"] -= to_cent(r["before"])
        row["collected"] += to_cent(r["during"])
    out = []
    totals = {"opening": ZERO, "invoiced": ZERO, "collected": ZERO, "closing": ZERO}
    for row in sorted(rows.values(), key=lambda x: x["customer"]):
        row["closing"] = row["opening"] + row["invoiced"] - row["collected"]
        if not any(row[k] for k in ("opening", "invoiced", "collected", "closing")):
            continue
        out.append(row)
        for k in totals:
            totals[k] += row[k]
    return {"month": start, "rows": out, "totals": totals, "next_month": end, "previous_month": _prev_month(start)}


def _prev_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


# --- invoices and payments lists ----------------------------------------------------------------
def invoice_list(*, user: User, filters: Filters = None, action: str = "view") -> QuerySet[Invoice]:
    qs = scope_queryset(user, Invoice.objects.all(), action).select_related("contract", "contract__customer")
    return filter_rows(InvoiceFilter, filters, qs, user).order_by("-issued_on", "-id")


def invoice_get(*, user: User, pk: Any) -> Invoice:
    return get_scoped_or_404(user, Invoice.objects.select_related("contract", "contract__customer"), pk)


def payment_list(*, user: User, filters: Filters = None, action: str = "view") -> QuerySet[Payment]:
    qs = (
        scope_queryset(user, Payment.objects.all(), action)
        .select_related("contract", "contract__customer", "handler")
        .prefetch_related("allocations__instalment")
    )
    return filter_rows(PaymentFilter, filters, qs, user).order_by("-received_on", "-id")


def payment_get(*, user: User, pk: Any) -> Payment:
    return get_scoped_or_404(
        user, Payment.objects.select_related("contract", "handler").prefetch_related("allocations__instalment"), pk
    )


def instalments_of(*, user: User, contract_id: int) -> list[Instalment]:
    contract = get_scoped_or_404(user, Contract.objects.all(), contract_id, module="payments")
    return list(Instalment.objects.filter(contract=contract).order_by("sequence", "id"))


def search_invoices(*, user: User, query: str, limit: int) -> QuerySet[Invoice] | list[Invoice]:
    if not has_permission(user, "invoices.view") or len(query.strip()) < 3:
        return []
    return (
        scope_queryset(user, Invoice.objects.all())
        .filter(number__icontains=query.strip())
        .select_related("contract", "contract__customer")
        .order_by("-issued_on")[:limit]
    )


# --- customer 360 -------------------------------------------------------------------------------
def customer_money(*, user: User, customer: Any) -> dict[str, Any] | None:
    """A customer's payments, invoices and balance due within the user's reach (None without payments.view)."""
    if not has_permission(user, "payments.view"):
        return None
    contracts = list(
        with_money(money_contracts(user).filter(customer=customer, status__in=RECEIVABLE_STATUSES)).order_by(
            "-signed_on", "-id"
        )
    )
    payments = list(
        scope_queryset(user, Payment.objects.filter(contract__customer=customer))
        .select_related("contract")
        .order_by("-received_on", "-id")[:50]
    )
    invoices = (
        list(
            scope_queryset(user, Invoice.objects.filter(contract__customer=customer))
            .select_related("contract")
            .order_by("-issued_on", "-id")[:50]
        )
        if has_permission(user, "invoices.view")
        else []
    )
    totals = Totals()
    for c in contracts:
        totals.add(c)
    return {"contracts": contracts, "payments": payments, "invoices": invoices, "totals": totals}


def customer_open_receivables(*, user: User, customer_ids: Iterable[int], limit: int = 5) -> dict[int, dict[str, Any]]:
    """Per customer, the contracts in the user's reach with a balance still due (biggest first, at most `limit`) and
    the totals over all of them; customers with nothing due are left out, and everyone without payments.view."""
    if not has_permission(user, "payments.view"):
        return {}
    qs = money_contracts(user).filter(customer_id__in=list(customer_ids), status__in=RECEIVABLE_STATUSES)
    out: dict[int, dict[str, Any]] = {}
    owing: Any = with_money(qs)
    for c in owing.filter(balance_due__gt=0).order_by("-balance_due", "-id"):
        entry = out.setdefault(c.customer_id, {"contracts": [], "totals": Totals()})
        entry["totals"].add(c)
        if len(entry["contracts"]) < limit:
            entry["contracts"].append(c)
    return out


# --- a leaving user's data (the backup an administrator takes before the hand-over) -------------------------
def leaver_expense_claims_table(*, user: User, leaving: User) -> tuple[list[Any], list[list[Any]]]:
    """The expense claims the leaver made, as far as `user` may export expense claims."""
    qs = scope_queryset(user, ExpenseClaim.objects.filter(claimant=leaving), "export").select_related("customer")
    headers = [_("Title"), _("Customer"), _("Purpose"), _("Status"), _("Amount"), _("Currency"), _("Submitted at")]
    headers += [_("Paid at")]
    rows = [
        [
            c.title,
            c.customer.name,
            c.purpose,
            c.get_status_display(),
            c.amount,
            c.currency,
            local_time(c.submitted_at),
            local_time(c.paid_at),
        ]
        for c in qs.order_by("pk")
    ]
    return headers, rows


# --- who records a contract's money ------------------------------------------------------------------
def _can_reach(user: User, contract: Contract, perm: str) -> bool:
    module, action = perm.split(".")
    q = visibility_q(user, Contract, action, module=module)
    return q is None or Contract.objects.filter(q, pk=contract.pk).exists()


def contract_for_reader(*, user: User, pk: Any) -> Contract:
    """A contract the user may see (contracts.view scope), whatever their payments rights."""
    return get_scoped_or_404(user, Contract.objects.all(), pk, module="contracts")


def money_recorders(*, contract: Contract) -> dict[str, list[User]]:
    """Who records this contract's payment plan (payments.edit) and its payments (payments.create): active users
    whose role grants it within a scope that covers the contract. Administrators (superusers) are named only
    when nobody else may do it."""
    from guanxi.sales.leads.selectors import users_holding

    out: dict[str, list[User]] = {}
    for key, perm in (("plan", "payments.edit"), ("payments", "payments.create")):
        people = users_holding(perm, User.objects.filter(is_active=True)).order_by("is_superuser", "name", "pk")
        reach = [u for u in people if _can_reach(u, contract, perm)]
        staff = [u for u in reach if not u.is_superuser]
        out[key] = staff or reach
    return out
