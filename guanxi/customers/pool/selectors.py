"""Every read of the public pool: pool customers the user may see (policies.pool_visibility_q), a customer's
pool status ("no contact for N days · returns to the pool in M days"), claim usage and the pool rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.org.models import DataScope, Role, User
from guanxi.org.policies import department_tree_ids, permission_scope, require_permission, subordinate_ids

from ..models import Customer, PoolEvent, PoolRule
from . import policies
from .filters import POOL_SORTS, PoolFilter
from .services import pool_rulebook


# --- the pool list ---------------------------------------------------------------------------
def pool_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[Customer]:
    """Pool customers the user may see, filtered (PoolFilter) and sorted (`sort`, newest in the pool first)."""
    qs = policies.pool_customers(user)
    if filters is not None and not isinstance(filters, QueryDict):  # a dict from the API or code: lists allowed
        data = QueryDict(mutable=True)
        for key, value in filters.items():
            data.setlist(key, [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
        filters = data
    fs = PoolFilter(data=filters or {}, queryset=qs)
    if not fs.is_valid():
        raise ValidationFailed(
            _("Some filters are not valid."), fields={k: [str(m) for m in v] for k, v in fs.errors.items()}
        )
    sort = filters.get("sort") if filters else None
    order = POOL_SORTS.get(str(sort or "-entered"), "-pool_entered_at")
    return fs.qs.select_related("previous_owner", "department").order_by(order, "-id")


def pool_customer_get(*, user: User, pk: Any) -> Customer:
    """One pool customer the user may see (404 otherwise, also when it has left the pool)."""
    try:
        return (
            policies.pool_customers(user)
            .select_related("previous_owner", "department", "created_by")
            .prefetch_related("contacts", "tags")
            .get(pk=int(pk))
        )
    except (Customer.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(_("Not found, or you may not see it."))


def pool_history(*, customer: Customer, limit: int = 20) -> list[PoolEvent]:
    """A customer's pool events, newest first (for a customer the caller already may see)."""
    return list(PoolEvent.objects.filter(customer=customer).select_related("user", "actor")[:limit])


def pool_previous_owner_choices(*, user: User) -> QuerySet[User]:
    """Previous owners of the pool customers the user sees (the "previous owner" filter)."""
    ids = policies.pool_customers(user).exclude(previous_owner__isnull=True).values("previous_owner_id")
    return User.objects.filter(pk__in=ids).order_by("name", "username")


def pool_assignee_choices(*, user: User) -> QuerySet[User]:
    """Active users who may own customers, within the reach of the user's customers.assign scope."""
    scope = permission_scope(user, "customers.assign")
    if scope is None:
        return User.objects.none()
    role_ids = [
        r.pk for r in Role.objects.all() if r.permissions == "__all__" or "customers.view" in (r.permissions or [])
    ]
    qs = User.objects.filter(is_active=True).filter(Q(roles__in=role_ids) | Q(is_superuser=True)).distinct()
    if scope == DataScope.ALL:
        pass
    elif scope in (DataScope.DEPARTMENT_TREE, DataScope.DEPARTMENT):
        ids = department_tree_ids(user.department) if scope == DataScope.DEPARTMENT_TREE else [user.department_id]
        qs = qs.filter(department_id__in=[i for i in ids if i])
    else:
        qs = qs.filter(pk__in=subordinate_ids(user) | {user.pk})
    if user.partner_org_id and not user.is_superuser:
        qs = qs.filter(partner_org_id=user.partner_org_id)
    return qs.order_by("name", "username")


def pool_claims_today(*, user: User, now: dt.datetime | None = None) -> dict[str, int]:
    """{"used": claims today, "cap": the rule's daily cap (0 = no limit)} for the user."""
    now = now or timezone.now()
    start, end = policies.day_bounds(now)
    used = PoolEvent.objects.filter(user=user, action=PoolEvent.Action.CLAIMED, at__gte=start, at__lt=end).count()
    return {"used": used, "cap": pool_rulebook().for_department(user.department_id).daily_claim_cap}


