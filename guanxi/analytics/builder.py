"""The report builder (报表设计器, issue 16 §6): a report is an object (a list of the shared list toolkit), that list's
filters (its query string: the toolkit's declared fields and its `where`, so every filter is whitelisted and no
SQL comes from users), one grouping (a declared choice / person / reference / yes-no field, or the month of a
date field; custom fields of those types too), one measure (count, or the sum or average of a declared number or
money field, custom ones too) and a chart.

A report runs as its reader: the rows are the list's own rows for that reader (`ListDefinition.rows`: their
permission and data scope), filtered by the toolkit's engine exactly as the list page filters them, so every cell
links to the list page behind it (the same query plus a rule for the cell's group) and the list shows as many
rows as the cell counts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Sum
from django.db.models.functions import TruncMonth
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.org.lists import where as where_mod
from guanxi.org.lists.custom import for_reader
from guanxi.org.lists.engine import resolve
from guanxi.org.lists.registry import all_definitions
from guanxi.org.lists.spec import Field, ListDefinition
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

# The lists a report may be built on (business records; not the administrators' lists), in menu order.
OBJECTS = (
    "customers",
    "contacts",
    "follow_ups",
    "leads",
    "opportunities",
    "quotes",
    "contracts",
    "execution_orders",
    "implementation_orders",
    "receivables",
    "invoices",
    "payments",
    "expense_claims",
    "tickets",
    "assets",
    "campaigns",
    "members",
    "re_units",
)
GROUP_KINDS = ("choice", "user", "ref", "bool")
DATE_KINDS = ("date", "datetime")
MEASURE_KINDS = ("number", "money")
MONTH = ":month"
MAX_GROUPS = 200
# Query parameters of a list page that are not filters (paging, sort, a saved view's tab): not kept in a report.
NOT_FILTERS = ("page", "per_page", "sort", "view", "fmt", "ids", "csrfmiddlewaretoken", "next")
BUILD_PERMISSION = "analytics.export"  # managers, executives, finance, administrators


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    field: Field | None = None
    fn: str = "count"  # count | sum | avg (measures)


@dataclass
class Spec:
    """A cleaned report: the reader's list definition, the filters as a query string, the grouping and measure."""

    definition: ListDefinition
    filters: str
    group: Option
    measure: Option
    chart: str = "bar"
    period: str = ""  # a relative period (relative.py), read on the day the report runs; "" for all time
    period_field: str = ""  # the date field the period applies to

    @property
    def object(self) -> str:
        return self.definition.key


@dataclass
class Cell:
    key: str  # the group's value as text ("" for none)
    label: str
    value: Any
    url: str | None  # the list page of the rows behind the figure


@dataclass
class Result:
    spec: Spec
    rows: list[Cell]
    total: Any
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False
    window: Any = None  # the dates of the report's relative period on the day it ran (selectors.Window)
    total_url: str = ""  # the list page of every row the report counts (its filters and period)

    def chart_data(self) -> dict[str, Any]:
        return {
            "type": self.spec.chart,
            "names": [c.label for c in self.rows],
            "values": [float(c.value) if c.value is not None else 0 for c in self.rows],
            "urls": [c.url or "" for c in self.rows],
            "measure": self.spec.measure.label,
        }

    def sheet(self) -> tuple[str, list[str], list[list[Any]]]:
        """The report as one sheet (the scheduled e-mail's XLSX/PDF): group, figure; the total last."""
        headers = [self.spec.group.label, self.spec.measure.label]
        rows: list[list[Any]] = [[c.label, _plain(c.value)] for c in self.rows]
        rows.append([_("Total"), _plain(self.total)])
        return str(self.spec.definition.title), headers, rows


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else ("" if value is None else value)


# --- what a reader may build on --------------------------------------------------------------------------------
def may_build(user: User) -> bool:
    return has_permission(user, BUILD_PERMISSION)


def objects_for(user: User) -> list[ListDefinition]:
    """The lists the reader may read, among those reports are built on."""
    by_key = {d.key: d for d in all_definitions()}
    return [by_key[k] for k in OBJECTS if k in by_key and by_key[k].may_read(user)]


def definition_for(user: User, key: str) -> ListDefinition:
    """The list as this reader's page declares it (with the custom fields they see); a list they may not read is
    refused as a field error, never a 500."""
    found = next((d for d in objects_for(user) if d.key == key), None)
    if found is None:
        msg = _("Choose one of the objects offered.")
        raise ValidationFailed(msg, fields={"object": [msg]})
    return for_reader(found, user)


