"""Reads of sales targets (业绩目标) and the forecast: progress per person and department, the forecast totals
and snapshots, who may set whose targets. Rules: docs/targets.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.metrics import drill_url
from guanxi.core.money import to_cent
from guanxi.core.ports import COLLECTED_AMOUNTS
from guanxi.core.registry import registry
from guanxi.customers.models import Customer
from guanxi.org.models import DataScope, Department, User
from guanxi.org.policies import (
    department_tree_ids,
    has_permission,
    permission_scope,
    scope_queryset,
    subordinate_ids,
)
from guanxi.sales.opportunities.funnel import Period, period_for
from guanxi.sales.opportunities.models import Opportunity
from guanxi.sales.opportunities.selectors import opportunity_scope

from .filters import TargetFilter
from .models import ForecastSnapshot, PeriodKind, SalesTarget

ZERO = Decimal("0.00")


AMOUNT_METRICS = (SalesTarget.Metric.SIGNED_AMOUNT, SalesTarget.Metric.COLLECTED_AMOUNT)


def period_of(kind: str, start: dt.date) -> Period:
    """The month / quarter / year that begins on `start` (any day inside it works too)."""
    if kind not in PeriodKind.values:
        raise ValidationFailed(_("Unknown period."), fields={"period_kind": [_("Choose month, quarter or year.")]})
    if not 1900 <= start.year <= 9998:  # keeps the period's end (and the next period) representable
        raise ValidationFailed(_("Choose a date between 1900 and 9998."), fields={"period_start": [_("Out of range.")]})
    return period_for(kind, start)


def target_setting_scope(actor: User) -> str:
    """opportunities.assign (within its data scope) or org.admin (everyone)."""
    if has_permission(actor, "org.admin"):
        return DataScope.ALL
    scope = permission_scope(actor, "opportunities.assign")
    if scope is None:
        raise PermissionDeniedError(_("You do not have permission to set sales targets."))
    return scope


def in_target_reach(actor: User, scope: str, *, owner: User | None, department: Department | None) -> bool:
    if scope == DataScope.ALL:
        return True
    if department is not None:
        if scope in (DataScope.DEPARTMENT, DataScope.DEPARTMENT_TREE):
            allowed = department_tree_ids(actor.department) if scope == DataScope.DEPARTMENT_TREE else []
            return department.pk == actor.department_id or department.pk in allowed
        return False
    assert owner is not None
    if scope == DataScope.SELF:
        return owner.pk == actor.pk
    if scope == DataScope.SUBORDINATES:
        return owner.pk in subordinate_ids(actor) | {actor.pk}
    if scope == DataScope.DEPARTMENT:
        return owner.department_id is not None and owner.department_id == actor.department_id
    return owner.department_id in department_tree_ids(actor.department)


WEIGHTED = ExpressionWrapper(
    # × 0.01, not ÷ 100: SQLite divides a whole-yuan amount by an integer as integers (12,345 at 33 % gave 4,073)
    F("amount") * F("probability") * Decimal("0.01"),
    output_field=DecimalField(max_digits=20, decimal_places=4),
)


def forecast_queryset(qs: QuerySet[Opportunity], period: Period) -> QuerySet[Opportunity]:
    """Open deals expected to close in the period; 'omitted' ones are left out of every forecast figure."""
    return qs.filter(
        status=Opportunity.Status.OPEN,
        expected_close_date__gte=period.date_from,
        expected_close_date__lte=period.date_to,
    ).exclude(forecast_category=Opportunity.ForecastCategory.OMITTED)


def forecast_aggregates() -> dict[str, Any]:
    commit = Q(forecast_category=Opportunity.ForecastCategory.COMMIT)
    best = Q(forecast_category__in=[Opportunity.ForecastCategory.COMMIT, Opportunity.ForecastCategory.BEST_CASE])
    return {
        "weighted": Sum(WEIGHTED),
        "commit": Sum("amount", filter=commit),
        "best_case": Sum("amount", filter=best),
        "pipeline_amount": Sum("amount"),
    }


def _money(value: Any) -> Decimal:
    return to_cent(value or 0)


def forecast_totals(qs: QuerySet[Opportunity], period: Period) -> dict[str, Any]:
    """Weighted (Σ amount × probability / 100), commit, best case (commit + best case), pipeline amount, count."""
    agg = forecast_queryset(qs, period).order_by().aggregate(count=Count("pk"), **forecast_aggregates())
    return {k: (agg[k] or 0) if k == "count" else _money(agg[k]) for k in agg}


def forecast_snapshots(*, user: User, limit: int = 12) -> list[ForecastSnapshot]:
    """The latest snapshots the user may see: company totals with an 'all' opportunities scope, else their own."""
    scope = permission_scope(user, "opportunities.view")
    if scope is None:
        raise PermissionDeniedError(_("You do not have permission to view opportunities."))
    qs = ForecastSnapshot.objects.filter(department__isnull=True)
    qs = qs.filter(owner__isnull=True) if scope == DataScope.ALL else qs.filter(owner=user)
    return list(qs.order_by("-period_start", "-taken_at")[:limit])


@dataclass
class ProgressRow:
    subject: Any  # User or Department
    kind: str  # "person" / "department"
    target: SalesTarget | None
    actual: Decimal
    weighted: Decimal
    split_total: Decimal | None = None  # a department target's member targets, when it was split
    url: str = ""  # the list of the records behind the actual (drill-down)
    weighted_url: str = ""  # the open opportunities expected to sign in the period behind the weighted pipeline

    @property
    def split_difference(self) -> Decimal | None:
        """Member targets minus the department target (0 when the split adds up)."""
        if self.split_total is None or self.target is None:
            return None
        return self.split_total - self.target.value

    @property
    def percent(self) -> Decimal | None:
        """Completion in % (one decimal), None without a (non-zero) target."""
        if self.target is None or not self.target.value:
            return None
        return (self.actual * 100 / self.target.value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def bar(self) -> int:
        return min(100, int(self.percent or 0))


def _actuals(user: User, metric: str, period: Period) -> dict[tuple[int, int | None], Decimal]:
    """{(owner id, owner's department id): actual} within the user's data scope."""
    opps = scope_queryset(user, Opportunity.objects.filter(deleted_at__isnull=True))
    qs: QuerySet[Any]
    if metric == SalesTarget.Metric.SIGNED_AMOUNT:
        return _signed(user, period)
    if metric == SalesTarget.Metric.NEW_OPPORTUNITIES:
        qs = opps.filter(created_at__gte=period.start, created_at__lt=period.end)
        value: Any = Count("pk")
    elif metric == SalesTarget.Metric.NEW_CUSTOMERS:
        qs = scope_queryset(user, Customer.objects.filter(deleted_at__isnull=True)).filter(
            created_at__gte=period.start, created_at__lt=period.end, owner__isnull=False
        )
        value = Count("pk")
    else:  # collected_amount: payments (回款) live in a higher app, which answers through a registry port
        return _collected(user, period)
    rows = qs.order_by().values("owner_id", "owner__department_id").annotate(v=value)
    return {(r["owner_id"], r["owner__department_id"]): Decimal(r["v"] or 0) for r in rows}


# The one definition of "signed amount" (targets, the dashboard, the monthly report, the league): the registered
# figure of contracts signed in the period, with or without a won opportunity behind them.
SIGNED_METRIC = "signed_contract_amount"


def _signed(user: User, period: Period) -> dict[tuple[int, int | None], Decimal]:
    """{(owner id, owner's department id): signed} from the registered signed-contract figure (the app that records
    contracts registers it, within the user's contracts scope): a contract signed without a deal counts, a won deal
    without a contract does not. {} without such an app."""
    signed = registry.metric(SIGNED_METRIC)
    if signed is None:
        return {}
    values = signed.compute(user=user, date_from=period.date_from, date_to=period.date_to, group_by="owner")
    owners = [pk for pk in values if pk is not None]
    departments = dict(User.objects.filter(pk__in=owners).values_list("pk", "department_id"))
    return {(pk, departments.get(pk)): _money(values[pk]) for pk in owners}


def collected_available() -> bool:
    """Whether an installed app records payments (and so answers collected amounts)."""
    return registry.optional_port(COLLECTED_AMOUNTS) is not None


def _collected(user: User, period: Period) -> dict[tuple[int, int | None], Decimal]:
    """{(owner id, owner's department id): collected} from the app that records payments, {} without one.

    The COLLECTED_AMOUNTS port (provided by billing) takes user, start and end (aware datetimes, end
    exclusive) and answers within that user's data scope."""
    payments = registry.optional_port(COLLECTED_AMOUNTS)
    if payments is None:
        return {}
    rows = payments.collected(user=user, start=period.start, end=period.end)
    return {(owner, dept): _money(value) for (owner, dept), value in (rows or {}).items()}


def _weighted(user: User, period: Period) -> dict[tuple[int, int | None], Decimal]:
    opps = forecast_queryset(scope_queryset(user, Opportunity.objects.filter(deleted_at__isnull=True)), period)
    rows = opps.order_by().values("owner_id", "owner__department_id").annotate(v=Sum(WEIGHTED))
    return {(r["owner_id"], r["owner__department_id"]): _money(r["v"]) for r in rows}


# The registered metric whose list shows the records behind each target metric's actual.
ACTUAL_RECORDS: dict[str, str] = {
    SalesTarget.Metric.SIGNED_AMOUNT: SIGNED_METRIC,
    SalesTarget.Metric.NEW_CUSTOMERS: "new_customers",
    SalesTarget.Metric.NEW_OPPORTUNITIES: "new_opportunities",
    SalesTarget.Metric.COLLECTED_AMOUNT: "collected_amount",
}


def actual_records(metric: str, period: Period, owners: list[int]) -> str:
    """The list of the records behind an actual of these people (a department: its people with a figure)."""
    registered = registry.metric(ACTUAL_RECORDS.get(metric, ""))
    if registered is None or registered.records is None or not owners:
        return ""
    return registered.records(date_from=period.date_from, date_to=period.date_to, owner=sorted(owners))


def pipeline_records(period: Period, owners: list[int]) -> str:
    """The open opportunities of these people expected to sign in the period (the weighted pipeline's deals)."""
    if not owners:
        return ""
    return drill_url("sales:opportunity_list", forecast_params(period) | {"owner": sorted(owners)})


FORECASTED = [c for c in Opportunity.ForecastCategory.values if c != Opportunity.ForecastCategory.OMITTED]


def forecast_params(period: Period, categories: list[str] | None = None) -> dict[str, Any]:
    """The opportunity list's filters for `forecast_queryset` (open, expected to sign in the period, not omitted),
    narrowed to some forecast categories."""
    return {
        "scene": "all",
        "status": "open",
        "close_from": period.date_from,
        "close_to": period.date_to,
        "forecast": categories or FORECASTED,
    }


def forecast_links(period: Period) -> dict[str, str]:
    """The deals behind each forecast figure: weighted, pipeline and the count (every category but omitted), commit,
    best case (commit and best case)."""
    every = drill_url("sales:opportunity_list", forecast_params(period))
    commit = Opportunity.ForecastCategory.COMMIT
    return {
        "weighted": every,
        "pipeline_amount": every,
        "commit": drill_url("sales:opportunity_list", forecast_params(period, [commit])),
        "best_case": drill_url(
            "sales:opportunity_list", forecast_params(period, [commit, Opportunity.ForecastCategory.BEST_CASE])
        ),
    }


def targets_progress(*, user: User, period_kind: str, period_start: dt.date, metric: str) -> dict[str, Any]:
    """Rows per person and per department for one period and metric: target, actual, completion, weighted pipeline.

    People: those with a target or a figure in the user's scope. Departments: those with a target the user may
    see; their actual and pipeline roll up everyone in the department's sub-tree (as far as the user sees)."""
    if metric not in SalesTarget.Metric.values:
        metric = SalesTarget.Metric.SIGNED_AMOUNT
    period = period_of(period_kind, period_start)
    period_start = period.date_from
    targets = SalesTarget.objects.filter(period_kind=period_kind, period_start=period_start, metric=metric)
    person_targets = {
        t.owner_id: t for t in scope_queryset(user, targets.filter(owner__isnull=False)).select_related("owner")
    }
    scope = permission_scope(user, "opportunities.view")
    dept_targets = targets.filter(department__isnull=False).select_related("department")
    if scope != DataScope.ALL:
        dept_targets = dept_targets.filter(department_id__in=department_tree_ids(user.department))
    actuals = _actuals(user, metric, period)
    weighted = _weighted(user, period) if metric in AMOUNT_METRICS else {}

    def by_owner(data: dict[tuple[int, int | None], Decimal]) -> dict[int, Decimal]:
        return {owner: v for (owner, _dept), v in data.items()}

    actual_by_owner, weighted_by_owner = by_owner(actuals), by_owner(weighted)
    owner_ids: set[int] = {pk for pk in (*person_targets, *actual_by_owner, *weighted_by_owner) if pk is not None}
    users = {u.pk: u for u in User.objects.filter(pk__in=owner_ids)}
    people = [
        ProgressRow(
            subject=users[pk],
            kind="person",
            target=person_targets.get(pk),
            actual=actual_by_owner.get(pk, ZERO),
            weighted=weighted_by_owner.get(pk, ZERO),
            url=actual_records(metric, period, [pk]),
            weighted_url=pipeline_records(period, [pk]) if weighted_by_owner.get(pk) else "",
        )
        for pk in sorted(owner_ids, key=lambda pk: (pk not in person_targets, str(users[pk])))
        if pk in users
    ]
    split_totals = {
        row["parent_id"]: row["total"]
        for row in SalesTarget.objects.filter(parent__in=dept_targets).values("parent_id").annotate(total=Sum("value"))
    }
    departments = []
    for t in dept_targets:
        tree = set(department_tree_ids(t.department))
        departments.append(
            ProgressRow(
                subject=t.department,
                kind="department",
                target=t,
                actual=sum((v for (_o, d), v in actuals.items() if d in tree), ZERO),
                weighted=sum((v for (_o, d), v in weighted.items() if d in tree), ZERO),
                split_total=split_totals.get(t.pk),
                url=actual_records(metric, period, [o for (o, d) in actuals if d in tree]),
                weighted_url=pipeline_records(period, [o for (o, d) in weighted if d in tree]),
            )
        )
    return {"period": period, "metric": metric, "people": people, "departments": departments}


def target_subject_choices(*, user: User) -> list[tuple[str, str]]:
    """What the target form offers: people and departments the user may set targets for ("u:<id>" / "d:<id>")."""
    try:
        scope = target_setting_scope(user)
    except PermissionDeniedError:
        return []
    people = [
        u
        for u in User.objects.filter(is_active=True).order_by("username")
        if in_target_reach(user, scope, owner=u, department=None)
    ]
    depts = [d for d in Department.objects.order_by("path") if in_target_reach(user, scope, owner=None, department=d)]
    return [(f"d:{d.pk}", f"{d} ({_('department')})") for d in depts] + [
        (f"u:{u.pk}", str(getattr(u, "display_name", "") or u.username)) for u in people
    ]


def target_subject(*, user: User, key: str) -> tuple[User | None, Department | None]:
    """The person or department behind a form choice the user was offered (ValidationFailed otherwise)."""
    if key not in dict(target_subject_choices(user=user)):
        raise ValidationFailed(_("Choose a person or a department."), fields={"subject": [_("Choose a valid option.")]})
    kind, _sep, pk = key.partition(":")
    if kind == "u":
        return User.objects.get(pk=int(pk)), None
    return None, Department.objects.get(pk=int(pk))


def targets_visible(*, user: User) -> QuerySet[SalesTarget]:
    """Targets the user may read: people's targets within their opportunities scope, and department targets of
    their own department tree (every department with an "all" scope). 403 without opportunities.view."""
    people = scope_queryset(user, SalesTarget.objects.filter(owner__isnull=False)).values("pk")
    scope = permission_scope(user, "opportunities.view")
    departments = SalesTarget.objects.filter(department__isnull=False)
    if scope != DataScope.ALL:
        departments = departments.filter(department_id__in=department_tree_ids(user.department))
    return SalesTarget.objects.filter(Q(pk__in=people) | Q(pk__in=departments.values("pk"))).select_related(
        "owner", "department", "set_by"
    )


def targets_list(*, user: User, filters: QueryDict | Mapping[str, Any] | None = None) -> QuerySet[SalesTarget]:
    """The visible targets, filtered by filters.TargetFilter (period kind/start, metric, person, department, parent)."""
    fs = TargetFilter(data=filters or {}, queryset=targets_visible(user=user))
    if not fs.is_valid():
        raise ValidationFailed(
            _("Some filters are not valid."), fields={k: [str(m) for m in v] for k, v in fs.errors.items()}
        )
    return fs.qs.order_by("-period_start", "metric", "department_id", "owner_id", "pk")


def target_get(*, user: User, pk: Any) -> SalesTarget:
    try:
        return targets_visible(user=user).get(pk=int(pk))
    except (SalesTarget.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError(_("Not found, or you may not see it."))


def target_for_split(*, user: User, pk: Any) -> SalesTarget:
    """A department target the user may split (404 for anything else, 403 without the right to set targets)."""
    scope = target_setting_scope(user)
    try:
        target = SalesTarget.objects.select_related("department").get(pk=int(pk), department__isnull=False)
    except (SalesTarget.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError(_("Not found."))
    if not in_target_reach(user, scope, owner=None, department=target.department):
        raise NotFoundError(_("Not found."))
    return target


def split_members(*, target: SalesTarget) -> list[tuple[User, Decimal | None]]:
    """The active members of the target's department (and its sub-departments), each with their current target of
    the same period and metric (None without one)."""
    members = list(
        User.objects.filter(is_active=True, department_id__in=department_tree_ids(target.department))
        .select_related("department")
        .order_by("department__path", "username")
    )
    current = {
        t.owner_id: t.value
        for t in SalesTarget.objects.filter(
            owner__in=members, period_kind=target.period_kind, period_start=target.period_start, metric=target.metric
        )
    }
    return [(u, current.get(u.pk)) for u in members]


def can_set_targets(user: User) -> bool:
    return has_permission(user, "org.admin") or has_permission(user, "opportunities.assign")


def forecast_for(*, user: User, period: Period) -> dict[str, Any]:
    """This period's forecast totals over the opportunities the user may see."""
    return forecast_totals(opportunity_scope(user=user), period)
