"""Reads for opportunities: the kanban board, the list, one deal with its history, a customer's deals.
Every read starts from the user's data scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.dbvendor.ids import first_in_order, pk_in_any, split_parts
from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.export import local_time
from guanxi.core.filters import sort_with_tiebreak
from guanxi.core.inputs import id_or_none
from guanxi.customers.models import Contact, Customer, FollowUp, Task
from guanxi.org.models import Department, User
from guanxi.org.policies import (
    department_tree_ids,
    get_scoped_or_404,
    has_permission,
    require_permission,
    scope_children,
    scope_queryset,
    scope_queryset_or_none,
    visibility_q,
)

from .calendar import closing_countdown
from .filters import SORTS, OpportunityFilter, apply_search
from .funnel import PERIODS, Funnel, Period, funnel, period_for
from .models import Competitor, LostReason, Opportunity, OpportunityDocument, Pipeline, Stage, StageChange
from .stage_totals import stage_totals

PER_COLUMN = 20  # cards a board column shows at first; "load more" brings the next as many (board_cards)
Filters = QueryDict | Mapping[str, Any] | None
# A column's weighted amount is Σ(amount × probability) ÷ 100, the division made once in Python: a division per deal
# was about a fifth of the board's totals query on PostgreSQL (242,000 open deals), and SQLite, which keeps a
# whole-yuan amount as an integer, divided amount × probability by 100 as integers (12,345 × 33 % gave 4,073).
AMOUNT_TIMES_PERCENT = ExpressionWrapper(
    F("amount") * F("probability"), output_field=DecimalField(max_digits=30, decimal_places=2)
)
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))
ZERO_WIDE = Value(Decimal("0"), output_field=DecimalField(max_digits=30, decimal_places=2))


def _scoped(user: User, action: str = "view") -> QuerySet[Opportunity]:
    return scope_queryset(user, Opportunity.objects.all(), action)


def _filtered(user: User, filters: Filters, action: str = "view") -> QuerySet[Opportunity]:
    """The deals the user may `action`, narrowed by OpportunityFilter; a value it cannot read is a 400 naming the
    field (pages leave such values out first: filters.valid_filters)."""
    fs = OpportunityFilter(data=filters or {}, queryset=_scoped(user, action))
    if not fs.is_valid():
        raise ValidationFailed(
            _("Some filters are not valid."), fields={k: [str(m) for m in v] for k, v in fs.errors.items()}
        )
    return fs.qs


def search_opportunities(*, user: User, query: str, limit: int = 10) -> QuerySet[Opportunity]:
    """The global search's deals: the user's visible deals matching the query (filters.apply_search), newest first."""
    qs = apply_search(_scoped(user), query).select_related("customer", "stage")
    return qs.order_by("-created_at", "-id")[:limit]


def opportunity_scope(
    *,
    user: User,
    pipeline: Pipeline | None = None,
    department_id: int | None = None,
    owner_id: int | None = None,
    action: str = "view",
) -> QuerySet[Opportunity]:
    """Live opportunities the user may see (403 without opportunities.view), optionally narrowed further, for the
    funnel and the targets. A department means its whole sub-tree: the opportunity's department, or its owner's
    when it has none. An unknown department or owner id simply matches nothing."""
    qs = _scoped(user, action)
    if pipeline is not None:
        qs = qs.filter(pipeline=pipeline)
    if department_id is not None:
        ids = department_tree_ids(Department.objects.filter(pk=department_id).first())
        qs = qs.filter(Q(department_id__in=ids) | Q(department__isnull=True, owner__department_id__in=ids))
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    return qs


def pipelines() -> list[Pipeline]:
    return list(Pipeline.objects.filter(is_active=True).order_by("-is_default", "sort_order", "id"))


def _pick_pipeline(all_pipelines: list[Pipeline], pipeline_id: int | None) -> Pipeline | None:
    chosen = next((p for p in all_pipelines if p.pk == pipeline_id), None)
    return chosen or (all_pipelines[0] if all_pipelines else None)


def _decorate(opp: Opportunity, now: dt.datetime) -> Opportunity:
    """Days in the current stage, whether that counts as stalled, and the closing countdown (sales.calendar)."""
    opp.days_in_stage = max(0, (now - opp.stage_entered_at).days)  # type: ignore[attr-defined]
    stall = opp.stage.stall_days
    opp.is_stale = bool(stall) and opp.status == Opportunity.Status.OPEN and opp.days_in_stage > stall  # type: ignore[attr-defined]
    opp.closing = closing_countdown(opp, now)  # type: ignore[attr-defined]
    return opp


CARD_ORDER = ("stage_entered_at", "id")  # a column's cards: longest in the stage first
# What a card shows and decides by (_decorate, views._card_links, _board_card.html): a card read with every column of
# its deal, customer and owner cost more than drawing it (core.schema_columns says the same of the API's lists).
CARD_COLUMNS = (
    *("id", "version", "name", "amount", "probability", "status", "stage_entered_at", "expected_close_date"),
    *("customer__id", "customer__name", *(f"owner__{column}" for column in User.NAME_COLUMNS), "stage"),
)


def opportunity_board(*, user: User, filters: Filters, per_column: int | None = None) -> dict[str, Any]:
    """The kanban: open stages of one pipeline as columns, with counts, sums and the first cards of each.

    A fixed number of queries whatever the number of cards: pipelines, stages, one aggregate for the totals
    and one query for the cards (at most `per_column` per stage, each stage's read from an index).
    """
    per_column = per_column or PER_COLUMN
    narrowing = {k: v for k, v in (filters or {}).items() if k not in ("pipeline", "status", "sort")}
    all_pipelines = pipelines()
    pipeline = _pick_pipeline(all_pipelines, id_or_none((filters or {}).get("pipeline")))
    if pipeline is None:
        return {"pipelines": [], "pipeline": None, "columns": []}
    stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order", "id"))
    qs = _filtered(user, narrowing).filter(pipeline=pipeline, status=Opportunity.Status.OPEN)
    totals = _board_totals(user, qs, pipeline, narrowing)
    # One query for the cards: the first `per_column` of each stage, each picked by its own LIMIT subquery that
    # walks the board index (opportunity_board_idx; a rep's own deals opportunity_owner_board_idx, their
    # collaborations a part of their own: policies.scope_parts) — no ranking of every open deal.
    parts = split_parts(qs.order_by(*CARD_ORDER))
    columns_ids = [part.filter(stage=stage).values("pk")[:per_column] for stage in stages for part in parts]
    # (the subqueries carry the scope and filters; the outer query only fetches those rows by primary key)
    cards = Opportunity.objects.filter(pk_in_any(columns_ids)).select_related("customer", "owner", "stage")
    cards = cards.only(*CARD_COLUMNS)
    now = timezone.now()
    by_stage: dict[int, list[Opportunity]] = {}
    for opp in cards.order_by(*CARD_ORDER):
        column = by_stage.setdefault(opp.stage_id, [])
        if len(column) < per_column:  # the parts' first cards together: a column's first `per_column` of them
            column.append(_decorate(opp, now))
    columns = []
    for stage in stages:
        total: Any = totals.get(stage.pk, {})
        stage_cards = by_stage.get(stage.pk, [])
        count = total.get("n", 0)
        columns.append(
            {
                "stage": stage,
                "count": count,
                "amount": total.get("total", Decimal("0")),
                "weighted": total.get("weighted", Decimal("0")),
                "cards": stage_cards,
                "more": count - len(stage_cards),
            }
        )
    return {"pipelines": all_pipelines, "pipeline": pipeline, "columns": columns}


def _board_totals(
    user: User, qs: QuerySet[Opportunity], pipeline: Pipeline, narrowing: Mapping[str, Any]
) -> dict[int, dict[str, Any]]:
    """{stage id: {"n", "total", "weighted"}} of the board's deals. Someone who sees every deal (scope all), with no
    narrowing but perhaps an owner, reads the totals the database keeps per stage and owner (stage_totals: a few
    hundred rows); any other scope or filter counts its own deals with one grouped query (a rep's start from the
    owner index). Both give the same figures (sales/tests/test_stage_totals.py)."""
    asked = {k: v for k, v in narrowing.items() if v not in ("", None)}
    owner = asked.pop("owner", None)
    owner_id = id_or_none(owner) if owner is not None else None
    if not asked and (owner is None or owner_id is not None) and visibility_q(user, Opportunity) is None:
        return stage_totals(pipeline_id=pipeline.pk, owner_id=owner_id)
    rows = (
        qs.order_by()
        .values("stage_id")
        .annotate(
            n=Count("id"),
            total=Coalesce(Sum("amount"), ZERO),
            weighted_percent=Coalesce(Sum(AMOUNT_TIMES_PERCENT), ZERO_WIDE),
        )
    )
    return {r["stage_id"]: {**r, "weighted": Decimal(r["weighted_percent"]) / 100} for r in rows}


def opportunity_board_cards(
    *, user: User, filters: Filters, stage_id: int, after: tuple[dt.datetime, int] | None, per_column: int | None = None
) -> dict[str, Any]:
    """A board column's next cards ("load more"): the open deals of the stage after the card `after` (its time in
    stage and id: a key, not an offset, so a card dragged away meanwhile shifts nothing), in the board's order and
    scope, with the board's open stages (the cards' "Move to…" choices). `more`: whether any follow."""
    per_column = per_column or PER_COLUMN
    narrowing = {k: v for k, v in (filters or {}).items() if k not in ("pipeline", "status", "sort", "stage")}
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id, kind=Stage.Kind.OPEN).first()
    if stage is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    qs = _filtered(user, narrowing).filter(pipeline_id=stage.pipeline_id, stage=stage, status=Opportunity.Status.OPEN)
    if after is not None:
        at, pk = after
        qs = qs.filter(Q(stage_entered_at__gt=at) | Q(stage_entered_at=at, pk__gt=pk))
    qs = qs.select_related("customer", "owner", "stage").only(*CARD_COLUMNS).order_by(*CARD_ORDER)
    rows = list(first_in_order(qs, per_column + 1)[: per_column + 1])
    now = timezone.now()
    stages = list(stage.pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order", "id"))
    return {
        "pipeline": stage.pipeline,
        "stage": stage,
        "stages": stages,
        "cards": [_decorate(o, now) for o in rows[:per_column]],
        "more": len(rows) > per_column,
    }


def opportunity_list(*, user: User, filters: Filters = None, action: str = "view") -> QuerySet[Opportunity]:
    """The one list of deals (the page, the API and the export): the deals the user may `action`, filtered by
    filters.OpportunityFilter and sorted by `sort` (a key of filters.SORTS; newest first by default)."""
    qs = _filtered(user, filters, action).select_related("customer", "owner", "department", "stage", "pipeline")
    sort = SORTS.get(str((filters or {}).get("sort") or ""), "-created_at")
    return qs.order_by(*sort_with_tiebreak(sort))


def opportunity_get(*, user: User, pk: Any, action: str = "view") -> Opportunity:
    """One deal for an action: 403 without the permission, 404 when it is out of the user's reach."""
    qs = Opportunity.objects.select_related(
        "customer", "owner", "department", "stage", "pipeline", "contact", "lost_reason", "lost_to"
    )
    number = id_or_none(str(pk))
    if number is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return get_scoped_or_404(user, qs, number, action)


