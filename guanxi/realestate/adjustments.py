"""Batch price adjustments (调价): a draft names the units (a project's building, floor range, layout) and the change;
it goes through the approval engine (kind "re_price_adjustment", registered in providers.py) and, once approved, is
applied to every matching unit at once, each change in the unit's price history. A unit reserved by then (held,
deposited, subscribed, sold) keeps its price: prices never change under a reserved unit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError
from guanxi.core.inputs import clean_decimal, clean_text, field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.numbering import number_next, register_default_pattern
from guanxi.core.services import audit_record, model_create, model_update
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from . import pricing
from .models import Building, Layout, PriceAdjustment, Project, Unit
from .selectors import require_project
from .services import FLOORS_MAX, PRICE_MAX, _int, _of_project, _record_price, _reprice, _rules_of

register_default_pattern("re_price_adjustment", "TJ{yyyy}{mm}{dd}-{seq:03}")
FIELDS = {"building", "floor_from", "floor_to", "layout", "method", "value", "reason"}
PERCENT_LIMIT = Decimal("50")  # an adjustment moves prices by at most half either way


def adjustment_units(adjustment: PriceAdjustment) -> QuerySet[Unit]:
    """The priced units the adjustment names (reserved ones included: they are counted, not changed)."""
    qs = Unit.objects.filter(building__project_id=adjustment.project_id, base_price__isnull=False)
    if adjustment.building_id:
        qs = qs.filter(building_id=adjustment.building_id)
    if adjustment.floor_from is not None:
        qs = qs.filter(floor__gte=adjustment.floor_from)
    if adjustment.floor_to is not None:
        qs = qs.filter(floor__lte=adjustment.floor_to)
    if adjustment.layout_id:
        qs = qs.filter(layout_id=adjustment.layout_id)
    return qs.select_related("building", "decoration", "layout").order_by(
        "building__name", "entrance", "-floor", "number"
    )


def adjustment_preview(adjustment: PriceAdjustment) -> list[dict[str, Any]]:
    """Each unit with its price now and after the adjustment (None when it is reserved and keeps its price)."""
    project = adjustment.project
    rules = _rules_of(project)
    rows = []
    for unit in adjustment_units(adjustment):
        new = None
        if not unit.reserved and unit.base_price is not None:
            unit.base_price = pricing.adjusted_base(
                unit.base_price, basis=unit.price_basis, built_area=unit.built_area, method=adjustment.method,
                value=adjustment.value,
            )  # fmt: skip
            new = _reprice(unit, rules=rules, rounding=project.rounding)
        rows.append({"unit": unit, "old_total": unit.total_price, "new": new})
    return rows


def adjustment_create(*, actor: User, project: Project, data: dict[str, Any]) -> PriceAdjustment:
    require_permission(actor, "re_pricing.edit")
    require_project(actor, project)
    data = pick(data, FIELDS)
    method = str(data.get("method") or PriceAdjustment.Method.PERCENT)
    if method not in PriceAdjustment.Method.values:
        raise field_error("method", _("Choose one of the list."))
    if method == PriceAdjustment.Method.PERCENT:
        value = clean_decimal(data.get("value"), "value", low=-PERCENT_LIMIT, high=PERCENT_LIMIT)
    else:
        value = clean_decimal(data.get("value"), "value", low=-PRICE_MAX, high=PRICE_MAX)
    if value == 0:
        raise field_error("value", _("Enter a change other than zero."))
    floors = [
        _int(data[k], k, -5, FLOORS_MAX) if data.get(k) not in (None, "") else None for k in ("floor_from", "floor_to")
    ]
    if floors[0] is not None and floors[1] is not None and floors[1] < floors[0]:
        raise field_error("floor_to", _("The top floor must not be below the lowest."))
    adjustment = PriceAdjustment(
        project=project, method=method, value=value, floor_from=floors[0], floor_to=floors[1], created_by=actor,
        building=_of_project(Building, project, data.get("building"), "building"),
        layout=_of_project(Layout, project, data.get("layout"), "layout"),
        reason=clean_text(data.get("reason"), "reason", max_length=300, required=True),
    )  # fmt: skip
    with transaction.atomic():
        if not adjustment_units(adjustment).exists():
            raise field_error("building", _("No priced unit matches: widen the choice."))
        adjustment.number = number_next("re_price_adjustment")
        return model_create(instance=adjustment, actor=actor)


def adjustment_submit(*, actor: User, adjustment: PriceAdjustment) -> PriceAdjustment:
    """Send a draft for approval; the approved adjustment applies itself (adjustment_on_decided)."""
    from guanxi.approvals.services import approval_submit

    require_permission(actor, "re_pricing.edit")
    require_project(actor, adjustment.project_id)
    with transaction.atomic():
        adjustment = PriceAdjustment.objects.select_for_update().get(pk=adjustment.pk)
        if adjustment.status != PriceAdjustment.Status.DRAFT:
            raise InvalidStateError(_("Only a draft adjustment can be submitted."))
        rows = adjustment_preview(adjustment)
        delta = sum((r["new"][1] - r["old_total"] for r in rows if r["new"] and r["old_total"] is not None), Decimal(0))
        percent = adjustment.value if adjustment.method == PriceAdjustment.Method.PERCENT else Decimal(0)
        approval_submit(
            actor=actor, document=adjustment, kind="re_price_adjustment",
            facts={"percent": percent, "units": len(rows), "amount": delta},
            title=_("Price adjustment %(number)s: %(change)s, %(count)s units")
            % {"number": adjustment.number, "change": adjustment.change_label, "count": len(rows)},
            amount=delta,
        )  # fmt: skip
        adjustment, _changes = model_update(
            instance=adjustment, data={"status": PriceAdjustment.Status.PENDING}, actor=actor
        )
    return adjustment


def adjustment_apply(*, adjustment: PriceAdjustment, actor: User | None) -> PriceAdjustment:
    """Apply an approved adjustment to every matching unit at once (reserved units keep their price)."""
    project = adjustment.project
    rules = _rules_of(project)
    done = skipped = 0
    units = adjustment_units(adjustment).select_for_update(of=("self",))
    for unit in units:
        if unit.reserved or unit.base_price is None:
            skipped += 1
            continue
        unit.base_price = pricing.adjusted_base(
            unit.base_price, basis=unit.price_basis, built_area=unit.built_area, method=adjustment.method,
            value=adjustment.value,
        )  # fmt: skip
        new = _reprice(unit, rules=rules, rounding=project.rounding)
        reason = _("Price adjustment %(number)s: %(reason)s") % {
            "number": adjustment.number,
            "reason": adjustment.reason,
        }
        if new is not None and _record_price(unit, new, actor=actor, reason=reason, adjustment=adjustment):
            done += 1
    adjustment, _changes = model_update(
        instance=adjustment, actor=actor,
        data={"status": PriceAdjustment.Status.APPLIED, "applied_at": timezone.now(), "applied_count": done,
              "skipped_count": skipped},
    )  # fmt: skip
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=project,
                 changes={"prices": [None, f"{adjustment.number}: {done} ({skipped} reserved)"]})  # fmt: skip
    return adjustment


def adjustment_on_decided(*, document: PriceAdjustment, outcome: str, actor: User | None, comment: str = "") -> None:
    """Called by the approval engine inside its transaction when the adjustment's request ends."""
    adjustment = PriceAdjustment.objects.select_for_update().get(pk=document.pk)
    if outcome == "approved":
        adjustment_apply(adjustment=adjustment, actor=actor)
    elif outcome == "rejected":
        model_update(instance=adjustment, data={"status": PriceAdjustment.Status.REJECTED}, actor=actor)
    elif outcome in ("returned", "withdrawn"):
        model_update(instance=adjustment, data={"status": PriceAdjustment.Status.DRAFT}, actor=actor)
