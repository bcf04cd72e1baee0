"""The weekly follow-up duty page: reps with open opportunities and no follow-up on them this week."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import reminders


@login_required
def duty_page(request: HttpRequest) -> HttpResponse:
    try:
        chosen = dt.date.fromisoformat(request.GET.get("week") or "")
    except ValueError:
        chosen = timezone.localdate()
    week_start = reminders.week_start_of(chosen)
    rows = reminders.weekly_activity_gaps(user=request.user, week_start=week_start)  # type: ignore[arg-type]
    context = {
        "rows": rows,
        "week_start": week_start,
        "week_end": week_start + dt.timedelta(days=6),
        "previous": week_start - dt.timedelta(days=7),
        "next": week_start + dt.timedelta(days=7),
    }
    return render(request, "sales/opportunity_duty.html", context)
