"""Reads for the sales set-up pages (org.admin): pipelines with stages, lost reasons, competitors with
their win/loss record."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from .models import Competitor, LostReason, Opportunity, Pipeline, Stage


def _get(qs: QuerySet[Any], pk: Any) -> Any:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFoundError(_("Not found."))
    return found


def admin_pipelines(*, user: User) -> QuerySet[Pipeline]:
    require_permission(user, "org.admin")
    return Pipeline.objects.prefetch_related("stages").order_by("sort_order", "id")


def admin_pipeline_get(*, user: User, pk: int) -> Pipeline:
    return _get(admin_pipelines(user=user), pk)


def admin_stage_get(*, user: User, pipeline: Pipeline, pk: int) -> Stage:
    """A stage of that pipeline (404 for another pipeline's)."""
    require_permission(user, "org.admin")
    return _get(Stage.objects.filter(pipeline=pipeline), pk)


def admin_lost_reasons(*, user: User) -> QuerySet[LostReason]:
    require_permission(user, "org.admin")
    return LostReason.objects.order_by("sort_order", "name")


def admin_lost_reason_get(*, user: User, pk: int) -> LostReason:
    return _get(admin_lost_reasons(user=user), pk)


def admin_competitors(*, user: User) -> QuerySet[Competitor]:
    require_permission(user, "org.admin")
    return Competitor.objects.order_by("name")


def competitor_records(competitors: list[Competitor]) -> list[Competitor]:
    """Set `wins` (our won deals where the competitor was in the running) and `losses` (deals lost to it)."""
    live = Opportunity.objects.filter(deleted_at__isnull=True)
    ids = [c.pk for c in competitors]
    wins = dict(
        live.filter(status=Opportunity.Status.WON, competitors__in=ids)
        .values_list("competitors")
        .annotate(n=Count("id", distinct=True))
    )
    losses = dict(
        live.filter(status=Opportunity.Status.LOST, lost_to__in=ids).values_list("lost_to").annotate(n=Count("id"))
    )
    for c in competitors:
        c.wins = wins.get(c.pk, 0)  # type: ignore[attr-defined]
        c.losses = losses.get(c.pk, 0)  # type: ignore[attr-defined]
    return competitors


def admin_competitor_get(*, user: User, pk: int) -> Competitor:
    return _get(admin_competitors(user=user), pk)
