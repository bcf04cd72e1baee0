"""Reads of analytics: periods and scopes, the registered metrics as tables (with previous period, year-ago and
drill-down), and the usage league (CRM 使用考核). Every figure comes from a `Metric` another app registered
(core.registry); nothing here reads another app's tables but through those metrics and selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.metrics import EMPTY_GROUP
from guanxi.core.registry import Metric, registry
from guanxi.org.models import DataScope, Department, PartnerOrganisation, User
from guanxi.org.policies import department_tree_ids, has_permission, permission_scope, subordinate_ids

from .models import DEFAULT_WEIGHTS, LeaguePolicy, LeaguePublication
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


# --- the usage league (CRM 使用考核) ---------------------------------------------------------------------------
def system_reader() -> User:
    """A reader who sees every row (the league is the same for everyone who reads it): never saved."""
    reader = User(pk=0, username="guanxi-league", is_superuser=True, is_active=True)
    reader._guanxi_grants = {}  # type: ignore[attr-defined]
    reader._guanxi_subordinates = set()  # type: ignore[attr-defined]
    return reader


def month_end(window: Window) -> dt.datetime:
    """The first moment after the window (its last day's end) in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(window.date_to + dt.timedelta(days=1), dt.time.min))


def install_started() -> dt.datetime | None:
    """When this installation began: the first account was made then (an upgraded install keeps its people's join
    dates, so its history counts; a fresh one starts today). None before anyone exists."""
    return User.objects.order_by().aggregate(first=Min("date_joined"))["first"]


def league_people(policy: LeaguePolicy, *, agents: bool, window: Window) -> QuerySet[User]:
    """Who is ranked in the window's month: active users holding one of the policy's roles who had joined before
    the month ended (someone who joined later had no month to be judged on); agents (users of an agent partner
    organisation) in their own league."""
    qs = User.objects.filter(
        is_active=True, roles__code__in=list(policy.roles or []), date_joined__lt=month_end(window)
    ).distinct()
    agent = Q(partner_org__kind=PartnerOrganisation.Kind.AGENT)
    return qs.filter(agent) if agents else qs.exclude(agent)


@dataclass
class LeagueRow:
    user_id: int
    name: str
    department: str
    values: dict[str, Decimal]
    score: Decimal = ZERO
    rank: int = 0
    flags: list[str] = field(default_factory=list)
    flag_keys: list[str] = field(default_factory=list)  # the measure each flag is about, in the same order
    violations: int = 0
    named: str = ""  # "top", "bottom" or ""

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass
class League:
    window: Window
    agents: bool
    policy: LeaguePolicy
    rows: list[LeagueRow]
    measures: list[tuple[str, Any, int]]  # (metric key, label, weight)
    published: LeaguePublication | None = None
    computed_at: dt.datetime | None = None  # when these figures were computed (a closed month's may be cached)
    minimums: dict[str, int] = field(default_factory=dict)  # the monthly minimums ranked against (of its day)

    @property
    def top(self) -> list[LeagueRow]:
        return [r for r in self.rows if r.named == "top"]

    @property
    def bottom(self) -> list[LeagueRow]:
        return [r for r in self.rows if r.named == "bottom"]


def follow_up_cutoff(policy: LeaguePolicy, window: Window, *, now: dt.datetime | None = None) -> dt.datetime:
    """The moment before which an open opportunity's customer must have had a follow-up: the window's days before
    the end of the month (or before now, for the month running)."""
    now = now or timezone.now()
    return min(now, month_end(window)) - dt.timedelta(days=policy.follow_up_window_days)


def violations_queryset(policy: LeaguePolicy, window: Window, *, now: dt.datetime | None = None) -> QuerySet[Any]:
    """Open opportunities, older than the follow-up window, whose customer has no follow-up since the cutoff
    (000 §十二.3: 有效商机CRM系统中没有跟进记录). The customers followed up since the cutoff are read once from the
    follow-ups' recent index and each deal is looked up in that set (NOT IN, uncorrelated): the last follow-up of
    each deal's customer (a correlated MAX per deal) cost seconds at 500k open deals."""
    from guanxi.customers.models import FollowUp
    from guanxi.sales.opportunities.models import Opportunity

    cutoff = follow_up_cutoff(policy, window, now=now)
    followed = FollowUp.objects.filter(occurred_at__gte=cutoff).order_by().values("customer_id")
    return Opportunity.objects.filter(status=Opportunity.Status.OPEN, created_at__lt=cutoff).exclude(
        customer_id__in=followed
    )


def with_last_follow_up(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Opportunities with their customer's last follow-up (`last_follow_up`, None: never), for a short list."""
    from guanxi.customers.models import FollowUp

    last = (
        FollowUp.objects.filter(customer_id=OuterRef("customer_id"))
        .order_by()
        .values("customer_id")
        .annotate(m=Max("occurred_at"))
        .values("m")[:1]
    )
    return qs.annotate(last_follow_up=Subquery(last))


def score_rows(rows: list[LeagueRow], weights: Mapping[str, int], named: int) -> None:
    """Score = Σ weight × value ÷ the best value of that measure among the ranked (0 when nobody has any); ranks by
    score (equal scores share a rank); the first `named` are named at the top, the last `named` at the bottom."""
    best = {key: max((r.values.get(key, ZERO) for r in rows), default=ZERO) for key in weights}
    for row in rows:
        total = ZERO
        for key, weight in weights.items():
            if weight and best[key] > 0:
                total += Decimal(weight) * row.values.get(key, ZERO) / best[key]
        row.score = total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rows.sort(key=lambda r: (-r.score, r.name, r.user_id))
    for row in rows:
        row.rank = 1 + sum(1 for other in rows if other.score > row.score)
    n = min(named, len(rows) // 2) if len(rows) > 1 else 0
    for row in rows[:n]:
        row.named = "top"
    for row in rows[len(rows) - n :] if n else []:
        row.named = "bottom"


def league_minimums(policy: LeaguePolicy) -> dict[str, int]:
    return {"new_customers": policy.min_new_customers, "new_opportunities": policy.min_new_opportunities}


def league_compute(
    *, window: Window, agents: bool = False, policy: LeaguePolicy | None = None, now: dt.datetime | None = None
) -> League:
    """The league of a month over everyone ranked, whoever reads it (the policy publishes it to the team)."""
    policy = policy or LeaguePolicy.current()
    reader = system_reader()
    people = list(league_people(policy, agents=agents, window=window).select_related("department"))
    ids = [u.pk for u in people]
    weights = policy.weight_map()
    values: dict[str, dict[Any, Decimal]] = {}
    for key in DEFAULT_WEIGHTS:
        metric = registry.metric(key)
        values[key] = compute(metric, user=reader, window=window, group_by="owner", owners=ids) if metric else {}
    violations = {
        row["owner_id"]: row["n"]
        for row in violations_queryset(policy, window, now=now)
        .filter(owner_id__in=ids)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
    }
    rows = []
    for person in people:
        row = LeagueRow(
            user_id=person.pk,
            name=str(person),
            department=person.department.name if person.department else "",
            values={key: values[key].get(person.pk, ZERO) for key in DEFAULT_WEIGHTS},
            violations=int(violations.get(person.pk, 0)),
        )
        for key, minimum in league_minimums(policy).items():
            if row.values[key] < minimum:
                row.flag_keys.append(key)
                row.flags.append(flag_text(key, row.values[key], minimum))
        rows.append(row)
    score_rows(rows, weights, policy.agents_named if agents else policy.staff_named)
    measures = [(key, getattr(registry.metric(key), "label", key), weights[key]) for key in weights]
    return League(
        window=window, agents=agents, policy=policy, rows=rows, measures=measures, minimums=league_minimums(policy)
    )


def league_visible_ids(user: User) -> set[int] | None:
    """Whose league rows (with figures) the reader sees: everyone for a company-wide reader, else the people of
    their widest scope (a rep: their own row). The named top and bottom are shown to every reader."""
    scope = default_scope(user)
    return scope_owners(user, scope)


def league_for(*, user: User, window: Window, agents: bool = False) -> League:
    """The league a reader opens: a published month as it was published (the stored rows, never ranked again),
    else the month ranked now and kept a while (`league_cached`)."""
    require_view(user)
    published = LeaguePublication.objects.filter(
        month=window.date_from, kind=LeaguePublication.Kind.AGENTS if agents else LeaguePublication.Kind.STAFF
    ).first()
    if published is not None:
        return league_published(published, window=window)
    return league_cached(window=window, agents=agents)


def flag_text(key: str, value: Decimal, minimum: int) -> str:
    """A "below the minimum" flag, in the reader's language."""
    if key == "new_customers":
        return _("%(n)s new customers, below the minimum of %(min)s") % {"n": int(value), "min": minimum}
    return _("%(n)s new opportunities, below the minimum of %(min)s") % {"n": int(value), "min": minimum}


def league_published(publication: LeaguePublication, *, window: Window) -> League:
    """A published league from its stored rows (with the weights and minimums of its day when it stored them)."""
    policy = LeaguePolicy.current()
    stored = publication.rows or []
    first = stored[0] if stored else {}
    weights = {k: int(v) for k, v in (first.get("weights") or policy.weight_map()).items() if k in DEFAULT_WEIGHTS}
    rows = []
    for item in stored:
        values = {k: Decimal(str(v)) for k, v in (item.get("values") or {}).items()}
        minimums = item.get("minimums") or {}
        keys = list(item.get("flag_keys") or [])
        flags = (
            [flag_text(k, values.get(k, ZERO), int(minimums[k])) for k in keys]
            if keys and all(k in minimums for k in keys)
            else list(item.get("flags") or [])
        )
        rows.append(
            LeagueRow(
                user_id=int(item["user"]),
                name=str(item.get("name", "")),
                department=str(item.get("department", "")),
                values=values,
                score=Decimal(str(item.get("score", "0"))),
                rank=int(item.get("rank", 0)),
                flags=flags,
                flag_keys=keys or [""] * len(flags),
                violations=int(item.get("violations", 0)),
                named=str(item.get("named", "")),
            )
        )
    measures = [(key, getattr(registry.metric(key), "label", key), weights.get(key, 0)) for key in DEFAULT_WEIGHTS]
    return League(
        window=window,
        agents=publication.kind == LeaguePublication.Kind.AGENTS,
        policy=policy,
        rows=rows,
        measures=measures,
        published=publication,
        computed_at=publication.published_at,
        minimums={k: int(v) for k, v in (first.get("minimums") or league_minimums(policy)).items()},
    )


def _league_key(window: Window, agents: bool, policy: LeaguePolicy) -> str:
    from django.core.cache import cache

    from .figure_cache import HISTORY_KEY

    history = cache.get(HISTORY_KEY, "")  # who is ranked and who sees what: org writes start a new one
    return (
        f"analytics:league:{window.date_from:%Y-%m}:{int(agents)}:{policy.pk}:{policy.updated_at.timestamp()}:{history}"
    )


def league_cached(*, window: Window, agents: bool = False, refresh: bool = False) -> League:
    """A month's league ranked over the whole team, kept GUANXI_ANALYTICS_CACHE_SECONDS (0: ranked on every call)
    under the month, the rules' version and the history generation, whatever else is written: the dashboard's
    widget and the league page read it, and show when it was ranked. `refresh` ranks it again now."""
    from django.conf import settings
    from django.core.cache import cache

    seconds = int(getattr(settings, "GUANXI_ANALYTICS_CACHE_SECONDS", 0) or 0)
    policy = LeaguePolicy.current()
    key = _league_key(window, agents, policy)
    if seconds and not refresh:
        found = cache.get(key)
        if isinstance(found, League):
            return found
    league = league_compute(window=window, agents=agents, policy=policy)
    league.computed_at = timezone.now()
    if seconds:
        cache.set(key, league, seconds)
    return league


def violations_of(*, user: User, owner_id: int, window: Window) -> QuerySet[Any]:
    """The open opportunities without a follow-up in the window that one ranked person owns, as the reader may
    see them (their opportunities scope)."""
    from guanxi.org.policies import scope_queryset_or_none

    require_view(user)
    visible = league_visible_ids(user)
    if visible is not None and owner_id not in visible:
        raise NotFoundError(_("Not found, or you may not see it."))
    qs = with_last_follow_up(violations_queryset(LeaguePolicy.current(), window).filter(owner_id=owner_id))
    return scope_queryset_or_none(user, qs).select_related("customer", "stage").order_by("last_follow_up", "pk")
