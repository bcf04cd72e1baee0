"""The usage league (CRM 使用考核): who is ranked in a month, their measures (registered metrics read by a reader
who sees every row), the score and rank by the administrator's weights, the flags below the monthly minimums, the
open deals without a follow-up (violations); a published month read from its stored rows, another ranked and kept a
while (`league_cached`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError
from guanxi.core.metrics import owner_as_value
from guanxi.core.registry import registry
from guanxi.org.models import PartnerOrganisation, User

from .models import DEFAULT_WEIGHTS, LeaguePolicy, LeaguePublication
from .selectors import ZERO, Window, compute, default_scope, require_view, scope_owners


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
    violations_counted: bool = True  # False: ranked without the violations (rows say 0; the dashboard's widget)

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
    *,
    window: Window,
    agents: bool = False,
    policy: LeaguePolicy | None = None,
    now: dt.datetime | None = None,
    violations: bool = True,
) -> League:
    """The league of a month over everyone ranked, whoever reads it (the policy publishes it to the team).
    `violations=False`: without counting the violations, which no score or flag reads (the dashboard's widget shows
    ranks and flags only; the count reads every open deal: 300-480 ms at 500,000)."""
    policy = policy or LeaguePolicy.current()
    reader = system_reader()
    people = list(league_people(policy, agents=agents, window=window).select_related("department"))
    ids = [u.pk for u in people]
    weights = policy.weight_map()
    values: dict[str, dict[Any, Decimal]] = {}
    for key in DEFAULT_WEIGHTS:
        metric = registry.metric(key)
        values[key] = compute(metric, user=reader, window=window, group_by="owner", owners=ids) if metric else {}
    late: dict[int, int] = {}
    if violations:
        # Grouped on the owner as a value and kept to the people here (core.metrics.owner_as_value): grouped on the
        # column (and filtered on the people), SQLite walks the owner index and reads every open deal's row (1.3 s
        # at 500k open deals) where the deals' due index answers alone (0.43 s).
        wanted = set(ids)
        late = {
            row["late_owner"]: row["n"]
            for row in violations_queryset(policy, window, now=now)
            .order_by()
            .annotate(late_owner=owner_as_value("owner_id"))
            .values("late_owner")
            .annotate(n=Count("*"))
            if row["late_owner"] in wanted
        }
    rows = []
    for person in people:
        row = LeagueRow(
            user_id=person.pk,
            name=str(person),
            department=person.department.name if person.department else "",
            values={key: values[key].get(person.pk, ZERO) for key in DEFAULT_WEIGHTS},
            violations=int(late.get(person.pk, 0)),
        )
        for key, minimum in league_minimums(policy).items():
            if row.values[key] < minimum:
                row.flag_keys.append(key)
                row.flags.append(flag_text(key, row.values[key], minimum))
        rows.append(row)
    score_rows(rows, weights, policy.agents_named if agents else policy.staff_named)
    measures = [(key, getattr(registry.metric(key), "label", key), weights[key]) for key in weights]
    return League(
        window=window,
        agents=agents,
        policy=policy,
        rows=rows,
        measures=measures,
        minimums=league_minimums(policy),
        violations_counted=violations,
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
    from . import figure_cache

    # who is ranked and who sees what: org writes start a new one. Made here when missing: read as "" instead,
    # the warming job's leagues (ranked first, into an empty cache) were keyed on "" and missed once the first
    # figure made the generation (the league page's first visit of the day ranked again)
    history = figure_cache.history()
    return (
        f"analytics:league:{window.date_from:%Y-%m}:{int(agents)}:{policy.pk}:{policy.updated_at.timestamp()}:{history}"
    )


def league_cached(*, window: Window, agents: bool = False, refresh: bool = False, violations: bool = True) -> League:
    """A month's league ranked over the whole team, kept GUANXI_ANALYTICS_CACHE_SECONDS (0: ranked on every call)
    under the month, the rules' version and the history generation, whatever else is written (and longer while
    nothing is written: the warming job's, ranked at night): the dashboard's widget and the league page read it,
    and show when it was ranked. `refresh` ranks it again now. `violations=False` (a reader of ranks and flags
    only): the league kept with its violations if there is one, else one ranked without them, kept apart."""
    from django.conf import settings
    from django.core.cache import cache

    from . import figure_cache

    seconds = int(getattr(settings, "GUANXI_ANALYTICS_CACHE_SECONDS", 0) or 0)
    policy = LeaguePolicy.current()
    key = _league_key(window, agents, policy)
    keys = [key] if violations else [key, f"{key}:ranks"]
    for kept_key in keys if seconds and not refresh else []:
        found = cache.get(kept_key)  # (the generation it was ranked under, the league)
        stamp, league = found if isinstance(found, tuple) and len(found) == 2 else (None, None)
        if isinstance(league, League) and league.computed_at and figure_cache.fresh(league.computed_at, stamp, seconds):
            return league
    stamp = figure_cache.generation()
    league = league_compute(window=window, agents=agents, policy=policy, violations=violations)
    league.computed_at = timezone.now()
    if seconds:
        kept = max(seconds, figure_cache.until_day_end()) if figure_cache.warming_since() else seconds
        cache.set(keys[-1], (stamp, league), kept)
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