# --- a customer's pool status ----------------------------------------------------------------
@dataclass(frozen=True)
class PoolStatus:
    """Where a customer stands against its pool rule.

    covered: the rule watches it (active rule, its level and status, owned, not protected by e.g. a contract).
    days_idle: whole days since the clock started (last follow-up, else creation, or a later claim/assignment).
    warning_level: 0, 1 (past the first warning) or 2 (past the second). days_left: whole days before the
    automatic return (0: at the next run; None when not covered). For pool customers: days_in_pool.
    """

    rule: PoolRule
    covered: bool
    in_pool: bool
    since: dt.datetime | None
    days_idle: int
    warning_level: int
    days_left: int | None
    days_in_pool: int | None
    returns_on: dt.date | None = None  # the local day of the automatic return (covered customers only)

    @property
    def countdown(self) -> str:
        """ "Will return to the pool on 2026-12-30 unless followed up" (empty when the rule does not watch it)."""
        if not self.covered or self.returns_on is None:
            return ""
        if self.days_left == 0:
            return _("Returns to the pool at the next check unless followed up")
        return _("Will return to the pool on %(date)s unless followed up") % {"date": self.returns_on.isoformat()}

    @property
    def urgency(self) -> str:
        """How the countdown is coloured: "danger" (past the second warning or a week left), "warning" (past the
        first warning), "" otherwise."""
        if not self.covered:
            return ""
        if self.warning_level >= 2 or (self.days_left is not None and self.days_left <= RETURNING_SOON_DAYS):
            return "danger"
        return "warning" if self.warning_level == 1 else ""

    @property
    def summary(self) -> str:
        """ "No contact for 35 days · returns to the pool in 25 days" (empty when there is nothing to say)."""
        if self.in_pool:
            return ngettext(
                "In the public pool for %(days)s day", "In the public pool for %(days)s days", self.days_in_pool or 0
            ) % {"days": self.days_in_pool or 0}
        if not self.covered or self.warning_level == 0:
            return ""
        parts = [
            ngettext("No contact for %(days)s day", "No contact for %(days)s days", self.days_idle)
            % {"days": self.days_idle}
        ]
        if self.days_left == 0:
            parts.append(_("returns to the pool at the next check"))
        elif self.days_left is not None:
            parts.append(
                ngettext("returns to the pool in %(days)s day", "returns to the pool in %(days)s days", self.days_left)
                % {"days": self.days_left}
            )
        return " · ".join(parts)


RETURNING_SOON_DAYS = 7  # "returning soon": my day lists the customers returning to the pool within this many days


def _days(delta: dt.timedelta) -> int:
    return max(0, delta.days)


def customer_pool_statuses(
    customers: Iterable[Customer],
    *,
    now: dt.datetime | None = None,
    rule: PoolRule | None = None,
    book: policies.RuleBook | None = None,
) -> dict[int, PoolStatus]:
    """Pool status of many customers (a list page) in a fixed number of queries: {customer id: PoolStatus}.

    The caller has already narrowed `customers` to what the user may see. `rule` overrides the resolved rule;
    `book` is the rule book when the caller has read it already.
    """
    now = now or timezone.now()
    customers = [c for c in customers if c.pk]
    if not customers:
        return {}
    book = book or pool_rulebook()
    ids = [c.pk for c in customers]
    taken = dict(
        PoolEvent.objects.filter(customer_id__in=ids, action__in=[PoolEvent.Action.CLAIMED, PoolEvent.Action.ASSIGNED])
        .values("customer_id")
        .annotate(last=Max("at"))
        .values_list("customer_id", "last")
    )
    by_rule: dict[int, tuple[PoolRule, list[Customer]]] = {}
    for c in customers:
        r = rule or book.for_customer(c)
        by_rule.setdefault(r.pk, (r, []))[1].append(c)
    covered: set[int] = set()
    for r, group in by_rule.values():
        depts = sorted({c.department_id for c in group if c.department_id is not None})
        q = policies.coverage_q(rule=r, department_ids=depts, include_no_department=True, now=now)
        covered |= set(Customer.objects.filter(q, pk__in=[c.pk for c in group]).values_list("pk", flat=True))
    out: dict[int, PoolStatus] = {}
    for r, group in by_rule.values():
        for c in group:
            in_pool = c.owner_id is None and c.pool_entered_at is not None
            since = c.last_contact_at or c.created_at
            if taken.get(c.pk) and (since is None or taken[c.pk] > since):
                since = taken[c.pk]
            idle = _days(now - since) if since else 0
            is_covered = c.pk in covered
            level = 0
            if is_covered:
                level = 2 if idle >= r.second_warning_days else 1 if idle >= r.first_warning_days else 0
            out[c.pk] = PoolStatus(
                rule=r,
                covered=is_covered,
                in_pool=in_pool,
                since=since,
                days_idle=idle,
                warning_level=level,
                days_left=max(0, r.reclaim_days - idle) if is_covered else None,
                days_in_pool=_days(now - c.pool_entered_at) if in_pool and c.pool_entered_at else None,
                returns_on=timezone.localdate(since + dt.timedelta(days=r.reclaim_days))
                if is_covered and since
                else None,
            )
    return out


