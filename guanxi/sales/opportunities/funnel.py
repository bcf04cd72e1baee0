"""Opportunity analytics (销售漏斗, stage time, win rate): arithmetic on StageChange rows.

Every function takes an opportunity queryset the caller has already narrowed to the user's data scope
(`opportunity_scope` below starts from org.policies.scope_queryset) and works in a few aggregate queries,
so 100k opportunities stay cheap.

Funnel rules (docs/funnel.md):

* Open stages are numbered 1..k in pipeline order; a won stage counts as position k+1 (a deal won has passed
  every open stage). Lost stages and stages of another pipeline have no position: moving there is not onward.
* An opportunity *enters* stage i in the period when a stage change in the period moves it forward from a
  position below i to a position ≥ i — **skipping a stage counts as passing through it** — or creates it
  directly in stage i (or reopens it there from a lost stage). Moving backward into a stage does not count as
  entering it again.
* Conversion of stage i = opportunities that entered i and also entered i+1 in the period / opportunities
  that entered i in the period (REQUIREMENTS §5: leaving a stage onward / entering it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import custom_period_errors
from guanxi.core.money import to_cent

from .models import Opportunity, Pipeline, Stage, StageChange

PERIODS = ("month", "quarter", "year", "custom")


# --- periods -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date  # inclusive

    @property
    def start(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date_from, dt.time.min))

    @property
    def end(self) -> dt.datetime:
        """Exclusive upper bound: the start of the day after date_to."""
        return timezone.make_aware(dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min))


def period_for(
    kind: str | None, today: dt.date, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> Period:
    """This month (default) / quarter / year containing `today`, or a custom inclusive range."""
    kind = kind or "month"
    if kind == "quarter":
        first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        nxt = dt.date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
        return Period(first, nxt - dt.timedelta(days=1))
    if kind == "year":
        return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    if kind == "custom":
        if errors := custom_period_errors(date_from, date_to):
            raise ValidationFailed(_("Please correct the errors below."), fields=errors)
        return Period(date_from, date_to)  # type: ignore[arg-type]
    if kind != "month":
        raise ValidationFailed(_("Unknown period."), fields={"period": [_("Choose month, quarter, year or custom.")]})
    first = today.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, nxt - dt.timedelta(days=1))


# --- time in stage -----------------------------------------------------------------------------
def time_in_stage(opportunity: Opportunity, now: dt.datetime | None = None) -> list[tuple[Stage, int]]:
    """[(stage, seconds)] in the order the stays happened, the current stage counted up to `now` while open."""
    now = now or timezone.now()
    changes = list(opportunity.stage_changes.select_related("from_stage", "to_stage").order_by("at", "id"))
    stays: list[tuple[Stage, int]] = []
    previous_at: dt.datetime | None = None
    for change in changes:
        if change.from_stage is not None:
            seconds = change.seconds_in_from_stage
            if seconds is None and previous_at is not None:
                seconds = int((change.at - previous_at).total_seconds())
            stays.append((change.from_stage, max(0, seconds or 0)))
        previous_at = change.at
    if opportunity.status == Opportunity.Status.OPEN:
        since = previous_at or opportunity.stage_entered_at
        stays.append((opportunity.stage, max(0, int((now - since).total_seconds()))))
    return stays


def average_time_in_stage(
    qs: QuerySet[Opportunity], pipeline: Pipeline, period: Period | None = None
) -> dict[int, float]:
    """{stage id: average seconds} over completed stays (those that ended in the period, if one is given)."""
    rows = StageChange.objects.filter(
        opportunity__in=qs.values("pk"),
        from_stage__pipeline=pipeline,
        seconds_in_from_stage__isnull=False,
    )
    if period is not None:
        rows = rows.filter(at__gte=period.start, at__lt=period.end)
    return {
        r["from_stage"]: float(r["avg"])
        for r in rows.values("from_stage").annotate(avg=Avg("seconds_in_from_stage")).order_by()
    }


# --- the funnel --------------------------------------------------------------------------------
@dataclass
class FunnelStage:
    stage: Stage
    entered: int = 0
    amount: Decimal = Decimal(0)
    onward: int = 0  # of those, how many entered the next position in the period
    average_seconds: float | None = None
    stalled: int = 0

    @property
    def conversion(self) -> float | None:
        """Share (0–1) that moved onward; None when nothing entered."""
        return self.onward / self.entered if self.entered else None


@dataclass
class Funnel:
    pipeline: Pipeline
    period: Period
    stages: list[FunnelStage] = field(default_factory=list)
    won: int = 0
    lost: int = 0
    won_amount: Decimal = Decimal(0)
    average_cycle_days: float | None = None
    stalled: int = 0

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None

    @property
    def average_deal_size(self) -> Decimal | None:
        return to_cent(self.won_amount / self.won) if self.won else None


def _positions(pipeline: Pipeline) -> tuple[list[Stage], dict[int, int]]:
    """Open stages in order and {stage id: position} (open 1..k, won k+1; lost stages left out)."""
    stages = list(pipeline.stages.all().order_by("sort_order", "id"))
    open_stages = [s for s in stages if s.kind == Stage.Kind.OPEN]
    pos = {s.pk: i for i, s in enumerate(open_stages, start=1)}
    pos.update({s.pk: len(open_stages) + 1 for s in stages if s.kind == Stage.Kind.WON})
    return open_stages, pos


def _position_case(field_name: str, pos: dict[int, int]) -> Case:
    return Case(
        *[When(**{field_name: pk}, then=Value(p)) for pk, p in pos.items()],
        default=Value(None),
        output_field=IntegerField(),
    )


def _entries(qs: QuerySet[Opportunity], period: Period, pos: dict[int, int], k: int) -> dict[str, Any]:
    """Per open position i: how many of `qs` entered it in the period (n{i}), their amount (a{i}), and how many of
    those also entered i+1 (o{i}).

    Read from the period's stage changes, not from every deal: the changes are grouped per deal into one flag per
    position ("entered i" = a change from below i to i or beyond, or a creation straight into i), then the flags are
    counted. The work grows with the moves of the period, not with the deals ever made (100k deals: one grouped
    query instead of an EXISTS per deal and stage)."""
    if not k:
        return {}
    # From the deals, joined once to their changes of the period (the filter before the annotation narrows the
    # same join): a change's deal is read once, for the scope and the amount alike (a semi-join on the deals as
    # well read each of the month's 7,900 deals twice at 500,000, half the query's 280 ms).
    moves = qs.filter(stage_changes__at__gte=period.start, stage_changes__at__lt=period.end).annotate(
        to_pos=_position_case("stage_changes__to_stage_id", pos),
        from_pos=_position_case("stage_changes__from_stage_id", pos),
    )
    flags = {
        f"e{i}": Max(
            Case(
                When(Q(from_pos__isnull=True, to_pos=i) | Q(from_pos__lt=i, to_pos__gte=i), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        for i in range(1, k + 2)
    }
    per_deal = moves.order_by().values("pk").annotate(amount=Max("amount"), **flags)
    try:
        inner, params = per_deal.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. a department with no one in it)
        return {f"{key}{i}": Decimal(0) if key == "a" else 0 for i in range(1, k + 1) for key in "nao"}
    columns = []
    for i in range(1, k + 1):
        columns += [
            f"SUM(e{i})",
            f"SUM(CASE WHEN e{i} = 1 THEN amount END)",
            f"SUM(CASE WHEN e{i} = 1 AND e{i + 1} = 1 THEN 1 ELSE 0 END)",
        ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({inner}) AS per_deal", params)  # noqa: S608 (no user text)
        row = cursor.fetchone()
    cent = Decimal(1).scaleb(-Opportunity._meta.get_field("amount").decimal_places)  # type: ignore[union-attr]
    totals: dict[str, Any] = {}
    for i in range(1, k + 1):
        n, amount, onward = row[3 * (i - 1) : 3 * i]
        totals[f"n{i}"] = int(n or 0)
        # SQLite answers a SUM of decimals as a float: read it back as a Decimal of the column's places
        totals[f"a{i}"] = Decimal(str(amount)).quantize(cent) if amount is not None else Decimal(0)
        totals[f"o{i}"] = int(onward or 0)
    return totals


def entered_changes(stage: Stage, start: dt.datetime, end: dt.datetime) -> QuerySet[StageChange]:
    """The stage changes in [start, end) by which an opportunity entered `stage` under the funnel's rule (the rows
    behind a funnel row's "entered": the opportunity list's `entered` filter reads them)."""
    _open, pos = _positions(stage.pipeline)
    i = pos.get(stage.pk)
    if i is None or stage.kind != Stage.Kind.OPEN:
        return StageChange.objects.none()
    return _entered_position(pos, i, start, end)


def onward_changes(stage: Stage, start: dt.datetime, end: dt.datetime) -> QuerySet[StageChange]:
    """The stage changes in [start, end) by which an opportunity entered the position after `stage` (the next open
    stage, or won after the last): with `entered_changes`, the deals behind a row's conversion (the list's `entered`
    filter with `onward`)."""
    _open, pos = _positions(stage.pipeline)
    i = pos.get(stage.pk)
    if i is None or stage.kind != Stage.Kind.OPEN:
        return StageChange.objects.none()
    return _entered_position(pos, i + 1, start, end)


def _entered_position(pos: dict[int, int], i: int, start: dt.datetime, end: dt.datetime) -> QuerySet[StageChange]:
    """Changes in [start, end) onto position i or beyond from below it, or onto position i from no position (a
    creation, a reopening from a lost stage): the flag e{i} of `_entries`."""
    below = [pk for pk, p in pos.items() if p < i]
    onward = [pk for pk, p in pos.items() if p >= i]
    at_i = [pk for pk, p in pos.items() if p == i]
    unplaced = Q(from_stage__isnull=True) | ~Q(from_stage_id__in=list(pos))
    return StageChange.objects.filter(at__gte=start, at__lt=end).filter(
        (unplaced & Q(to_stage_id__in=at_i)) | Q(from_stage_id__in=below, to_stage_id__in=onward)
    )


def left_changes(stage: Stage, start: dt.datetime, end: dt.datetime) -> QuerySet[StageChange]:
    """The completed stays in `stage` that ended in [start, end): the rows a row's average days in stage averages
    (`average_time_in_stage`; the list's `left` filter reads them)."""
    return StageChange.objects.filter(from_stage=stage, seconds_in_from_stage__isnull=False, at__gte=start, at__lt=end)


def stalled_everywhere(now: dt.datetime | None = None) -> Q:
    """Open opportunities stalled in whatever stage they are (the list's `stalled` filter)."""
    return stalled_q(list(Stage.objects.filter(stall_days__gt=0)), now or timezone.now())


def stalled_q(stages: list[Stage], now: dt.datetime) -> Q:
    """Open opportunities in a stage longer than its stall_days (calendar days)."""
    q = Q(pk__in=[])
    for stage in stages:
        if stage.stall_days:
            q |= Q(stage=stage, stage_entered_at__lt=now - dt.timedelta(days=stage.stall_days))
    return Q(status=Opportunity.Status.OPEN) & q


def stalled(qs: QuerySet[Opportunity], pipeline: Pipeline, now: dt.datetime | None = None) -> QuerySet[Opportunity]:
    return qs.filter(stalled_q(list(pipeline.stages.all()), now or timezone.now()))


def _stalled_counts(
    qs: QuerySet[Opportunity], open_stages: list[Stage], now: dt.datetime, open_counts: Mapping[int, int] | None
) -> dict[int, int]:
    """{stage id: open deals of `qs` stalled there} (stalled_q). Each stage is read as one range of the board index
    (stage, in it since) in one UNION ALL: an OR of the stages was a filter over every open deal's entry (394 ms at
    500,000). Given `open_counts`, the open deals per stage (the totals the database keeps, for someone who sees
    every deal), the stalled are those less the ones that entered their stage lately: the range read is then the
    recent deals, not the old ones, which pile up."""
    limits = {stage.pk: now - dt.timedelta(days=stage.stall_days) for stage in open_stages if stage.stall_days}
    if not limits:
        return {}
    live = qs.filter(status=Opportunity.Status.OPEN).order_by()
    side = "stage_entered_at__gte" if open_counts is not None else "stage_entered_at__lt"
    parts = [
        live.filter(stage_id=pk, **{side: limit}).values("stage_id").annotate(n=Count("pk")).values_list("stage", "n")
        for pk, limit in limits.items()
    ]
    counted = dict(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else dict(parts[0])
    if open_counts is None:
        return counted
    # the two reads are two statements: a deal moved between them must not make a count negative
    return {pk: max(0, open_counts.get(pk, 0) - counted.get(pk, 0)) for pk in limits}


def funnel(
    qs: QuerySet[Opportunity],
    pipeline: Pipeline,
    period: Period,
    now: dt.datetime | None = None,
    *,
    open_counts: Mapping[int, int] | None = None,
) -> Funnel:
    """Entries, amounts and conversion per open stage, win rate, deal size, cycle length, stall counts.
    `open_counts`: the open deals of `qs` per stage, if known (see `_stalled_counts`)."""
    now = now or timezone.now()
    qs = qs.filter(pipeline=pipeline)
    open_stages, pos = _positions(pipeline)
    k = len(open_stages)
    result = Funnel(pipeline=pipeline, period=period)

    totals = _entries(qs, period, pos, k)

    averages = average_time_in_stage(qs, pipeline, period)
    stalled_counts = _stalled_counts(qs, open_stages, now, open_counts)
    for i, stage in enumerate(open_stages, start=1):
        result.stages.append(
            FunnelStage(
                stage=stage,
                entered=totals.get(f"n{i}") or 0,
                amount=totals.get(f"a{i}") or Decimal(0),
                onward=totals.get(f"o{i}") or 0,
                average_seconds=averages.get(stage.pk),
                stalled=stalled_counts.get(stage.pk, 0),
            )
        )
    result.stalled = sum(stalled_counts.values())

    closed = qs.filter(closed_at__gte=period.start, closed_at__lt=period.end)
    won = Q(status=Opportunity.Status.WON)
    cycle = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    agg = closed.aggregate(
        won=Count("pk", filter=won),
        lost=Count("pk", filter=Q(status=Opportunity.Status.LOST)),
        won_amount=Sum("amount", filter=won),
        cycle=Avg(cycle, filter=won),
    )
    result.won = agg["won"] or 0
    result.lost = agg["lost"] or 0
    result.won_amount = agg["won_amount"] or Decimal(0)
    if agg["cycle"] is not None:
        result.average_cycle_days = round(agg["cycle"].total_seconds() / 86400, 1)
    return result


# --- the funnel as a table (the page and its export) ---------------------------------------------
def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _days(seconds: float | None) -> Any:
    return "" if seconds is None else round(seconds / 86400, 1)


def funnel_table(data: Funnel) -> tuple[list[str], list[list[Any]]]:
    """The funnel page's table as headers and rows (also what the export writes)."""
    headers = [
        _("Stage"),
        pgettext("funnel: opportunities that entered a stage", "Entered"),
        _("Amount"),
        _("Conversion to next stage"),
        _("Average days in stage"),
        _("Stalled"),
    ]
    rows: list[list[Any]] = [
        [str(s.stage), s.entered, s.amount, _percent(s.conversion), _days(s.average_seconds), s.stalled]
        for s in data.stages
    ]
    rows += [
        [_("Won"), data.won, data.won_amount, "", "", ""],
        [_("Lost"), data.lost, "", "", "", ""],
        [_("Win rate"), _percent(data.win_rate), "", "", "", ""],
        [_("Average deal size"), data.average_deal_size if data.average_deal_size is not None else "", "", "", "", ""],
        [
            _("Average cycle (days)"),
            data.average_cycle_days if data.average_cycle_days is not None else "",
            "",
            "",
            "",
            "",
        ],
    ]
    return headers, rows
