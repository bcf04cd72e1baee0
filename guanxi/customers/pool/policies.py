"""Public-pool (公海) business rules: which PoolRule governs a customer, which customers a rule covers, what
protects a customer from the reclaim, when a customer counts as idle, and who may administer the rules.

Rule resolution: a customer's department's rule, else the nearest ancestor department's, else the company-wide
rule (department empty). The nearest rule wins even when it is switched off: an inactive rule means "no warnings
and no automatic reclaim here", so an admin can exempt one branch of the tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.registry import registry
from guanxi.org.models import DataScope, Department
from guanxi.org.policies import has_permission, permission_scope

from ..dictionaries import DEAL_MADE, STATUS
from ..models import Customer, PoolEvent, PoolRule

if TYPE_CHECKING:
    from guanxi.org.models import User

# The requirement documents' numbers (also the model defaults).
DEFAULTS: dict[str, int] = {
    "first_warning_days": 30,
    "second_warning_days": 60,
    "reclaim_days": 60,
    "daily_claim_cap": 10,
    "reclaim_cooldown_days": 30,
}


DAYS_MAX = 3650  # ten years: longer periods are typos (and would overflow the date arithmetic)
CLAIM_CAP_MAX = 10_000


class PoolErrorCode(StrEnum):
    NOT_IN_POOL = "pool_not_in_pool"
    ALREADY_CLAIMED = "pool_already_claimed"
    CLAIM_CAP = "pool_claim_cap_reached"
    COOLDOWN = "pool_cooldown"
    NOT_OWNED = "pool_not_owned"
    PARTNER = "pool_partner_user"


# --- rule resolution -------------------------------------------------------------------------
@dataclass
class RuleBook:
    """Every pool rule and which departments each one governs, loaded in two queries."""

    company: PoolRule
    rules: list[PoolRule]
    # department id → the rule that governs it (its own, its nearest ancestor's, or the company-wide one)
    by_department: dict[int, PoolRule] = field(default_factory=dict)

    def for_department(self, department_id: int | None) -> PoolRule:
        if department_id is None:
            return self.company
        return self.by_department.get(department_id, self.company)

    def for_customer(self, customer: Customer) -> PoolRule:
        return self.for_department(customer.department_id)

    def groups(self) -> Iterator[tuple[PoolRule, list[int], bool]]:
        """(rule, department ids it governs, whether it also governs customers without a department)."""
        governed: dict[int, list[int]] = {}
        for dept_id, rule in self.by_department.items():
            governed.setdefault(rule.pk, []).append(dept_id)
        for rule in self.rules:
            is_company = rule.pk == self.company.pk
            if rule.department_id is None and not is_company:
                continue  # a second company-wide row (the inactive twin the constraint allows) governs nothing
            yield rule, sorted(governed.get(rule.pk, [])), is_company


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p.isdigit()]


def rulebook_build(*, rules: Iterable[PoolRule], company: PoolRule) -> RuleBook:
    rules = list(rules)
    own = {r.department_id: r for r in rules if r.department_id is not None}
    book = RuleBook(company=company, rules=rules if company in rules else [company, *rules])
    for dept_id, path in Department.objects.values_list("pk", "path"):
        chain = _path_ids(path) or [dept_id]
        if chain[-1] != dept_id:  # a path not yet maintained: the department itself still counts
            chain.append(dept_id)
        book.by_department[dept_id] = next((own[d] for d in reversed(chain) if d in own), company)
    return book


def company_rule_pick(rules: Iterable[PoolRule]) -> PoolRule | None:
    """The company-wide rule: the active one if there is one (the constraint allows one active, one inactive)."""
    company = [r for r in rules if r.department_id is None]
    company.sort(key=lambda r: (not r.is_active, r.pk))
    return company[0] if company else None


# --- which customers a rule covers ------------------------------------------------------------
def protection_q(*, rule: PoolRule, now: dt.datetime) -> Q:
    """Customers that registered providers protect from this rule (open opportunity, active contract…)."""
    q = Q()
    for protection in registry.pool_protections:
        if protection.override and getattr(rule, protection.override, False):
            continue  # the rule says: reclaim these too
        found = protection.protected(now=now)
        if isinstance(found, Q):
            q |= found
        else:
            # A queryset of customer ids; NULLs would make NOT IN match nothing, so they are dropped here.
            names = getattr(found.query, "values_select", ()) or ("pk",)
            q |= Q(pk__in=found.filter(**{f"{names[0]}__isnull": False}))
    return q


def coverage_q(*, rule: PoolRule, department_ids: list[int], include_no_department: bool, now: dt.datetime) -> Q:
    """Owned customers this rule watches: its departments, levels and statuses, minus protected ones.

    An inactive rule covers nobody. Statuses empty means every status except those whose dictionary entry is
    flagged "deal made" (customers/dictionaries.py: the seeded 已成交, and any an administrator flags).
    """
    if not rule.is_active:
        return Q(pk__in=[])
    q = Q(owner__isnull=False, pool_entered_at__isnull=True)
    departments = Q(department_id__in=department_ids)
    if include_no_department:
        departments |= Q(department__isnull=True)
    q &= departments
    if rule.levels:
        q &= Q(level__in=list(rule.levels))
    if rule.statuses:
        q &= Q(status__in=list(rule.statuses))
    else:
        q &= ~Q(status__in=dictionaries.codes_with(STATUS, DEAL_MADE))
    protected = protection_q(rule=rule, now=now)
    if protected:
        q &= ~protected
    return q


def idle_q(*, now: dt.datetime, days: int) -> Q:
    """No follow-up for at least `days` days: since the last contact, or since creation if never contacted,
    and not claimed or assigned from the pool within that time (a fresh owner gets a fresh clock)."""
    threshold = now - dt.timedelta(days=days)
    recently_taken = PoolEvent.objects.filter(
        customer=OuterRef("pk"),
        action__in=[PoolEvent.Action.CLAIMED, PoolEvent.Action.ASSIGNED],
        at__gt=threshold,
    )
    # One comparison on COALESCE(last contact, creation) rather than an OR, so an index on that expression can
    # serve it (docs/pool.md suggests one); without the index it is one plain scan.
    idle = Q(LessThanOrEqual(Coalesce("last_contact_at", "created_at"), Value(threshold, output_field=DateTimeField())))
    return idle & Q(~Exists(recently_taken))


# --- claim limits ----------------------------------------------------------------------------
def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of `now`'s calendar day in the company's time zone (Asia/Shanghai by default)."""
    local = timezone.localtime(now, timezone.get_default_timezone())
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = timezone.make_aware(dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time.min), start.tzinfo)
    return start, end


