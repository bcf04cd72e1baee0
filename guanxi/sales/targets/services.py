"""Writes of sales targets (业绩目标) and the forecast: target_set, target_split, forecast_snapshot_take.
Reads are in selectors.py. Rules: docs/targets.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.money import AMOUNT_MAX, to_cent
from guanxi.core.services import audit_record, snapshot
from guanxi.org.models import Department, User
from guanxi.org.policies import department_tree_ids
from guanxi.sales.opportunities.funnel import period_for
from guanxi.sales.opportunities.models import Opportunity

from .models import ForecastSnapshot, PeriodKind, SalesTarget
from .selectors import ZERO, forecast_aggregates, forecast_queryset, in_target_reach, period_of, target_setting_scope


def check_period_start(kind: str, start: dt.date) -> None:
    """A target's period starts on the first day of its month, quarter or year."""
    if period_of(kind, start).date_from != start:
        raise ValidationFailed(
            _("The period must start on the first day of its month, quarter or year."),
            fields={
                "period_start": [
                    _("Use the first day of the period (e.g. %(date)s).")
                    % {"date": period_of(kind, start).date_from.isoformat()}
                ]
            },
        )


def _clean_value(value: Any) -> Decimal:
    try:
        number = to_cent(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter a number."), fields={"value": [_("Enter a number.")]})
    if not number.is_finite() or number < 0 or number >= AMOUNT_MAX:
        raise ValidationFailed(
            _("Enter a number."), fields={"value": [_("Enter a number from 0 to 999,999,999,999.99.")]}
        )
    return number


def _upsert(
    *,
    actor: User,
    owner: User | None,
    department: Department | None,
    period_kind: str,
    period_start: dt.date,
    metric: str,
    value: Decimal,
    parent: SalesTarget | None,
) -> SalesTarget:
    target = SalesTarget.objects.filter(
        owner=owner, department=department, period_kind=period_kind, period_start=period_start, metric=metric
    ).first()
    before = snapshot(target) if target else {}
    if target is None:
        target = SalesTarget(
            owner=owner, department=department, period_kind=period_kind, period_start=period_start, metric=metric
        )
    target.value = value
    if parent is not None:
        target.parent = parent
    target.set_by = actor
    target.save()
    after = snapshot(target)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE if before else AuditLog.Action.CREATE,
        obj=target,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
        message=Message(gettext_noop("Set a sales target")),
    )
    return target


def target_set(
    *,
    actor: User,
    owner: User | None = None,
    department: Department | None = None,
    period_kind: str,
    period_start: dt.date,
    metric: str,
    value: Any,
) -> SalesTarget:
    """Create or change the target of one person or one department (opportunities.assign or org.admin)."""
    scope = target_setting_scope(actor)
    if (owner is None) == (department is None):
        raise ValidationFailed(_("Choose a person or a department."), fields={"subject": [_("Choose one.")]})
    if not in_target_reach(actor, scope, owner=owner, department=department):
        raise PermissionDeniedError(_("You may not set targets outside your data scope."))
    if metric not in SalesTarget.Metric.values:
        raise ValidationFailed(_("Unknown metric."), fields={"metric": [_("Choose a metric.")]})
    check_period_start(period_kind, period_start)
    number = _clean_value(value)
    with transaction.atomic():
        return _upsert(
            actor=actor,
            owner=owner,
            department=department,
            period_kind=period_kind,
            period_start=period_start,
            metric=metric,
            value=number,
            parent=None,
        )


def target_split(*, actor: User, target: SalesTarget, allocations: list[tuple[User, Any]]) -> list[SalesTarget]:
    """Split a department target into member targets; they must add up exactly to it (else nothing is written)."""
    scope = target_setting_scope(actor)
    if target.department_id is None:
        raise ValidationFailed(
            _("Only a department target can be split."), fields={"target": [_("Not a department target.")]}
        )
    if not in_target_reach(actor, scope, owner=None, department=target.department):
        raise PermissionDeniedError(_("You may not set targets outside your data scope."))
    members = set(department_tree_ids(target.department))
    cleaned: list[tuple[User, Decimal]] = []
    seen: set[int] = set()
    for user, value in allocations:
        if user.department_id not in members:
            raise ValidationFailed(
                _("%(user)s is not a member of %(department)s.") % {"user": user, "department": target.department},
                fields={"allocations": [_("Only members of the department can share its target.")]},
            )
        if user.pk in seen:
            raise ValidationFailed(_("Each person may appear once."), fields={"allocations": [_("Duplicate person.")]})
        seen.add(user.pk)
        cleaned.append((user, _clean_value(value)))
    total = sum((v for _u, v in cleaned), ZERO)
    if total != target.value:
        difference = total - target.value
        message = _(
            "The member targets add up to %(total)s but the department target is %(target)s (difference %(diff)s)."
        ) % {"total": f"{total:,.2f}", "target": f"{target.value:,.2f}", "diff": f"{difference:+,.2f}"}
        raise ValidationFailed(message, fields={"allocations": [message]})
    with transaction.atomic():
        return [
            _upsert(
                actor=actor,
                owner=user,
                department=None,
                period_kind=target.period_kind,
                period_start=target.period_start,
                metric=target.metric,
                value=value,
                parent=target,
            )
            for user, value in cleaned
        ]


def forecast_snapshot_take(*, now: dt.datetime | None = None) -> int:
    """The monthly forecast snapshot: one total row and one row per owner, at most one set per month.

    Runs daily from the worker; once this month's set exists it does nothing. Returns rows written."""
    now = now or timezone.now()
    period = period_for("month", timezone.localdate(now))
    with transaction.atomic():
        if ForecastSnapshot.objects.filter(period_kind=PeriodKind.MONTH, period_start=period.date_from).exists():
            return 0
        base = forecast_queryset(Opportunity.objects.filter(deleted_at__isnull=True), period).order_by()
        rows: list[dict[str, Any]] = [{"owner_id": None, **base.aggregate(count=Count("pk"), **forecast_aggregates())}]
        rows += [dict(r) for r in base.values("owner_id").annotate(count=Count("pk"), **forecast_aggregates())]
        ForecastSnapshot.objects.bulk_create(
            ForecastSnapshot(
                taken_at=now,
                period_kind=PeriodKind.MONTH,
                period_start=period.date_from,
                owner_id=row["owner_id"],
                weighted=to_cent(row["weighted"] or 0),
                commit=to_cent(row["commit"] or 0),
                best_case=to_cent(row["best_case"] or 0),
                pipeline_amount=to_cent(row["pipeline_amount"] or 0),
                count=row["count"] or 0,
            )
            for row in rows
        )
    return len(rows)