def groupings(definition: ListDefinition) -> list[Option]:
    options: list[Option] = []
    for f in definition.fields:
        if not f.path:
            continue
        if f.kind in GROUP_KINDS and f.match is None:  # not a multiple choice: a record holds several values
            options.append(Option(f.key, str(f.label), f))
        elif f.kind in DATE_KINDS:
            options.append(Option(f.key + MONTH, _("%(field)s (month)") % {"field": f.label}, f))
    return options


def measures(definition: ListDefinition) -> list[Option]:
    options = [Option("count", _("Number of records"))]
    for f in definition.fields:
        if f.path and f.kind in MEASURE_KINDS:
            options.append(Option(f"sum:{f.key}", _("Sum of %(field)s") % {"field": f.label}, f, "sum"))
            options.append(Option(f"avg:{f.key}", _("Average of %(field)s") % {"field": f.label}, f, "avg"))
    return options


def default_date_field(definition: ListDefinition) -> str:
    """The date a period applies to unless the reader chooses: when the record was made, else the first date."""
    dates = date_fields(definition)
    return next((f.key for f in dates if f.path == "created_at"), dates[0].key if dates else "")


def date_fields(definition: ListDefinition) -> list[Field]:
    """The date fields a relative period may apply to (those a filter rule may name)."""
    return [f for f in filter_fields(definition) if f.kind in DATE_KINDS]


def filter_fields(definition: ListDefinition) -> list[Field]:
    """The fields a report's filter rules may name (those the advanced filter of the list accepts)."""
    return [f for f in definition.fields if f.path and f.kind in where_mod.KIND_OPS]


# --- cleaning ----------------------------------------------------------------------------------------------------
def clean_filters(definition: ListDefinition, text: str, errors: dict[str, list[str]]) -> str:
    """The filters as the list's query string without paging and sort; `where` re-written by the toolkit's parser.
    A rule it drops, or groups joined by "any" (a cell's rule could not be added to them), is an error."""
    params = QueryDict(str(text or "").lstrip("?"), mutable=True)
    for key in NOT_FILTERS:
        params.pop(key, None)
    where, warnings = where_mod.parse(params.get("where"), filter_fields(definition))
    if warnings:
        errors["filters"] = warnings
    elif where and where.any and len(where.groups) > 1:
        errors["filters"] = [_("A report's filter groups must all apply (AND); put “any” inside a group.")]
    elif len(where.groups) >= where_mod.MAX_GROUPS:
        errors["filters"] = [_("A report takes at most %(n)s filter groups.") % {"n": where_mod.MAX_GROUPS - 1}]
    if where:
        params["where"] = where.dump()
    else:
        params.pop("where", None)
    return params.urlencode()


def clean(user: User, data: Mapping[str, Any]) -> Spec:
    """A report from its parts (object, filters, group_by, measure, chart); each bad part is a translated error
    naming its field."""
    require_permission(user, "analytics.view")
    errors: dict[str, list[str]] = {}
    try:
        definition = definition_for(user, str(data.get("object") or ""))
    except ValidationFailed as exc:
        raise ValidationFailed(_("Please correct the errors below."), fields=exc.fields) from None
    filters = clean_filters(definition, str(data.get("filters") or ""), errors)
    group = next((g for g in groupings(definition) if g.key == data.get("group_by")), None)
    if group is None:
        errors["group_by"] = [_("Choose one of the groupings offered.")]
    measure = next((m for m in measures(definition) if m.key == (data.get("measure") or "count")), None)
    if measure is None:
        errors["measure"] = [_("Choose one of the measures offered.")]
    chart = str(data.get("chart") or "bar")
    if chart not in ("bar", "line", "pie", "table"):
        errors["chart"] = [_("Choose a valid option.")]
    period, period_field = _clean_period(definition, data, errors)
    if period and "filters" not in errors and len(where_rules_groups(filters)) >= where_mod.MAX_GROUPS - 2:
        # the period takes one group and a cell's list another
        errors["filters"] = [_("A report takes at most %(n)s filter groups.") % {"n": where_mod.MAX_GROUPS - 2}]
    if errors or group is None or measure is None:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return Spec(
        definition=definition,
        filters=filters,
        group=group,
        measure=measure,
        chart=chart,
        period=period,
        period_field=period_field,
    )


