"""The SLA report as metrics analytics reads (core.registry `Metric`): the share of tickets resolved within their
SLA target and the breaches, by agent (the ticket's owner), team (their department), ticket type or priority, month
by month through the analytics period. Over the tickets the reader may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.metrics import period_metric, period_records, ratio
from guanxi.core.registry import METRIC_GROUPINGS, Metric
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset_or_none

from .models import Ticket

EXTRA = {"type": "type", "priority": "priority"}
GROUPINGS = (*METRIC_GROUPINGS, "type", "priority", "owner+type")


def _tickets(user: User) -> Any:
    return scope_queryset_or_none(user, Ticket.objects.all(), "view")


def _with_target(user: User) -> Any:
    return _tickets(user).filter(due_at__isnull=False)


_resolved = period_metric(_with_target, within="resolved_at", extra=EXTRA)
_resolved_in_time = period_metric(
    _with_target, within="resolved_at", value=Count("pk", filter=Q(resolved_at__lte=F("due_at"))), extra=EXTRA
)
# Tickets that went past their SLA in the period (the escalation job marks them).
sla_breaches = period_metric(_tickets, within="sla_breached_at", extra=EXTRA)
_records = period_records("service:ticket_list", dates=("created_from", "created_to"), department_as=None, scene="all")
# The records behind the SLA figures: the tickets resolved, or breached, in the period (the list of the same dates).
_resolved_records = period_records(
    "service:ticket_list", dates=("resolved_from", "resolved_to"), department_as=None, scene="all"
)
_breached_records = period_records(
    "service:ticket_list", dates=("breached_from", "breached_to"), department_as=None, scene="all"
)
# Service requests opened in the period, for the agent who handles them: the ticket list of the same dates counts them.
tickets_opened = period_metric(_tickets, within="created_at", extra=EXTRA)


def sla_met_rate(
    *, user: User, date_from: dt.date, date_to: dt.date, group_by: str, owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    """Of the tickets resolved in the period that had a resolution target, the percentage resolved by it."""
    args = {"user": user, "date_from": date_from, "date_to": date_to, "group_by": group_by, "owners": owners}
    total = _resolved(**args)
    met = _resolved_in_time(**args)
    return ratio({k: met.get(k, Decimal(0)) for k in total}, total, scale=Decimal(100))


def _group_label(grouping: str, code: Any) -> Any:
    if code is None:
        return "—"
    if grouping == "type":
        from guanxi.core.dictionaries.selectors import label_of

        return label_of("ticket_type", code)
    if grouping == "priority":
        return Ticket.Priority(code).label if code in Ticket.Priority.values else code
    return code


METRICS = (
    Metric(
        key="tickets_opened",
        label=_("Service requests opened"),
        unit="count",
        compute=tickets_opened,
        records=_records,
        groupings=tuple(g for g in GROUPINGS if g != "department"),
        group_label=_group_label,
        permission="tickets.view",
        help=_("Service requests created in the period, by the agent handling them, type or priority."),
        order=72,
    ),
    Metric(
        key="ticket_sla_met",
        label=_("Tickets resolved within SLA"),
        unit="percent",
        compute=sla_met_rate,
        records=_resolved_records,
        groupings=GROUPINGS,
        group_label=_group_label,
        permission="tickets.view",
        help=_("Of the tickets resolved in the period that had a resolution target, the percentage resolved in time."),
        order=73,
    ),
    Metric(
        key="ticket_sla_breaches",
        label=_("SLA breaches"),
        unit="count",
        compute=sla_breaches,
        records=_breached_records,
        groupings=GROUPINGS,
        group_label=_group_label,
        permission="tickets.view",
        help=_("Tickets that went past their SLA target in the period."),
        order=74,
    ),
)
