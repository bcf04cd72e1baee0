"""The calendar feed (no session: the signed URL is the key) and the account page's buttons for it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = services.calendar_feed_reader(token=token)
    if user is None:
        raise Http404
    with translation.override(getattr(user, "language", "") or None):
        body = services.calendar_feed_render(user=user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="guanxi.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def calendar_feed_regenerate(request: HttpRequest) -> HttpResponse:
    had = services.calendar_feed_of(user=request.user) is not None
    services.calendar_feed_regenerate(actor=request.user)
    messages.success(
        request,
        _("A new calendar address was made: the old one no longer works.")
        if had
        else _("Your calendar address is ready."),
    )
    return redirect("org:profile")


@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    if services.calendar_feed_revoke(actor=request.user):
        messages.success(request, _("Your calendar address was switched off."))
    return redirect("org:profile")
