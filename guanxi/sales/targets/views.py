"""The targets page (业绩目标): progress per person and department, a form to set targets, the forecast."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import ApplicationError, PermissionDeniedError
from guanxi.core.forms import MoneyField
from guanxi.core.views_util import form_add_errors

from . import selectors, services
from .models import PeriodKind, SalesTarget


class TargetForm(forms.Form):
    subject = forms.ChoiceField(label=_("Person or department"))
    value = MoneyField(label=_("Target"), min_value=0, max_digits=14)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = choices


def _period(request: HttpRequest) -> tuple[str, dt.date, str]:
    """period kind, the period's first day and the metric from the query string; bad values fall back quietly."""
    params = request.GET
    kind = params.get("period") if params.get("period") in PeriodKind.values else PeriodKind.MONTH
    try:
        day = dt.date.fromisoformat(params.get("start", "")) if params.get("start") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not 1900 <= day.year <= 9998:
        day = timezone.localdate()
    metric = (
        params.get("metric") if params.get("metric") in SalesTarget.Metric.values else SalesTarget.Metric.SIGNED_AMOUNT
    )
    return kind, selectors.period_of(kind, day).date_from, metric


def _page_url(target: SalesTarget) -> str:
    return (
        reverse("sales:targets")
        + f"?period={target.period_kind}&start={target.period_start.isoformat()}&metric={target.metric}"
    )


@login_required
def target_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Split a department target among its members: one amount per person; the total must equal the department
    target (the service names the difference and writes nothing otherwise)."""
    user = request.user
    target = selectors.target_for_split(user=user, pk=pk)
    members = selectors.split_members(target=target)
    values = {u.pk: ("" if v is None else f"{v:.2f}") for u, v in members}
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        values = {u.pk: request.POST.get(f"member-{u.pk}", "").strip() for u, _v in members}
        allocations = [(u, values[u.pk] or "0") for u, current in members if values[u.pk] or current is not None]
        try:
            services.target_split(actor=user, target=target, allocations=allocations)
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            errors = list(dict.fromkeys([exc.message, *(m for msgs in exc.fields.values() for m in msgs)]))
            status = 400
        else:
            messages.success(request, _("The department target is split among its members."))
            return redirect(_page_url(target))
    rows = [{"user": u, "value": values[u.pk]} for u, _v in members]
    context = {"target": target, "rows": rows, "errors": errors, "back": _page_url(target)}
    return render(request, "sales/targets/split.html", context, status=status)


@login_required
def targets_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    kind, start, metric = _period(request)
    choices = selectors.target_subject_choices(user=user)
    form = TargetForm(request.POST or None, choices=choices)
    if request.method == "POST":
        if not selectors.can_set_targets(user):
            raise PermissionDeniedError(_("You do not have permission to set sales targets."))
        if form.is_valid():
            try:
                owner, department = selectors.target_subject(user=user, key=form.cleaned_data["subject"])
                services.target_set(
                    actor=user,
                    owner=owner,
                    department=department,
                    period_kind=kind,
                    period_start=start,
                    metric=metric,
                    value=form.cleaned_data["value"],
                )
            except PermissionDeniedError:
                raise
            except ApplicationError as exc:
                form_add_errors(form, exc)
            else:
                return redirect(f"{request.path}?period={kind}&start={start.isoformat()}&metric={metric}")
    data = selectors.targets_progress(user=user, period_kind=kind, period_start=start, metric=metric)
    period = data["period"]
    context: dict[str, Any] = {
        "data": data,
        "kind": kind,
        "start": start,
        "metric": metric,
        "metric_label": SalesTarget.Metric(metric).label,
        "is_amount": metric in selectors.AMOUNT_METRICS,
        "period_choices": PeriodKind.choices,
        "metric_choices": SalesTarget.Metric.choices,
        "previous": selectors.period_of(kind, period.date_from - dt.timedelta(days=1)).date_from,
        "next": period.date_to + dt.timedelta(days=1),
        "form": form,
        "can_set": bool(choices),
        "collected_available": selectors.collected_available(),
        "forecast": selectors.forecast_for(user=user, period=period),
        "forecast_links": selectors.forecast_links(period),
        "snapshots": selectors.forecast_snapshots(user=user),
    }
    return render(request, "sales/targets/page.html", context)