def pipeline_list(*, user: User) -> QuerySet[Pipeline]:
    """Active pipelines with their stages (anyone who may view opportunities may see the process)."""
    require_permission(user, "opportunities.view")
    return Pipeline.objects.filter(is_active=True).prefetch_related("stages")


def pipeline_get(*, user: User, pk: Any) -> Pipeline:
    """One pipeline for a filter (404 for a bad id); None → the default pipeline."""
    require_permission(user, "opportunities.view")
    qs = Pipeline.objects.all()
    try:
        if pk in (None, ""):
            found = qs.filter(is_active=True).order_by("-is_default", "sort_order", "id").first()
            if found is None:
                raise Pipeline.DoesNotExist
            return found
        return qs.get(pk=int(pk))
    except (Pipeline.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(_("Not found, or you may not see it."))


def department_choices(*, user: User) -> QuerySet[Department]:
    require_permission(user, "opportunities.view")
    return Department.objects.order_by("path")


def owners_of(*, qs: QuerySet[Opportunity]) -> QuerySet[User]:
    """Owners of the given (already scoped) deals: the funnel's owner filter offers no one outside the scope."""
    return User.objects.filter(pk__in=qs.values("owner_id")).order_by("username")


def stage_history(opp: Opportunity) -> list[StageChange]:
    """The deal's stage changes, oldest first, each with the days spent in the stage it left."""
    changes = list(StageChange.objects.filter(opportunity=opp).select_related("from_stage", "to_stage", "by"))
    for change in changes:
        seconds = change.seconds_in_from_stage
        change.days_in_from_stage = None if seconds is None else round(seconds / 86400, 1)  # type: ignore[attr-defined]
    return changes


def _in_scope(user: User, opp: Opportunity, action: str) -> bool:
    if not has_permission(user, f"opportunities.{action}"):
        return False
    return scope_queryset(user, Opportunity.objects.filter(pk=opp.pk), action).exists()


def documents_by_stage(opp: Opportunity, stages: list[Stage]) -> list[dict[str, Any]]:
    """The deal's documents grouped by the stage they were given in, in pipeline order (untagged ones last)."""
    docs = list(OpportunityDocument.objects.filter(opportunity=opp).select_related("uploaded_by", "stage"))
    groups: list[dict[str, Any]] = []
    for stage in [*stages, None]:
        items = [d for d in docs if d.stage_id == (stage.pk if stage else None)]
        if items:
            groups.append({"stage": stage, "documents": items})
    known = {s.pk for s in stages}
    stray = [d for d in docs if d.stage_id and d.stage_id not in known]  # a stage switched off since
    if stray:
        groups.append({"stage": stray[0].stage, "documents": stray})
    return groups


def document_get(*, user: User, pk: Any, opportunity_id: int | None = None) -> OpportunityDocument:
    """A document of a deal the user may see (403 without opportunities.view, 404 otherwise); with
    `opportunity_id`, a document of another deal is a 404 too."""
    deals = scope_queryset(user, Opportunity.objects.all(), "view")
    docs = OpportunityDocument.objects.select_related("opportunity").filter(opportunity__in=deals)
    deal = id_or_none(opportunity_id) if opportunity_id is not None else None
    if opportunity_id is not None:
        docs = docs.filter(opportunity_id=deal) if deal is not None else docs.none()  # past a 64-bit key: none
    number = id_or_none(pk)
    doc = docs.filter(pk=number).first() if number is not None else None
    if doc is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return doc


def active_stage_get(*, user: User, pk: int) -> Stage | None:
    """A stage of an active pipeline (None for any other id); the move service checks it is the deal's pipeline."""
    return next((s for p in pipeline_list(user=user) for s in p.stages.all() if s.pk == pk), None)


def opportunity_detail(*, user: User, pk: Any) -> dict[str, Any]:
    opp = _decorate(opportunity_get(user=user, pk=pk), timezone.now())
    history = stage_history(opp)
    stages = list(opp.pipeline.stages.filter(is_active=True).order_by("sort_order", "id"))
    # The deal's follow-ups and tasks are the customers app's rows: each shows in its own module's scope.
    follow_ups_seen = scope_queryset_or_none(user, FollowUp.objects.all()).values("pk")
    tasks_seen = scope_queryset_or_none(user, Task.objects.all()).values("pk")
    activities = opp.activities.filter(
        Q(follow_up__isnull=False, follow_up__deleted_at__isnull=True, follow_up__in=follow_ups_seen)
        | Q(task__isnull=False, task__deleted_at__isnull=True, task__in=tasks_seen)
    ).select_related("follow_up__author", "follow_up__contact", "task__assignee")
    activities = activities.prefetch_related("follow_up__attachments")
    follow_ups = [a.follow_up for a in activities if a.follow_up is not None]
    tasks = sorted((a.task for a in activities if a.task is not None), key=lambda t: (t.done, t.due_at))
    return {
        "opp": opp,
        "history": history,
        "stages": stages,
        "open_stages": [s for s in stages if s.kind == Stage.Kind.OPEN],
        "contact_roles": list(opp.contact_roles.select_related("contact")),
        "lines": list(opp.lines.all()),
        "competitors": list(opp.competitors.all()),
        "collaborators": list(opp.collaborators.all()),
        "document_groups": documents_by_stage(opp, stages),
        "follow_ups": sorted(follow_ups, key=lambda f: f.occurred_at, reverse=True),
        "tasks": tasks,
        "can_add_task": has_permission(user, "tasks.create"),
        "can_edit": _in_scope(user, opp, "edit"),
        "can_approve": _in_scope(user, opp, "approve"),
        "can_delete": _in_scope(user, opp, "delete"),
        "can_follow_up": has_permission(user, "followups.create"),
    }


def stage_get(*, pk: Any) -> Stage | None:
    """A stage by id (stages are configuration, visible to everyone; the move service checks the pipeline)."""
    pk = id_or_none(str(pk)) if pk is not None else None
    return Stage.objects.filter(pk=pk).first() if pk else None


def stage_choices(*, open_only: bool = False) -> list[Stage]:
    """Active stages of the active pipelines, in pipeline order (the list's stage filter, cell and bulk edit)."""
    qs = Stage.objects.filter(is_active=True, pipeline__is_active=True).select_related("pipeline")
    if open_only:
        qs = qs.filter(kind=Stage.Kind.OPEN)
    return list(qs.order_by("-pipeline__is_default", "pipeline__sort_order", "pipeline_id", "sort_order", "id"))


def lost_reasons() -> QuerySet[LostReason]:
    return LostReason.objects.filter(is_active=True)


def competitors() -> QuerySet[Competitor]:
    return Competitor.objects.filter(is_active=True)


def customer_choices(*, user: User) -> QuerySet[Customer]:
    """Customers a new opportunity may be for: those in the user's reach."""
    return scope_queryset(user, Customer.objects.all(), "view", module="customers").order_by("name")


def customer_contacts(*, user: User, customer_id: Any) -> list[Contact]:
    """The contacts of a customer in the user's reach (none for a customer they may not see)."""
    pk = id_or_none(str(customer_id)) if customer_id not in (None, "") else None
    if pk is None or not customer_choices(user=user).filter(pk=pk).exists():
        return []
    return list(Contact.objects.filter(customer_id=pk).order_by("-is_primary", "name", "id")[:200])


def owner_choices(*, user: User) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True)
    if user.partner_org_id and not user.is_superuser:
        qs = qs.filter(partner_org_id=user.partner_org_id)
    return qs.order_by("name", "username")


