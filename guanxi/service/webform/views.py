"""The public ticket form, its JSON twin and the tracking page (no sign-in). The form and the JSON endpoint are
rate-limited per IP and carry a honeypot field; bad input answers a translated message naming the field."""

from __future__ import annotations

import json
import logging
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, NotFoundError, ThrottledError, ValidationFailed
from guanxi.core.middleware import client_ip
from guanxi.core.views_util import form_add_errors

from ..models import Ticket, TicketEvent
from . import services

log = logging.getLogger(__name__)

HONEYPOT = "website"  # the spam trap: hidden from people, filled in by bots
FORM_TEMPLATE = "service/public/ticket_form.html"
TRACK_TEMPLATE = "service/public/ticket_track.html"


class PublicTicketForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=100)
    email = forms.CharField(label=gettext_lazy("E-mail"), max_length=254, required=False)
    mobile = forms.CharField(label=gettext_lazy("Mobile"), max_length=30, required=False)
    type = forms.ChoiceField(label=gettext_lazy("What is it about?"), choices=())
    identifier = forms.CharField(
        label=gettext_lazy("Serial, plate or policy number"), max_length=100, required=False,
        help_text=gettext_lazy("Optional: the product or policy it is about."),
    )  # fmt: skip
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Describe your request"), max_length=5000, widget=forms.Textarea)
    website = forms.CharField(label=gettext_lazy("Website"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = services.public_types()  # type: ignore[attr-defined]
        self.fields["description"].widget.attrs["rows"] = 4
        self.fields[HONEYPOT].widget.attrs.update(tabindex="-1", autocomplete="off")
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def ticket_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != HONEYPOT}


def _done(request: HttpRequest, context: dict[str, Any], ticket: Ticket | None) -> HttpResponse:
    track = services.tracking_url(ticket) if ticket is not None else ""
    return render(request, FORM_TEMPLATE, {**context, "thanks": True, "ticket": ticket, "track_url": track})


@xframe_options_exempt  # embedded in an iframe on the company's website
def public_ticket_form(request: HttpRequest) -> HttpResponse:
    """The service request form customers fill in (no sign-in)."""
    form = PublicTicketForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "honeypot": HONEYPOT}
    if request.method != "POST":
        return render(request, FORM_TEMPLATE, context)
    try:
        services.public_ticket_throttle(ip=client_ip(request))
    except ThrottledError as exc:
        return render(request, FORM_TEMPLATE, {**context, "throttled": exc.message}, status=429)
    if request.POST.get(HONEYPOT):
        log.info("web ticket dropped by the spam trap from %s", client_ip(request))
        return _done(request, context, None)
    if form.is_valid():
        try:
            ticket = services.public_ticket_submit(data=form.ticket_data())
        except ValidationFailed as exc:
            form_add_errors(form, exc)
        else:
            return _done(request, context, ticket)
    return render(request, FORM_TEMPLATE, context, status=400)


def _json_error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse(exc.as_envelope(), status=exc.http_status)


@csrf_exempt  # a cross-site post by design: no session, no cookies, nothing to forge
@require_POST
def public_ticket_json(request: HttpRequest) -> JsonResponse:
    """The same as the form for a website's own JavaScript: JSON in; 201 with the number and tracking link out."""
    try:
        services.public_ticket_throttle(ip=client_ip(request))
    except ThrottledError as exc:
        response = _json_error(exc)
        response["Retry-After"] = "60"
        return response
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        msg = _("The request body is not valid JSON.")
        return _json_error(ValidationFailed(msg, fields={"body": [_("Send a JSON object.")]}))
    if not isinstance(payload, dict):
        return _json_error(ValidationFailed(_("Send a JSON object."), fields={"body": [_("Send a JSON object.")]}))
    received = {"ok": True, "message": _("Thank you! We received your request.")}
    if payload.get(HONEYPOT):
        log.info("web ticket dropped by the spam trap from %s", client_ip(request))
        return JsonResponse(received, status=201)
    unknown = sorted(set(payload) - set(PublicTicketForm.base_fields))
    if unknown:
        fields = {str(k)[:50]: [_("Unknown field.")] for k in unknown[:20]}
        return _json_error(ValidationFailed(_("Please correct the errors below."), fields=fields))
    data = {k: v if isinstance(v, str) else ("" if v is None else str(v)) for k, v in payload.items()}
    form = PublicTicketForm(data)
    if not form.is_valid():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return _json_error(ValidationFailed(_("Please correct the errors below."), fields=fields))
    try:
        ticket = services.public_ticket_submit(data=form.ticket_data())
    except ValidationFailed as exc:
        return _json_error(exc)
    return JsonResponse({**received, "number": ticket.number, "track_url": services.tracking_url(ticket)}, status=201)


@never_cache
def public_ticket_track(request: HttpRequest, token: str) -> HttpResponse:
    """A submitter follows their request: number, subject, status and the status changes (no notes, no names)."""
    try:
        ticket = services.ticket_from_tracking(token)
    except NotFoundError as exc:
        return render(request, TRACK_TEMPLATE, {"invalid": exc.message}, status=404)
    steps = ticket.events.filter(kind__in=[TicketEvent.Kind.CREATED, TicketEvent.Kind.STATUS,
                                           TicketEvent.Kind.REOPENED]).order_by("at", "id")  # fmt: skip
    return render(request, TRACK_TEMPLATE, {"ticket": ticket, "steps": steps})
