"""Web UI of events: the form, the event page (figures drilling down to the registrations and leads, check-in by
code, the public form's address) and the public registration form (rate-limited, with a honeypot, like the
public ticket form)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError, ThrottledError
from guanxi.core.middleware import client_ip
from guanxi.core.views_util import form_add_errors, form_page_status, form_page_submit
from guanxi.org.policies import has_permission, require_permission, scope_queryset_or_none

from . import events
from .forms_care import HONEYPOT, EventForm, RegistrationForm
from .models_events import Event, Registration

log = logging.getLogger(__name__)
PUBLIC_TEMPLATE = "marketing/public/event_register.html"


def _event(user: Any, pk: Any) -> Event:
    require_permission(user, "marketing.view")
    found = Event.objects.select_related("campaign", "owner").filter(pk=pk).first()
    if found is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return found


def _initial(event: Event) -> dict[str, Any]:
    fields = ("name", "kind", "venue", "capacity", "registration_open", "description", "version")
    starts = timezone.localtime(event.starts_at).replace(tzinfo=None)
    return {**{f: getattr(event, f) for f in fields}, "campaign": event.campaign_id, "starts_at": starts}


@login_required
def event_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    event = _event(user, pk) if pk else None
    require_permission(user, "marketing.edit" if event else "marketing.create")
    if request.method == "POST":
        form = EventForm(request.POST)
    else:
        form = EventForm(initial=_initial(event) if event else {"kind": "seminar", "registration_open": True})

    def save() -> Event:
        if event is None:
            return events.event_create(actor=user, data=form.service_data())
        return events.event_update(actor=user, event=event, data=form.service_data(),
                                   expected_version=form.cleaned_data.get("version"))  # fmt: skip

    then = lambda e: reverse("marketing:event_detail", args=[e.pk])  # noqa: E731
    if (answer := form_page_submit(request, form, save, _("Event saved."), then)) is not None:
        return answer
    context = {"form": form, "event": event}
    return render(request, "marketing/event_form.html", context, status=form_page_status(request))


def _registrations_url(event: Event, status: str = "") -> str:
    query = {"event": event.pk, **({"status": status} if status else {})}
    return reverse("marketing:registration_list") + "?" + urlencode(query)


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    event = _event(user, pk)
    from guanxi.sales.models import Lead

    leads = scope_queryset_or_none(user, Lead.objects.all(), "view", module="leads")
    context = {
        "event": event,
        "figures": events.event_figures(event, leads=leads),
        "form_url": events.event_form_url(event),
        "registered_url": _registrations_url(event),
        "attended_url": _registrations_url(event, Registration.Status.ATTENDED),
        "waiting_url": _registrations_url(event, Registration.Status.REGISTERED),
        "latest": event.registrations.order_by("-checked_in_at", "-pk").filter(status="attended")[:10],
        "can_edit": has_permission(user, "marketing.edit"),
    }
    return render(request, "marketing/event_detail.html", context)


@login_required
@require_POST
def event_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Check in by the code on the confirmation e-mail (typed, or read by a scanner that types it)."""
    event = _event(request.user, pk)

    back = reverse("marketing:event_detail", args=[event.pk])
    try:
        registration = events.registration_check_in_by_code(actor=request.user, event=event,
                                                            code=request.POST.get("code", ""))  # fmt: skip
    except (PermissionDeniedError, NotFoundError):
        raise
    except ApplicationError as exc:
        field_messages = [str(m) for found in exc.fields.values() for m in found]
        messages.error(request, field_messages[0] if field_messages else exc.message)
        return redirect(back)
    messages.success(
        request,
        _("%(name)s (%(company)s) checked in.") % {"name": registration.name, "company": registration.company or "—"},
    )
    return redirect(back)


# --- public ----------------------------------------------------------------------------------------------------
@xframe_options_exempt  # embedded on the company's website
def event_register(request: HttpRequest, token: str) -> HttpResponse:
    """The public registration form of one event (no sign-in); the link is signed, so events cannot be guessed."""
    try:
        event = events.event_from_token(token)
    except NotFoundError as exc:
        return render(request, PUBLIC_TEMPLATE, {"invalid": exc.message}, status=404)
    form = RegistrationForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "honeypot": HONEYPOT, "event": event, "token": token}
    if not events.registration_is_open(event):
        return render(request, PUBLIC_TEMPLATE, {**context, "closed": True})
    if request.method != "POST":
        return render(request, PUBLIC_TEMPLATE, context)
    try:
        events.registration_throttle(ip=client_ip(request))
    except ThrottledError as exc:
        return render(request, PUBLIC_TEMPLATE, {**context, "throttled": exc.message}, status=429)
    if request.POST.get(HONEYPOT):
        log.info("event registration dropped by the spam trap from %s", client_ip(request))
        return render(request, PUBLIC_TEMPLATE, {**context, "thanks": True})
    if form.is_valid():
        try:
            registration = events.registration_submit(event=event, data=form.registration_data(),
                                                      language=translation.get_language() or "")  # fmt: skip
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            return render(request, PUBLIC_TEMPLATE, {**context, "thanks": True, "registration": registration})
    return render(request, PUBLIC_TEMPLATE, context, status=400)