def _clean_period(definition: ListDefinition, data: Mapping[str, Any], errors: dict[str, list[str]]) -> tuple[str, str]:
    """A relative period (kept as the choice, never as dates) and the date field it applies to."""
    from .relative import RELATIVE_CODES

    period = str(data.get("period") or "")
    field_key = str(data.get("period_field") or "")
    if not period:
        return "", ""
    if period not in RELATIVE_CODES:
        errors["period"] = [_("Choose one of the periods offered.")]
        return "", ""
    dates = date_fields(definition)
    field_key = field_key or default_date_field(definition)
    if field_key not in {f.key for f in dates}:
        errors["period_field"] = [_("Choose the date the period applies to.")]
    return period, field_key


def with_period(spec: Spec, today: dt.date | None = None) -> tuple[Spec, Any]:
    """The report with its relative period read on `today` (default: today) as one more filter group on its date
    field, so the figures and every cell's list show the same rows; and the period's dates (None: all time)."""
    from dataclasses import replace

    from django.utils import timezone

    from .relative import relative_window

    if not spec.period:
        return spec, None
    window = relative_window(spec.period, today or timezone.localdate())
    rules = [
        {"f": spec.period_field, "op": "gte", "v": window.date_from.isoformat()},
        {"f": spec.period_field, "op": "lte", "v": window.date_to.isoformat()},
    ]
    return replace(spec, filters=QueryDict(_with_rules(spec.filters, rules)).urlencode()), window


# --- running -----------------------------------------------------------------------------------------------------
def _expression(definition: ListDefinition, path: str) -> Any:
    """The field's ORM path, or the expression of a custom field's alias (`cf_<code>`, lists/custom.py)."""
    aliases = getattr(definition, "custom_aliases", None) or {}
    return aliases[path] if path in aliases else F(path)


def _aggregate(definition: ListDefinition, measure: Option) -> Any:
    if measure.fn == "count" or measure.field is None:
        return Count("pk", distinct=True)
    return (Sum if measure.fn == "sum" else Avg)(_expression(definition, measure.field.path))


def run(user: User, spec: Spec, *, today: dt.date | None = None) -> Result:
    """The figures of the report for this reader: one per group, each with the URL of its list; a relative period is
    read on `today` (default: the day it runs)."""
    asked = spec
    spec, window = with_period(spec, today)
    resolved = resolve(spec.definition, user=user, query=QueryDict(spec.filters))
    model = spec.definition.model
    base = model._default_manager.filter(pk__in=resolved.qs.order_by().values("pk"))
    fld = spec.group.field
    assert fld is not None
    month = spec.group.key.endswith(MONTH)
    expression = _expression(spec.definition, fld.path)
    expression = TruncMonth(expression) if month else expression
    aggregate = _aggregate(spec.definition, spec.measure)
    grouped = base.annotate(_group=expression).values("_group").annotate(_figure=aggregate)
    ordered = grouped.order_by("_group") if month else grouped.order_by("-_figure", "_group")
    found = list(ordered[: MAX_GROUPS + 1])
    total = base.aggregate(_figure=aggregate)["_figure"]
    labels = _labels(user, fld, [r["_group"] for r in found]) if not month else {}
    cells = []
    for r in found[:MAX_GROUPS]:
        key, label, rules = _group_of(fld, r["_group"], month, labels)
        url = _drill_url(spec, rules) if rules is not None else None
        cells.append(Cell(key=key, label=label, value=r["_figure"] or 0, url=url))
    return Result(
        spec=asked,  # the report as saved (its period a choice); the cells' lists carry the period's dates
        rows=cells,
        total=total or 0,
        warnings=resolved.warnings,
        truncated=len(found) > MAX_GROUPS,
        window=window,
        total_url=reverse(spec.definition.url_name) + (f"?{spec.filters}" if spec.filters else ""),
    )