def customer_opportunities(*, user: User, customer: Customer) -> list[Opportunity]:
    """A customer's deals the user may see, each with its stage history (for the customer 360 tab)."""
    if not has_permission(user, "opportunities.view"):
        return []
    opps = list(
        scope_children(user, Opportunity.objects.all(), via="customer", parent=customer)
        .select_related("stage", "owner")
        .prefetch_related("stage_changes__from_stage", "stage_changes__to_stage")
        .order_by("-created_at", "-id")
    )
    return opps


def leaver_opportunities_table(*, user: User, leaving: User) -> tuple[list[Any], list[list[Any]]]:
    """The opportunities the leaver owns, open and closed, as far as `user` may export them."""
    qs = scope_queryset(user, Opportunity.objects.filter(owner=leaving), "export")
    qs = qs.select_related("customer", "stage")
    headers = [_("Name"), _("Customer"), _("Stage"), _("Status"), _("Amount")]
    headers += [_("Currency"), _("Expected signing date"), _("Next step"), _("Created at")]
    rows = [
        [
            o.name,
            o.customer.name,
            str(o.stage),
            o.get_status_display(),
            o.amount,
            o.currency,
            o.expected_close_date,
            o.next_step,
            local_time(o.created_at),
        ]
        for o in qs.order_by("pk")
    ]
    return headers, rows


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def opportunity_funnel(
    *, user: User, pipeline: Pipeline, period: Period, department_id: int | None = None, owner_id: int | None = None
) -> Funnel:
    """The pipeline's funnel over the deals the user sees (narrowed to a department's tree or an owner). Someone who
    sees every deal, with no department asked, has the open deals per stage from the kept totals, as the board does."""
    qs = opportunity_scope(user=user, department_id=department_id, owner_id=owner_id)
    open_counts = None
    if department_id is None and visibility_q(user, Opportunity) is None:
        kept = stage_totals(pipeline_id=pipeline.pk, owner_id=owner_id)
        open_counts = {stage_id: row["n"] for stage_id, row in kept.items()}
    return funnel(qs, pipeline, period, open_counts=open_counts)


def funnel_report(*, user: User, params: Mapping[str, Any]) -> dict[str, Any]:
    """The funnel page's figures from its query string: the period (month by default; a bad custom range falls back
    to this month and says why), the pipeline (default: the default one) and the department and owner narrowing.
    Ids that are not sane positive numbers are ignored."""
    kind = params.get("period") if params.get("period") in PERIODS else "month"
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        period = period_for(kind, today, _date(params.get("date_from")), _date(params.get("date_to")))
    except ValidationFailed as exc:
        errors = exc.fields
        kind = "month"
        period = period_for(kind, today)
    pipeline = pipeline_get(user=user, pk=id_or_none(params.get("pipeline")))
    department_id, owner_id = id_or_none(params.get("department")), id_or_none(params.get("owner"))
    return {
        "data": opportunity_funnel(
            user=user, pipeline=pipeline, period=period, department_id=department_id, owner_id=owner_id
        ),
        "kind": kind,
        "period": period,
        "pipeline": pipeline,
        "department_id": department_id,
        "owner_id": owner_id,
        "errors": errors,
    }
