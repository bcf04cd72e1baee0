"""The SLA targets an administrator edits (org.admin): within how many working hours a ticket of a priority — and,
when a row names one, of a customer level — gets its first response and its resolution. The page posts every row
at once; `sla_targets_save` checks them all and writes the differences, audited, in one transaction."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update
from guanxi.core.views_util import service_action
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from .models import SlaTarget, Ticket

HOURS_MAX = Decimal(2000)
ROWS_MAX = 60


def _hours(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        hours = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        hours = Decimal(-1)
    if not Decimal(0) < hours <= HOURS_MAX:
        errors[field] = [_("Enter working hours between 0.1 and %(max)s.") % {"max": HOURS_MAX}]
        return None
    return hours


def _clean_rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    from guanxi.core.dictionaries.selectors import entry as dictionary_entry

    errors: dict[str, list[str]] = {}
    targets: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for i, row in enumerate(rows[:ROWS_MAX]):
        priority, level = str(row.get("priority") or ""), str(row.get("customer_level") or "").strip()
        if priority not in Ticket.Priority.values:
            errors[f"priority_{i}"] = [_("Choose one of the list.")]
            continue
        if level and dictionary_entry("customer_level", level) is None:
            errors[f"customer_level_{i}"] = [_("Choose one of the list.")]
            continue
        first = _hours(row.get("first_response_hours"), f"first_response_hours_{i}", errors)
        resolution = _hours(row.get("resolution_hours"), f"resolution_hours_{i}", errors)
        if (priority, level) in targets:
            errors[f"priority_{i}"] = [_("This priority and customer level have a target already.")]
        elif first is not None and resolution is not None:
            if resolution < first:
                errors[f"resolution_hours_{i}"] = [
                    _("The resolution target must not be shorter than the first response's.")
                ]
            targets[(priority, level)] = (first, resolution)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return targets


@transaction.atomic
def sla_targets_save(*, actor: User, rows: list[dict[str, Any]]) -> list[SlaTarget]:
    """Replace the SLA targets by `rows` (priority, customer_level, first_response_hours, resolution_hours):
    changed rows are updated, new ones created, missing ones deleted; each change audited. New tickets use them."""
    require_permission(actor, "org.admin")
    wanted = _clean_rows(rows)
    current = {(t.priority, t.customer_level): t for t in SlaTarget.objects.select_for_update()}
    for key, target in current.items():
        if key not in wanted:
            audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=target)
            target.delete()
    for (priority, level), (first, resolution) in wanted.items():
        found = current.get((priority, level))
        if found is None:
            model_create(instance=SlaTarget(priority=priority, customer_level=level, first_response_hours=first,
                                            resolution_hours=resolution), actor=actor)  # fmt: skip
        elif (found.first_response_hours, found.resolution_hours) != (first, resolution):
            model_update(instance=found, data={"first_response_hours": first, "resolution_hours": resolution},
                         actor=actor)  # fmt: skip
    return list(SlaTarget.objects.all())


def _posted_rows(request: HttpRequest) -> list[dict[str, Any]]:
    names = ("priority", "customer_level", "first_response_hours", "resolution_hours")
    columns = [request.POST.getlist(n) for n in names]
    rows = []
    for values in zip(*columns, strict=False):
        row = dict(zip(names, values, strict=True))
        if any(str(v).strip() for v in values[2:]):  # a row without hours is a blank line or one removed
            rows.append(row)
    return rows


@login_required
def sla_targets(request: HttpRequest) -> HttpResponse:
    """The SLA targets page: a row per priority (and customer level), blank lines to add, a cleared row is removed."""
    from guanxi.core.dictionaries.selectors import active_choices

    require_permission(request.user, "org.admin")
    if request.method == "POST":
        rows = _posted_rows(request)
        return service_action(request, lambda: sla_targets_save(actor=request.user, rows=rows),  # type: ignore[arg-type]
                              _("SLA targets saved."), reverse("service:sla_targets"))  # fmt: skip
    context = {
        "targets": list(SlaTarget.objects.all()),
        "priorities": Ticket.Priority.choices,
        "levels": active_choices("customer_level"),
        "blank_rows": range(3),
    }
    return render(request, "service/sla_targets.html", context)