def cooldown_until(*, customer: Customer, rule: PoolRule) -> dt.datetime | None:
    """When the previous owner may claim this pool customer again (None: no cool-down applies)."""
    if customer.pool_entered_at is None or not rule.reclaim_cooldown_days:
        return None
    return customer.pool_entered_at + dt.timedelta(days=rule.reclaim_cooldown_days)


# --- who sees the pool and who administers the rules ------------------------------------------
def pool_visibility_q(user: User) -> Q | None:
    """Pool customers the user may see (None: all of them).

    Holders of customers.view see the pool customers of their own department and its sub-departments plus the
    company-wide ones (no department); ALL-scope holders see every pool customer; partner-organisation users see
    none (agents don't fish in the company pool). The normal data scope cannot express this: pool customers
    have no owner.
    """
    from guanxi.org.policies import department_tree_ids, require_permission

    scope = require_permission(user, "customers.view")
    if user.partner_org_id and not user.is_superuser:
        return Q(pk__in=[])
    if scope == DataScope.ALL:
        return None
    ids = getattr(user, "_guanxi_dept_tree", None)
    if ids is None:
        ids = department_tree_ids(user.department)
        user._guanxi_dept_tree = ids  # type: ignore[attr-defined]
    return Q(department_id__in=ids) | Q(department__isnull=True)


def in_pool_q() -> Q:
    return Q(owner__isnull=True, pool_entered_at__isnull=False)


def pool_customers(user: User) -> QuerySet[Customer]:
    q = pool_visibility_q(user)
    qs = Customer.objects.filter(in_pool_q())
    return qs if q is None else qs.filter(q)


def can_manage_rules(user: Any) -> bool:
    """Pool rules are company policy: administrators, or whoever may assign customers across the whole company."""
    return has_permission(user, "org.admin") or permission_scope(user, "customers.assign") == DataScope.ALL