def _labels(user: User, fld: Field, values: list[Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    if fld.choices is not None:
        labels = {str(c.value): str(c.label) for c in fld.choices(user)}
    if fld.kind == "user":
        missing = [v for v in values if v is not None and str(v) not in labels]
        labels |= {str(u.pk): str(u) for u in User.objects.filter(pk__in=missing)}
    if fld.names is not None:  # a custom field linking to a customer or contact: the names the reader may see
        labels |= fld.names(user, [str(v) for v in values if v is not None])
    return labels


def _group_of(
    fld: Field, value: Any, month: bool, labels: dict[str, str]
) -> tuple[str, str, list[dict[str, Any]] | None]:
    """The group's key, label and the filter rules of its list (None: no list can show exactly these rows)."""
    if value is None:
        rules = None if fld.kind == "bool" else [{"f": fld.key, "op": "empty"}]
        return "", _("(not set)"), rules
    if month:
        start = value.date() if isinstance(value, dt.datetime) else value
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        rules = [{"f": fld.key, "op": "gte", "v": start.isoformat()}, {"f": fld.key, "op": "lte", "v": end.isoformat()}]
        return start.isoformat()[:7], f"{start:%Y-%m}", rules
    if fld.kind == "bool":
        flag = value in (True, "true", "True", 1)
        return str(flag).lower(), _("Yes") if flag else _("No"), [{"f": fld.key, "op": "eq", "v": str(flag).lower()}]
    key = str(value)
    return key, labels.get(key, key), [{"f": fld.key, "op": "eq", "v": key}]


def where_rules_groups(filters: str) -> list[Any]:
    text = QueryDict(filters).get("where")
    return list((json.loads(str(text)) if text else {}).get("groups") or [])


def _with_rules(filters: str, rules: list[dict[str, Any]]) -> str:
    """The filters with one more group of rules that must all hold (AND with what is there)."""
    params = QueryDict(filters, mutable=True)
    text = params.get("where")
    existing: dict[str, Any] = json.loads(str(text)) if text else {}
    groups = [*(existing.get("groups") or []), {"any": False, "rules": rules}]
    params["where"] = json.dumps({"any": False, "groups": groups}, ensure_ascii=False, separators=(",", ":"))
    return params.urlencode()


def _drill_url(spec: Spec, rules: list[dict[str, Any]]) -> str:
    return f"{reverse(spec.definition.url_name)}?{_with_rules(spec.filters, rules)}"


def where_rules(filters: str) -> tuple[list[dict[str, Any]], bool, str]:
    """A report's filters as the page's rule rows: (rules of the only group, its "any", the rest of the query);
    filters with more groups stay whole in the rest (the page shows them as they are)."""
    params = QueryDict(filters, mutable=True)
    text = params.get("where")
    data = json.loads(text) if text else {"groups": []}
    groups = data.get("groups") or []
    if len(groups) != 1:
        return [], False, params.urlencode()
    params.pop("where")
    return list(groups[0].get("rules") or []), bool(groups[0].get("any")), params.urlencode()


def filters_from_rules(rest: str, rules: list[dict[str, Any]], any_rule: bool) -> str:
    """The page's rule rows (and the rest of the query) as a report's filters."""
    params = QueryDict(rest, mutable=True)
    if rules:
        params["where"] = json.dumps(
            {"any": False, "groups": [{"any": any_rule, "rules": rules}]}, ensure_ascii=False, separators=(",", ":")
        )
    return params.urlencode()


# --- saved reports (reads) ---------------------------------------------------------------------------------------
def saved_reports(*, user: User) -> Any:
    """The reports the reader may open: their own, and those shared with one of their roles."""
    from django.db.models import Q

    from .models import SavedReport

    require_permission(user, "analytics.view")
    shared = Q(roles__in=user.roles.all()) if user.pk else Q(pk__in=[])
    ids = SavedReport.objects.filter(Q(owner=user) | shared).values("pk")
    return SavedReport.objects.filter(pk__in=ids).select_related("owner").prefetch_related("roles")


def saved_report_get(*, user: User, pk: Any) -> Any:
    from guanxi.core.errors import NotFoundError
    from guanxi.core.inputs import id_or_none

    number = id_or_none(str(pk))
    row = saved_reports(user=user).filter(pk=number).first() if number else None
    if row is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return row


def spec_of(user: User, report: Any) -> Spec:
    """A saved report as this reader runs it (their list, their custom fields, their data scope)."""
    return clean(
        user,
        {
            "object": report.object,
            "filters": report.filters,
            "group_by": report.group_by,
            "measure": report.measure,
            "chart": report.chart,
            "period": report.period,
            "period_field": report.period_field,
        },
    )


def run_warnings(user: User, spec: Spec) -> list[str]:
    """What the list's engine would drop of the report's filters for this reader (a saved report keeps none)."""
    return list(resolve(spec.definition, user=user, query=QueryDict(spec.filters)).warnings)
