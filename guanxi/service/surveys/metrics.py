"""The satisfaction figures analytics reads (core.registry `Metric`, docs/extending.md "Metrics"): the average
score and the share of satisfied answers (4 or 5, the usual CSAT), by the agent who resolved the ticket, their
department, the ticket type or the product, over the surveys answered in the period and the reader's tickets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import period_metric, period_records, ratio
from guanxi.core.registry import METRIC_GROUPINGS, Metric
from guanxi.org.models import User

from .selectors import surveys_in_scope

EXTRA = {"type": "ticket__type", "product": "ticket__product_id"}
GROUPINGS = (*METRIC_GROUPINGS, "type", "product", "owner+type")
HUNDRED = Decimal(100)

surveys_answered = period_metric(surveys_in_scope, within="answered_at", extra=EXTRA)
_scores = period_metric(surveys_in_scope, within="answered_at", value=Avg("score"), extra=EXTRA)
_satisfied = period_metric(
    surveys_in_scope, within="answered_at", value=Count("pk", filter=Q(score__gte=4)), extra=EXTRA
)
_records = period_records(
    "service:survey_list", dates=("answered_from", "answered_to"), owner_as="agent", department_as=None
)


def csat_average(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """The average score (1-5) of the surveys answered in the period."""
    scores = _scores(user=user, date_from=date_from, date_to=date_to, group_by=group_by, owners=owners)
    return {k: v.quantize(Decimal("0.01")) for k, v in scores.items() if v}


def csat_satisfied(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """CSAT: the percentage of answers scoring 4 or 5."""
    args = {"user": user, "date_from": date_from, "date_to": date_to, "group_by": group_by, "owners": owners}
    total = surveys_answered(**args)
    happy = _satisfied(**args)
    return ratio({k: happy.get(k, Decimal(0)) for k in total}, total, scale=HUNDRED)


def _group_label(grouping: str, code: Any) -> Any:
    if code is None:
        return "—"
    if grouping == "type":
        from guanxi.core.dictionaries.selectors import label_of

        return label_of("ticket_type", code)
    if grouping == "product":
        from guanxi.commerce.models import Product

        return Product.objects.filter(pk=code).values_list("name", flat=True).first() or "—"
    return code


METRICS = (
    Metric(
        key="csat",
        label=_("Customer satisfaction (CSAT)"),
        unit="percent",
        compute=csat_satisfied,
        records=_records,
        groupings=GROUPINGS,
        group_label=_group_label,
        permission="tickets.view",
        help=_("Share of satisfaction surveys answered in the period with 4 or 5 out of 5, in percent."),
        order=70,
    ),
    Metric(
        key="csat_average",
        label=_("Average satisfaction score"),
        unit="ratio",
        compute=csat_average,
        records=_records,
        groupings=GROUPINGS,
        group_label=_group_label,
        permission="tickets.view",
        help=_("Average score (1-5) of the satisfaction surveys answered in the period, by the resolving agent."),
        order=71,
    ),
    Metric(
        key="surveys_answered",
        label=_("Satisfaction surveys answered"),
        unit="count",
        compute=surveys_answered,
        records=_records,
        groupings=GROUPINGS,
        group_label=_group_label,
        permission="tickets.view",
        help=_("Satisfaction surveys the customers answered in the period."),
        order=72,
    ),
)