def customer_pool_status(
    customer: Customer, rule: PoolRule | None = None, *, now: dt.datetime | None = None
) -> PoolStatus:
    """One customer's pool status (the customer page): days without contact, warning level, days left."""
    return customer_pool_statuses([customer], now=now, rule=rule)[customer.pk]


def customers_returning_soon(
    *, user: User, within_days: int = RETURNING_SOON_DAYS, now: dt.datetime | None = None, limit: int = 20
) -> list[tuple[Customer, PoolStatus]]:
    """The user's own customers that return to the pool within `within_days` days unless followed up, soonest
    first, each with its PoolStatus (my day). A fixed number of queries: only customers idle long enough for the
    most lenient active rule to return them are read, then customer_pool_statuses decides for each."""
    now = now or timezone.now()
    book = pool_rulebook()
    reclaim = [rule.reclaim_days for rule, _ids, _none in book.groups() if rule.is_active]
    if not reclaim:
        return []
    idle_for = max(0, min(reclaim) - within_days)
    qs = Customer.objects.filter(policies.idle_q(now=now, days=idle_for), owner=user, pool_entered_at__isnull=True)
    customers = list(qs.order_by("last_contact_at", "pk")[:500])
    statuses = customer_pool_statuses(customers, now=now, book=book)
    rows = [
        (c, statuses[c.pk])
        for c in customers
        if statuses[c.pk].covered and statuses[c.pk].days_left is not None and statuses[c.pk].days_left <= within_days
    ]
    rows.sort(key=lambda row: (row[1].days_left or 0, row[0].name))
    return rows[:limit]


# --- rules -----------------------------------------------------------------------------------
def _require_rule_admin(user: User) -> None:
    if not policies.can_manage_rules(user):
        require_permission(user, "org.admin")  # names the missing permission
        raise PermissionDeniedError(_("Only administrators may change the public-pool rules."))


def pool_rule_list(*, user: User) -> list[dict[str, Any]]:
    """Every rule with the departments it governs, company-wide first (for the rules page)."""
    _require_rule_admin(user)
    book = pool_rulebook()
    from guanxi.org.models import Department

    names = dict(Department.objects.values_list("pk", "name"))
    rows = []
    groups = sorted(book.groups(), key=lambda g: (g[0].department is not None, getattr(g[0].department, "path", "")))
    for rule, dept_ids, no_department in groups:
        rows.append(
            {
                "rule": rule,
                "company_wide": rule.department_id is None,
                "governs": [names[i] for i in dept_ids if i in names],
                "no_department": no_department,
            }
        )
    return rows


def pool_rule_get(*, user: User, pk: Any) -> PoolRule:
    _require_rule_admin(user)
    try:
        return PoolRule.objects.select_related("department").get(pk=int(pk))
    except (PoolRule.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(_("Not found, or you may not see it."))


def pool_rule_for_department(*, user: User, department_id: int | None) -> PoolRule | None:
    """The rule a department has itself (None: it inherits), or the company-wide rule for None."""
    _require_rule_admin(user)
    if department_id is None:
        return pool_rulebook().company
    return PoolRule.objects.filter(department_id=department_id).first()


def pool_rule_department_choices(*, user: User) -> QuerySet[Any]:
    """Departments without a rule of their own (where a new rule can be added)."""
    _require_rule_admin(user)
    from guanxi.org.models import Department

    return Department.objects.filter(is_active=True, pool_rule__isnull=True).order_by("path", "sort_order", "name")


def pool_rule_department(*, user: User, pk: Any) -> Any:
    """A department named in a rule request (404 when there is none)."""
    _require_rule_admin(user)
    from guanxi.org.models import Department

    try:
        return Department.objects.get(pk=int(pk))
    except (Department.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(_("Not found, or you may not see it."))
