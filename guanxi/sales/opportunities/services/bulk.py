"""Many deals at once, from the list's bulk bar: each row goes through the one-deal service (its permission,
scope and rules); the rows refused are counted as skipped, never half-done."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from guanxi.core.errors import ApplicationError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_ids
from guanxi.core.models import AuditLog
from guanxi.core.services import (
    audit_record,
    model_update,
    notify,
    soft_delete,
)
from guanxi.org.models import User
from guanxi.org.policies import require_permission, scope_queryset

from ..models import (
    Opportunity,
    Stage,
)
from .lifecycle import _check_owner, opportunity_move_stage


def opportunity_bulk_transfer(*, actor: User, opportunity_ids: Iterable[Any], owner: User) -> tuple[int, int]:
    """Hand the selected deals to another rep (the list's bulk bar), audited per deal as a transfer; the new owner
    is told once. Returns (moved, skipped): skipped are out of the actor's reach for assigning, or theirs already."""
    require_permission(actor, "opportunities.assign")
    _check_owner(actor, owner)
    ids = clean_ids(opportunity_ids)
    moved = 0
    with transaction.atomic():
        qs = scope_queryset(actor, Opportunity.objects.filter(pk__in=ids), "assign").select_related("owner")
        for opp in qs.select_for_update(of=("self",)).order_by("pk"):
            if opp.owner_id == owner.pk:
                continue
            old_owner = opp.owner
            model_update(instance=opp, data={"owner": owner, "department": owner.department}, actor=actor, audit=False)
            audit_record(
                actor=actor, action=AuditLog.Action.TRANSFER, obj=opp, changes={"owner": [str(old_owner), str(owner)]}
            )
            moved += 1
        if moved and owner.pk != actor.pk:
            notify(
                recipient=owner,
                kind="opportunity_transfer",
                url=reverse("sales:opportunity_list") + "?scene=mine",
                title=Message(gettext_noop("%(count)s opportunity(ies) were handed to you"), {"count": moved}),
                body=Message(gettext_noop("Handed over by %(user)s."), {"user": actor}),
            )
    return moved, len(ids) - moved


def opportunity_bulk_delete(*, actor: User, opportunity_ids: Iterable[Any]) -> tuple[int, int]:
    """Move the selected deals to the recycle bin (the list's bulk bar). Returns (deleted, skipped): skipped are out of
    the actor's reach for deleting (each row checked as opportunity_delete checks one)."""
    require_permission(actor, "opportunities.delete")
    ids = clean_ids(opportunity_ids)
    deleted = 0
    with transaction.atomic():
        qs = scope_queryset(actor, Opportunity.objects.filter(pk__in=ids), "delete")
        for opp in qs.select_for_update(of=("self",)).order_by("pk"):
            soft_delete(instance=opp, actor=actor)
            deleted += 1
    return deleted, len(ids) - deleted


def opportunity_bulk_move_stage(*, actor: User, opportunity_ids: Iterable[Any], stage: Stage) -> tuple[int, int]:
    """Move the selected deals to one stage (the list's bulk edit), each through opportunity_move_stage and all its
    rules (open deals of that stage's pipeline, the stage's required fields). Returns (moved, skipped): a deal that
    is out of reach, closed, in another pipeline, already there or missing a required field is skipped unchanged."""
    require_permission(actor, "opportunities.edit")
    ids = clean_ids(opportunity_ids)
    moved = 0
    with transaction.atomic():
        reachable = scope_queryset(actor, Opportunity.objects.filter(pk__in=ids), "edit")
        for opp in reachable.select_related("stage").order_by("pk"):
            if opp.stage_id == stage.pk:
                continue
            try:
                with transaction.atomic():  # a refused row rolls back alone
                    opportunity_move_stage(actor=actor, opportunity=opp, stage=stage)
            except ApplicationError:
                continue
            moved += 1
    return moved, len(ids) - moved
