"""The sales figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): new leads and their
conversion, new opportunities, the open pipeline, won and lost deals (with reasons) and funnel progress, each over
the reader's data scope in grouped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.metrics import day_bounds, drill_url, grouped, ratio
from guanxi.core.registry import METRIC_GROUPINGS, Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none

from .leads.models import Lead
from .leads.selectors import lead_scope
from .opportunities.models import LostReason, Opportunity, Stage, StageChange


def _leads(user: User) -> Any:
    try:
        return lead_scope(user, Lead.objects.filter(owner__isnull=False))
    except PermissionDeniedError:
        return Lead.objects.none()


def _opps(user: User) -> Any:
    return scope_queryset_or_none(user, Opportunity.objects.all())


def new_leads(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    start, end = day_bounds(date_from, date_to)
    qs = _leads(user).filter(created_at__gte=start, created_at__lt=end)
    return grouped(qs, group_by=group_by, owners=owners, extra={"status": "status"})


def leads_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "sales:lead_list", {"scene": "all", "created_from": date_from, "created_to": date_to, "owner": owner}
    )


def lead_conversion(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """Of the leads created in the period, the share (%) converted into a customer so far."""
    start, end = day_bounds(date_from, date_to)
    qs = _leads(user).filter(created_at__gte=start, created_at__lt=end)
    created = grouped(qs, group_by=group_by, owners=owners)
    converted = grouped(qs.filter(status=Lead.Status.CONVERTED), group_by=group_by, owners=owners)
    return ratio({k: converted.get(k, Decimal(0)) for k in created}, created, scale=Decimal(100))


def new_opportunities(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    start, end = day_bounds(date_from, date_to)
    qs = _opps(user).filter(created_at__gte=start, created_at__lt=end)
    return grouped(qs, group_by=group_by, owners=owners, extra={"stage": "stage_id"}, department="department_id")


def new_opportunities_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "sales:opportunity_list",
        {"scene": "all", "created_from": date_from, "created_to": date_to, "owner": owner, "department": department},
    )


def new_opportunity_value(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """The amount of the opportunities created in the period (销售机会价值度量)."""
    start, end = day_bounds(date_from, date_to)
    qs = _opps(user).filter(created_at__gte=start, created_at__lt=end)
    return grouped(qs, group_by=group_by, owners=owners, value=Sum("amount"), department="department_id")


def pipeline_amount(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """The amount of the open opportunities now (the pipeline has no history: the period does not apply)."""
    qs = _opps(user).filter(status=Opportunity.Status.OPEN)
    return grouped(
        qs,
        group_by=group_by,
        owners=owners,
        value=Sum("amount"),
        extra={"stage": "stage_id"},
        department="department_id",
    )


def pipeline_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "sales:opportunity_list",
        {"scene": "all", "status": "open", "owner": owner, "department": department, "stage": group},
    )


def _closed(user: User, status: str, date_from: dt.date, date_to: dt.date) -> Any:
    start, end = day_bounds(date_from, date_to)
    return _opps(user).filter(status=status, closed_at__gte=start, closed_at__lt=end)


def won_amount(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    qs = _closed(user, Opportunity.Status.WON, date_from, date_to)
    return grouped(qs, group_by=group_by, owners=owners, value=Sum("amount"), department="department_id")


def won_count(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    return grouped(
        _closed(user, Opportunity.Status.WON, date_from, date_to),
        group_by=group_by,
        owners=owners,
        department="department_id",
    )


def lost_count(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    qs = _closed(user, Opportunity.Status.LOST, date_from, date_to)
    return grouped(qs, group_by=group_by, owners=owners, extra={"reason": "lost_reason_id"}, department="department_id")


def _closed_records(status: str) -> Any:
    def records(
        *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
    ) -> str:
        params: dict[str, Any] = {"scene": "all", "status": status, "closed_from": date_from, "closed_to": date_to}
        params.update({"owner": owner, "department": department, "lost_reason": group})
        return drill_url("sales:opportunity_list", params)

    records.__name__ = f"{status}_records"
    return records


won_records = _closed_records("won")
lost_records = _closed_records("lost")


def _reason_label(grouping: str, pk: Any) -> Any:
    if pk is None:
        return _("No reason given")
    reason = LostReason.objects.filter(pk=pk).first()
    return str(reason) if reason else pk


def _stage_label(grouping: str, pk: Any) -> Any:
    stage = Stage.objects.filter(pk=pk).select_related("pipeline").first()
    return str(stage) if stage else pk


def funnel_progress(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """Steps forward in the funnel in the period (漏斗客户推进程度): stage changes onto a later open stage or a won
    stage, by the opportunity's owner."""
    start, end = day_bounds(date_from, date_to)
    forward = Q(to_stage__kind=Stage.Kind.WON) | Q(
        to_stage__kind=Stage.Kind.OPEN, to_stage__sort_order__gt=F("from_stage__sort_order")
    )
    qs = StageChange.objects.filter(
        forward,
        at__gte=start,
        at__lt=end,
        from_stage__isnull=False,
        from_stage__kind=Stage.Kind.OPEN,
        opportunity__in=_opps(user).values("pk"),
    )
    return grouped(
        qs, group_by=group_by, owner="opportunity__owner_id", department="opportunity__department_id", owners=owners
    )


