"""Schemas of the analytics API (/api/v1/analytics/…)."""

# No `from __future__ import annotations`: django-ninja reads the annotations at import time.
import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

RelativeCode = Literal[
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "year_to_date",
    "last_7_days",
    "last_30_days",
]
RelativePeriod = Literal["", RelativeCode]  # "" for none (all time; a subscription: the month before)


class FigurePeriodParams(Schema):
    period: Literal["month", "quarter", "year", "custom", RelativeCode] = Field(
        "month",
        description="The kind of period (anchored on month or date), custom dates, or a relative period read today.",
    )
    month: str | None = Field(None, description="yyyy-mm: the month (or the quarter/year containing it).")
    date: str | None = Field(None, description="yyyy-mm-dd: any day inside the period (default today).")
    date_from: str | None = Field(None, description="yyyy-mm-dd, for a custom period.")
    date_to: str | None = Field(None, description="yyyy-mm-dd, for a custom period (inclusive).")
    scope: Literal["me", "team", "department", "company"] | None = Field(
        None, description="Whose figures: as far as your data scope reaches (default: the widest you may see)."
    )


class BreakdownParams(FigurePeriodParams):
    group_by: str = Field("owner", description="owner, department, total or the metric's own grouping.")


class MonthParams(Schema):
    month: str | None = Field(None, description="yyyy-mm (default this month).")


class LeagueParams(MonthParams):
    league: Literal["staff", "agents"] = "staff"


class PeriodOut(Schema):
    kind: str
    date_from: dt.date
    date_to: dt.date
    label: str


class MetricOut(Schema):
    key: str
    label: str
    unit: str
    groupings: list[str]
    help: str


class FigureOut(Schema):
    key: str
    label: str
    unit: str
    value: Decimal | None
    previous: Decimal | None
    year_ago: Decimal | None
    change_percent: Decimal | None
    change_year_percent: Decimal | None
    records_url: str


class FiguresOut(Schema):
    period: PeriodOut
    scope: str
    figures: list[FigureOut]


class BreakdownRowOut(Schema):
    key: str | None
    label: str
    value: Decimal | None  # null: a share or ratio with nothing to divide by
    previous: Decimal | None
    change_percent: Decimal | None
    records_url: str


class BreakdownOut(Schema):
    metric: MetricOut
    period: PeriodOut
    scope: str
    group_by: str
    total: Decimal | None
    rows: list[BreakdownRowOut]


class LeagueRowOut(Schema):
    user_id: int
    name: str
    department: str
    rank: int
    score: Decimal
    values: dict[str, Decimal]
    below_minimum: list[str]
    violations: int
    named: str


class LeagueOut(Schema):
    month: str
    league: str
    published_at: dt.datetime | None
    computed_at: dt.datetime | None = Field(
        None, description="When the ranking was computed (a published month: when it was published)."
    )
    minimums: dict[str, int]
    weights: dict[str, int]
    top: list[int]
    bottom: list[int]
    rows: list[LeagueRowOut]


class LeagueRulesOut(Schema):
    min_new_customers: int
    min_new_opportunities: int
    weights: dict[str, int]
    follow_up_window_days: int
    staff_named: int
    agents_named: int
    inactive_days: int
    priority_rule: bool
    exclusion_rule: bool
    exclusion_months: int


class LeagueRulesPatch(Schema):
    min_new_customers: int | None = None
    min_new_opportunities: int | None = None
    weights: dict[str, int] | None = None
    follow_up_window_days: int | None = None
    staff_named: int | None = None
    agents_named: int | None = None
    inactive_days: int | None = None
    priority_rule: bool | None = None
    exclusion_rule: bool | None = None
    exclusion_months: int | None = None


class ReportOut(Schema):
    month: str
    summary: list[FigureOut]
    departments: dict[str, list[dict[str, Any]]]
    people: list[dict[str, Any]]


class SubscriptionIn(Schema):
    report: str  # monthly_report, dashboard, league or built
    frequency: str  # daily, weekly (Mondays) or monthly (the 1st)
    fmt: str = "xlsx"  # xlsx or pdf
    saved_report: int | None = Field(None, description="With report=built: the id of a saved report you may open.")
    period: RelativePeriod = Field(
        "",
        description="A relative period read on the day it is sent ('': the month before); the management report "
        "and the league take this_month or last_month; a built report uses its own.",
    )


class SubscriptionOut(Schema):
    id: int
    report: str
    frequency: str
    fmt: str
    last_sent_at: dt.datetime | None = None
    saved_report: int | None = None
    period: str = ""


# --- the report builder -------------------------------------------------------------------------------------------
class BuilderOptionOut(Schema):
    key: str
    label: str


class BuilderObjectOut(Schema):
    key: str = Field(description="The list the report counts (customers, opportunities, contracts …).")
    label: str
    groupings: list[BuilderOptionOut] = Field(description="What a report may group by (`<field>:month` for dates).")
    measures: list[BuilderOptionOut] = Field(description="count, sum:<field> or avg:<field>.")
    filter_fields: list[BuilderOptionOut] = Field(description="The fields `where` may name (as the list's filter).")


class ReportSpecIn(Schema):
    object: str = Field(description="A key of GET /analytics/builder/objects.")
    filters: str = Field(
        "", description="The list's query string (its filters and `where`, as on the list page); paging is ignored."
    )
    group_by: str
    measure: str = "count"
    chart: Literal["bar", "line", "pie", "table"] = "bar"
    period: RelativePeriod = Field(
        "", description="A relative period read on the day the report runs ('' for all time)."
    )
    period_field: str = Field("", description="The date field the period applies to (default: the first one).")


class SavedReportIn(ReportSpecIn):
    name: str = Field(max_length=100)
    roles: list[int] = Field([], description="Ids of the roles the report is shared with.")


class ReportCellOut(Schema):
    key: str = Field(description="The group's value ('' for none; yyyy-mm for a month).")
    label: str
    value: Decimal
    records_url: str | None = Field(description="The list page of the records behind the figure.")


class ReportResultOut(Schema):
    object: str
    filters: str
    group_by: str
    measure: str
    chart: str
    rows: list[ReportCellOut]
    total: Decimal
    truncated: bool = Field(description="More than 200 groups: only the first 200 are listed.")
    warnings: list[str]
    period: str = Field(description="The report's relative period ('' for all time).")
    period_field: str
    date_from: dt.date | None = Field(description="The period's first day on the day it ran.")
    date_to: dt.date | None = Field(description="The period's last day on the day it ran.")


class SavedReportOut(Schema):
    id: int
    name: str
    owner: int
    object: str
    filters: str
    group_by: str
    measure: str
    chart: str
    period: str
    period_field: str
    roles: list[int]
