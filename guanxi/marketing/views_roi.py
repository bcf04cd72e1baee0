"""The ROI by channel page (/marketing/campaigns/roi/): per channel, the campaigns' cost and the won amount attributed
to them, first touch and last touch, in a chart; a bar or a row opens the channel's deals and the people its
campaigns reached (?channel=…)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError
from guanxi.core.inputs import clean_date
from guanxi.core.views_util import error_text

from .models import Channel
from .roi import channel_drill_down, roi_by_channel


def _period(request: HttpRequest) -> dict[str, Any]:
    """The period of the campaigns counted (by the day they started); a date that does not parse is named in an
    error message and left out."""
    period: dict[str, Any] = {}
    for name, label in (("date_from", _("Started from")), ("date_to", _("Started until"))):
        try:
            period[name] = clean_date(request.GET.get(name), name, required=False)
        except ApplicationError as exc:
            messages.error(request, f"{label}: {error_text(exc)}")
            period[name] = None
    return period


@login_required
def roi(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    rows, _campaigns = roi_by_channel(user=request.user, **period)
    channel = request.GET.get("channel", "")
    selected, deals = (None, [])
    if channel in Channel.values:
        selected, deals = channel_drill_down(user=request.user, channel=channel, **period)
    series = [{"name": _("Cost"), "data": [float(r.cost) for r in rows]}]
    if all(r.deals_visible for r in rows):
        series += [
            {"name": _("Won, first touch"), "data": [float(r.won_first) for r in rows]},
            {"name": _("Won, last touch"), "data": [float(r.won_last) for r in rows]},
        ]
    chart = {"channels": [r.channel for r in rows], "names": [r.label for r in rows], "series": series}
    context = {"rows": rows, "chart": chart, "selected": selected, "deals": deals, "channel": channel,
               "date_from": period["date_from"], "date_to": period["date_to"]}  # fmt: skip
    return render(request, "marketing/roi.html", context)