def funnel_records(
    *, date_from: dt.date, date_to: dt.date, owner: Any = None, department: Any = None, group: Any = None
) -> str:
    return drill_url(
        "sales:opportunity_funnel",
        {"period": "custom", "date_from": date_from, "date_to": date_to, "owner": owner, "department": department},
    )


_OPP_PERMISSION = "opportunities.view"
METRICS = (
    Metric(
        key="new_leads",
        label=_("New leads"),
        unit="count",
        compute=new_leads,
        records=leads_records,
        groupings=(*METRIC_GROUPINGS, "status"),
        permission="leads.view",
        help=_("Leads created in the period that have an owner."),
        order=20,
    ),
    Metric(
        key="lead_conversion",
        label=_("Lead conversion (%)"),
        unit="percent",
        compute=lead_conversion,
        records=leads_records,
        permission="leads.view",
        help=_("Of the leads created in the period, the share converted into customers."),
        order=21,
    ),
    Metric(
        key="new_opportunities",
        label=_("New opportunities"),
        unit="count",
        compute=new_opportunities,
        records=new_opportunities_records,
        groupings=(*METRIC_GROUPINGS, "stage"),
        group_label=_stage_label,
        permission=_OPP_PERMISSION,
        order=30,
    ),
    Metric(
        key="new_opportunity_value",
        label=_("Value of new opportunities"),
        unit="money",
        compute=new_opportunity_value,
        records=new_opportunities_records,
        permission=_OPP_PERMISSION,
        order=31,
    ),
    Metric(
        key="pipeline_amount",
        label=_("Pipeline amount"),
        unit="money",
        compute=pipeline_amount,
        records=pipeline_records,
        groupings=(*METRIC_GROUPINGS, "stage"),
        group_label=_stage_label,
        permission=_OPP_PERMISSION,
        help=_("Open opportunities now, whatever the period."),
        order=32,
    ),
    Metric(
        key="won_amount",
        label=_("Won amount"),
        unit="money",
        compute=won_amount,
        records=won_records,
        permission=_OPP_PERMISSION,
        order=33,
    ),
    Metric(
        key="won_count",
        label=_("Opportunities won"),
        unit="count",
        compute=won_count,
        records=won_records,
        permission=_OPP_PERMISSION,
        order=34,
    ),
    Metric(
        key="lost_count",
        label=_("Opportunities lost"),
        unit="count",
        compute=lost_count,
        records=lost_records,
        groupings=(*METRIC_GROUPINGS, "reason", "owner+reason"),
        group_label=_reason_label,
        permission=_OPP_PERMISSION,
        order=35,
    ),
    Metric(
        key="funnel_progress",
        label=_("Funnel progress"),
        unit="count",
        compute=funnel_progress,
        records=funnel_records,
        permission=_OPP_PERMISSION,
        help=_("Steps forward in the funnel in the period."),
        order=36,
    ),
)
