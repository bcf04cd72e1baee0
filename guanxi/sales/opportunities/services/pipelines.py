"""Admin set-up of the sales process: pipelines and their stages, lost reasons and competitors (org.admin).

Every write goes through model_create/model_update, so it is validated and audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import pick
from guanxi.core.services import model_create, model_update
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from ..models import Competitor, LostReason, Pipeline, Stage

# The Opportunity fields a stage may require before a deal enters it (the move service checks them).
STAGE_REQUIRED_FIELD_CHOICES = [
    ("amount", gettext_lazy("Amount")),
    ("expected_close_date", gettext_lazy("Expected signing date")),
    ("contact", gettext_lazy("Contact")),
    ("next_step", gettext_lazy("Next step")),
    ("description", gettext_lazy("Description")),
]
PIPELINE_FIELDS = {"name", "is_default", "is_active", "sort_order"}
STAGE_FIELDS = {"name", "sort_order", "probability", "kind", "stall_days", "required_fields", "is_active"}
LOST_REASON_FIELDS = {"name", "is_active", "sort_order"}
COMPETITOR_FIELDS = {"name", "website", "strengths", "weaknesses", "is_active"}


def _save(actor: User, instance: Any, data: dict[str, Any]) -> Any:
    if instance.pk is None:
        for key, value in data.items():
            setattr(instance, key, value)
        return model_create(instance=instance, actor=actor)
    instance, _changes = model_update(instance=instance, data=data, actor=actor)
    return instance


def pipeline_save(*, actor: User, data: dict[str, Any], pipeline: Pipeline | None = None) -> Pipeline:
    """Create or change a pipeline; making it the default takes that flag from the previous default."""
    require_permission(actor, "org.admin")
    values = pick(data, PIPELINE_FIELDS)
    with transaction.atomic():
        if values.get("is_default"):
            for other in (
                Pipeline.objects.select_for_update(of=("self",))
                .filter(is_default=True)
                .exclude(pk__in=[pipeline.pk] if pipeline and pipeline.pk else [])
            ):
                model_update(instance=other, data={"is_default": False}, actor=actor)
        return _save(actor, pipeline or Pipeline(), values)


def stage_save(*, actor: User, pipeline: Pipeline, data: dict[str, Any], stage: Stage | None = None) -> Stage:
    """Create or change a stage of a pipeline; required fields come from a fixed list of Opportunity fields."""
    require_permission(actor, "org.admin")
    values = pick(data, STAGE_FIELDS)
    if "required_fields" in values:
        allowed = [name for name, _label in STAGE_REQUIRED_FIELD_CHOICES]
        wanted = list(values["required_fields"] or [])
        if any(name not in allowed for name in wanted):
            msg = _("Choose fields from the list.")
            raise ValidationFailed(msg, fields={"required_fields": [msg]})
        values["required_fields"] = [name for name in allowed if name in wanted]
    if stage is not None and stage.pipeline_id != pipeline.pk:
        raise ValidationFailed(_("This stage belongs to another pipeline."))
    with transaction.atomic():
        return _save(actor, stage or Stage(pipeline=pipeline), values)


def lost_reason_save(*, actor: User, data: dict[str, Any], reason: LostReason | None = None) -> LostReason:
    require_permission(actor, "org.admin")
    with transaction.atomic():
        return _save(actor, reason or LostReason(), pick(data, LOST_REASON_FIELDS))


def competitor_save(*, actor: User, data: dict[str, Any], competitor: Competitor | None = None) -> Competitor:
    require_permission(actor, "org.admin")
    with transaction.atomic():
        return _save(actor, competitor or Competitor(), pick(data, COMPETITOR_FIELDS))
