"""Reads of analytics: periods and scopes, the registered metrics as tables (with previous period, year-ago and
drill-down); the usage league is league.py. Every figure comes from a `Metric` another app registered
(core.registry); nothing here reads another app's tables but through those metrics and selectors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.metrics import EMPTY_GROUP
from guanxi.core.registry import Metric, registry
from guanxi.org.models import DataScope, Department, User
from guanxi.org.policies import department_tree_ids, has_permission, permission_scope, subordinate_ids

from .periods import MAX_SPAN_DAYS, PERIOD_KINDS, Window, window_for, window_from  # noqa: F401 (re-exported)

ZERO = Decimal("0")

# --- scope -----------------------------------------------------------------------------------------------------
SCOPES: dict[str, Any] = {
    "me": gettext_lazy("Me"),
    "team": gettext_lazy("My team"),
    "department": gettext_lazy("My department"),
    "company": gettext_lazy("Company"),
}
_SCOPE_REACH: dict[str, tuple[str, ...]] = {
    DataScope.SELF: ("me",),
    DataScope.SUBORDINATES: ("me", "team"),
    DataScope.DEPARTMENT: ("me", "team", "department"),
    DataScope.DEPARTMENT_TREE: ("me", "team", "department"),
    DataScope.ALL: ("me", "team", "department", "company"),
}


def require_view(user: User) -> str:
    scope = permission_scope(user, "analytics.view")
    if scope is None:
        raise PermissionDeniedError(_("You do not have permission to view analytics."))
    return scope


def scope_choices(user: User) -> list[tuple[str, Any]]:
    """The scopes the reader may choose (me / my team / department / company), as far as their data scope goes."""
    scope = permission_scope(user, "analytics.view")
    return [(key, SCOPES[key]) for key in _SCOPE_REACH.get(scope or "", ())]


def default_scope(user: User) -> str:
    choices = scope_choices(user)
    return choices[-1][0] if choices else "me"


def clean_scope(user: User, value: Any) -> str:
    allowed = [key for key, _label in scope_choices(user)]
    if not value:
        return allowed[-1] if allowed else "me"
    if value not in allowed:
        raise ValidationFailed(_("Choose a scope you may see."), fields={"scope": [_("Choose a valid option.")]})
    return str(value)


def scope_owners(user: User, scope: str) -> set[int] | None:
    """The people a scope covers (None: everyone the reader's data scope lets them see)."""
    if scope == "me":
        return {user.pk}
    if scope == "team":
        return subordinate_ids(user) | {user.pk}
    if scope == "department":
        reach = permission_scope(user, "analytics.view")
        depts = (
            department_tree_ids(user.department)
            if reach in (DataScope.DEPARTMENT_TREE, DataScope.ALL)
            else ([user.department_id] if user.department_id else [])
        )
        return set(User.objects.filter(department_id__in=depts).values_list("pk", flat=True)) | {user.pk}
    return None


# --- metrics ---------------------------------------------------------------------------------------------------
def visible_metrics(user: User) -> list[Metric]:
    """The figures the reader may see: those of the modules they hold, none of an app switched off (real estate)."""
    from guanxi.org.policies import hidden_modules

    hidden = hidden_modules()
    return [
        m
        for m in registry.metric_list()
        if not m.permission or (m.permission.split(".")[0] not in hidden and has_permission(user, m.permission))
    ]


def metric_get(user: User, key: str) -> Metric:
    metric = registry.metric(key)
    if metric is None or metric not in visible_metrics(user):
        raise NotFoundError(_("No such figure, or you may not see it."))
    return metric


def compute(
    metric: Metric, *, user: User, window: Window, group_by: str = "total", owners: Iterable[int] | None = None
) -> dict[Any, Decimal]:
    if group_by not in metric.groupings:
        raise ValidationFailed(
            _("This figure cannot be grouped that way."), fields={"group_by": [_("Choose a valid option.")]}
        )
    from . import figure_cache

    owners = list(owners) if owners is not None else None
    return figure_cache.cached(
        metric_key=metric.key,
        reader_id=user.pk,
        group_by=group_by,
        date_from=window.date_from,
        date_to=window.date_to,
        owners=owners,
        compute=lambda: dict(
            metric.compute(
                user=user, date_from=window.date_from, date_to=window.date_to, group_by=group_by, owners=owners
            )
        ),
        final=metric.final,
    )


def compute_series(
    metric: Metric,
    *,
    user: User,
    windows: list[Window],
    group_by: str = "total",
    owners: Iterable[int] | None = None,
) -> list[dict[Any, Decimal]]:
    """`compute` for several periods (a month, the one before and a year ago; six months): one grouped query when
    the metric answers a series (core.metrics `PeriodMetric.series`), else one per period. Same figures either way.
    The periods that have ended and those running are kept apart (figure_cache: a closed period is kept longer)."""
    series = getattr(metric.compute, "series", None)
    if series is None or len(windows) < 2:
        return [compute(metric, user=user, window=w, group_by=group_by, owners=owners) for w in windows]
    if group_by not in metric.groupings:
        raise ValidationFailed(
            _("This figure cannot be grouped that way."), fields={"group_by": [_("Choose a valid option.")]}
        )
    today = timezone.localdate()
    closed = [i for i, w in enumerate(windows) if w.date_to < today]
    running = [i for i, w in enumerate(windows) if w.date_to >= today]
    found: dict[int, dict[Any, Decimal]] = {}
    for part in (closed, running):
        if len(part) == 1:
            found[part[0]] = compute(metric, user=user, window=windows[part[0]], group_by=group_by, owners=owners)
        elif part:
            answers = _series_cached(metric, series, user, [windows[i] for i in part], group_by, owners)
            found |= dict(zip(part, answers, strict=True))
    return [found[i] for i in range(len(windows))]


def _series_cached(
    metric: Metric, series: Any, user: User, windows: list[Window], group_by: str, owners: Iterable[int] | None
) -> list[dict[Any, Decimal]]:
    from . import figure_cache

    owners = list(owners) if owners is not None else None
    periods = [(w.date_from, w.date_to) for w in windows]
    found: Mapping[Any, Any] = figure_cache.cached(  # {period index: that period's figures}
        metric_key=metric.key,
        reader_id=user.pk,
        group_by=group_by + "@" + ",".join(f"{a:%Y%m%d}-{b:%Y%m%d}" for a, b in periods),
        date_from=min(a for a, _b in periods),
        date_to=max(b for _a, b in periods),
        owners=owners,
        compute=lambda: dict(enumerate(series(user=user, periods=periods, group_by=group_by, owners=owners))),
        final=metric.final,
    )
    return [dict(found[i]) for i in range(len(windows))]


def change_percent(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """The change from `before` to `now` in % (one decimal), None when there was nothing before."""
    if now is None or not before:
        return None
    return ((now - before) * 100 / abs(before)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def records_url(metric: Metric, window: Window, **keys: Any) -> str:
    if metric.records is None:
        return ""
    return metric.records(date_from=window.date_from, date_to=window.date_to, **keys)


def no_figure(metric: Metric) -> Decimal | None:
    """What a figure is when nothing answers it: zero for a count or an amount; none (shown "—") for a share or a
    ratio, which has nothing to divide by (no survey answered is no satisfaction, not 0% satisfied)."""
    return None if metric.unit in ("percent", "ratio") else ZERO


@dataclass
class FigureRow:
    metric: Metric
    value: Decimal | None
    previous: Decimal | None
    year_ago: Decimal | None
    url: str

    @property
    def change(self) -> Decimal | None:
        return change_percent(self.value, self.previous)

    @property
    def change_year(self) -> Decimal | None:
        return change_percent(self.value, self.year_ago)


def owners_param(owners: set[int] | None) -> Any:
    """The scope's people as a drill-down's owner filter: None for everyone, one id, or the sorted ids (the lists
    take a repeated owner=)."""
    if owners is None:
        return None
    return next(iter(owners)) if len(owners) == 1 else sorted(owners)


def figures(*, user: User, window: Window, scope: str, keys: Iterable[str] | None = None) -> list[FigureRow]:
    """Every figure the reader may see (or those named in `keys`), this period, the previous one and a year ago,
    each with the URL of the records behind it."""
    require_view(user)
    owners = scope_owners(user, scope)
    wanted = set(keys) if keys is not None else None
    rows = []
    for metric in visible_metrics(user):
        if wanted is not None and metric.key not in wanted:
            continue
        values = [
            found.get(None, no_figure(metric))
            for found in compute_series(
                metric, user=user, windows=[window, window.previous, window.year_ago], owners=owners
            )
        ]
        url = records_url(metric, window, owner=owners_param(owners))
        rows.append(FigureRow(metric, values[0], values[1], values[2], url))
    return rows


@dataclass
class BreakdownRow:
    key: Any
    label: Any
    value: Decimal | None  # None ("—"): a share or ratio with nothing to divide by in the period
    previous: Decimal | None
    url: str

    @property
    def change(self) -> Decimal | None:
        return change_percent(self.value, self.previous)


def group_labels(metric: Metric, group_by: str, keys: Iterable[Any]) -> dict[Any, Any]:
    keys = [k for k in keys if k is not None]
    if group_by == "owner":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    if group_by == "department":
        return {d.pk: d.name for d in Department.objects.filter(pk__in=keys)}
    if metric.group_label is not None:
        return {k: metric.group_label(group_by, k) for k in keys}
    return {k: k for k in keys}


def breakdown(
    *, user: User, metric: Metric, window: Window, group_by: str, scope: str, compare: bool = True, total: bool = True
) -> tuple[list[BreakdownRow], Decimal | None]:
    """One figure by owner, department or the metric's own grouping, with the previous period (`compare`) and
    drill-down, and the figure's total (`total`; else None)."""
    require_view(user)
    owners = scope_owners(user, scope)
    if compare:
        now, before = compute_series(
            metric, user=user, windows=[window, window.previous], group_by=group_by, owners=owners
        )
    else:
        now, before = compute(metric, user=user, window=window, group_by=group_by, owners=owners), {}
    labels = group_labels(metric, group_by, set(now) | set(before))
    rows = []
    for key in set(now) | set(before):
        drill = {"owner": key} if group_by == "owner" else {}
        if group_by == "department":
            drill = {"department": key, "owner": owners_param(owners)}
        if group_by not in ("owner", "department", "total"):  # the rows without a value: EMPTY_GROUP, not None
            drill = {"group": key if key is not None else EMPTY_GROUP, "owner": owners_param(owners)}
        rows.append(
            BreakdownRow(
                key=key,
                label=labels.get(key, "—") if key is not None else (_("Total") if group_by == "total" else "—"),
                value=now.get(key, no_figure(metric)),
                previous=before.get(key, no_figure(metric)),
                url=records_url(metric, window, **drill),
            )
        )
    rows.sort(key=lambda r: (r.value is None, -(r.value or ZERO), str(r.label)))
    if not total:
        return rows, None
    return rows, compute(metric, user=user, window=window, owners=owners).get(None, no_figure(metric))
