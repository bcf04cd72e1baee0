"""Pages of batch price adjustments (调价): create a draft from the project page, preview it, send it for approval."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.org.policies import has_permission, require_permission

from . import adjustments, selectors
from .feature import when_enabled
from .models import PriceAdjustment
from .views import _run


def _get(request: HttpRequest, pk: int) -> PriceAdjustment:
    require_permission(request.user, "re_pricing.view")
    adjustments = PriceAdjustment.objects.select_related("project", "building", "layout", "created_by")
    return get_object_or_404(selectors.in_project_scope(request.user, adjustments), pk=pk)


@login_required
@when_enabled
@require_POST
def adjustment_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    data = {k: request.POST.get(k, "") for k in adjustments.FIELDS}
    created = _run(request, lambda: adjustments.adjustment_create(actor=request.user, project=project, data=data),
                   _("Draft adjustment saved: check it, then send it for approval."))  # fmt: skip
    if created is None:
        return redirect("realestate:project_detail", project.pk)
    return redirect("realestate:adjustment_detail", created.pk)


@login_required
@when_enabled
def adjustment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = _get(request, pk)
    rows = adjustments.adjustment_preview(adjustment) if adjustment.status != PriceAdjustment.Status.APPLIED else []
    history = adjustment.history.select_related("unit__building").order_by("unit__building__name", "unit__number")
    return render(request, "realestate/adjustment_detail.html", {
        "adjustment": adjustment, "rows": rows, "history": history,
        "can_submit": adjustment.status == PriceAdjustment.Status.DRAFT
        and has_permission(request.user, "re_pricing.edit"),
    })  # fmt: skip


@login_required
@when_enabled
@require_POST
def adjustment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = _get(request, pk)
    _run(request, lambda: adjustments.adjustment_submit(actor=request.user, adjustment=adjustment),
         _("Sent for approval: it applies itself once approved."))  # fmt: skip
    return redirect("realestate:adjustment_detail", adjustment.pk)
