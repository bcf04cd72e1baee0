"""The sales figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): new leads and their
conversion, new opportunities, the open pipeline, won and lost deals (with reasons) and funnel progress, each over
the reader's data scope in grouped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.metrics import period_metric, period_records, ratio
from guanxi.core.registry import METRIC_GROUPINGS, Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none, sees_every_row

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


new_leads = period_metric(_leads, within="created_at", extra={"status": "status"})
leads_records = period_records("sales:lead_list", dates=("created_from", "created_to"), department_as=None, scene="all")
_leads_created = period_metric(_leads, within="created_at")
_leads_converted = period_metric(lambda user: _leads(user).filter(status=Lead.Status.CONVERTED), within="created_at")


class LeadConversion:
    """Of the leads created in the period, the share (%) converted into a customer so far; `series` answers several
    periods in two queries."""

    def __call__(
        self, *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
    ) -> dict[Any, Decimal]:
        period: dict[str, Any] = {"user": user, "date_from": date_from, "date_to": date_to, "owners": owners}
        return _converted_share(
            _leads_created(group_by=group_by, **period), _leads_converted(group_by=group_by, **period)
        )

    def series(
        self,
        *,
        user: User,
        periods: Sequence[tuple[dt.date, dt.date]],
        group_by: str,
        owners: Iterable[int] | None = None,
    ) -> list[dict[Any, Decimal]]:
        asked: dict[str, Any] = {"user": user, "periods": periods, "group_by": group_by, "owners": owners}
        created, converted = _leads_created.series(**asked), _leads_converted.series(**asked)
        return [_converted_share(c, v) for c, v in zip(created, converted, strict=True)]


def _converted_share(created: dict[Any, Decimal], converted: dict[Any, Decimal]) -> dict[Any, Decimal]:
    return ratio({k: converted.get(k, Decimal(0)) for k in created}, created, scale=Decimal(100))


lead_conversion = LeadConversion()


# An opportunity counts for its owner and the department it was made in.
_BY_DEAL: dict[str, Any] = {"department": "department_id"}
_STAGE = {"stage": "stage_id"}
new_opportunities = period_metric(_opps, within="created_at", extra=_STAGE, **_BY_DEAL)
new_opportunities_records = period_records("sales:opportunity_list", dates=("created_from", "created_to"), scene="all")
# The amount of the opportunities created in the period (销售机会价值度量).
new_opportunity_value = period_metric(_opps, within="created_at", value=Sum("amount"), **_BY_DEAL)
_pipeline_amount = period_metric(
    lambda user: _opps(user).filter(status=Opportunity.Status.OPEN), value=Sum("amount"), extra=_STAGE, **_BY_DEAL
)


class PipelineAmount:
    """The amount of the open opportunities now (the pipeline has no history: the period does not apply). By stage,
    for a reader who sees every deal, from the totals the database keeps per pipeline, stage and owner (stage_totals:
    a few hundred rows, not every open deal's; the same figures, sales/tests/test_stage_totals.py); else the grouped
    query over the reader's deals."""

    def __call__(
        self, *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
    ) -> dict[Any, Decimal]:
        if group_by == "stage" and sees_every_row(user, Opportunity):
            return _kept_stage_amounts(owners)
        return _pipeline_amount(user=user, date_from=date_from, date_to=date_to, group_by=group_by, owners=owners)

    def series(self, **asked: Any) -> list[dict[Any, Decimal]]:
        return _pipeline_amount.series(**asked)


def _kept_stage_amounts(owners: Iterable[int] | None) -> dict[Any, Decimal]:
    from django.db import connection

    from .opportunities.stage_totals import TABLE

    where, params = "", []
    if owners is not None:
        params = [int(o) for o in owners]
        if not params:
            return {}
        where = f"WHERE owner_id IN ({', '.join(['%s'] * len(params))})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT stage_id, SUM(n), SUM(amount_cents) FROM {TABLE} {where} GROUP BY stage_id",  # noqa: S608
            params,
        )
        return {stage: Decimal(int(cents)).scaleb(-2) for stage, n, cents in cursor.fetchall() if n}


pipeline_amount = PipelineAmount()
pipeline_records = period_records("sales:opportunity_list", group_as="stage", scene="all", status="open")


def _closed(status: str) -> Any:
    return lambda user: _opps(user).filter(status=status)


won_amount = period_metric(_closed(Opportunity.Status.WON), within="closed_at", value=Sum("amount"), **_BY_DEAL)
won_count = period_metric(_closed(Opportunity.Status.WON), within="closed_at", **_BY_DEAL)
lost_count = period_metric(
    _closed(Opportunity.Status.LOST), within="closed_at", extra={"reason": "lost_reason_id"}, **_BY_DEAL
)


def _closed_records(status: str) -> Any:
    return period_records(
        "sales:opportunity_list", dates=("closed_from", "closed_to"), group_as="lost_reason", scene="all", status=status
    )


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


def _steps_forward(user: User) -> Any:
    """Steps forward in the funnel (漏斗客户推进程度): stage changes from an open stage onto a later open stage or a
    won stage, of the opportunities the reader sees."""
    forward = Q(to_stage__kind=Stage.Kind.WON) | Q(
        to_stage__kind=Stage.Kind.OPEN, to_stage__sort_order__gt=F("from_stage__sort_order")
    )
    # EXISTS per change, not `opportunity IN (the reader's deals)`: SQLite walked all 500k deals of that list and
    # looked up each one's changes (326-516 ms at 1M) instead of the month's changes by date (24 ms)
    seen = Exists(_opps(user).filter(pk=OuterRef("opportunity_id")))
    return StageChange.objects.filter(forward, seen, from_stage__isnull=False, from_stage__kind=Stage.Kind.OPEN)


# Counted for the opportunity's owner and department.
funnel_progress = period_metric(
    _steps_forward, within="at", owner="opportunity__owner_id", department="opportunity__department_id"
)
funnel_records = period_records("sales:opportunity_funnel", dates=("date_from", "date_to"), period="custom")


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
        final=False,
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
