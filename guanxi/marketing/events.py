"""Events (展会, 研讨会): plan, public registration (a confirmation e-mail with a check-in code), check-in at the
door from the list or by code, and attendance → a lead tagged with the event's campaign (marketing.leads).

An attendee becomes a lead when checked in (source 展会 / exhibition, the campaign's reference), entered with no
actor as the public web form's leads are, so the assignment rules route it; the check-in itself is audited with
the person who did it. A second check-in changes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.inputs import LONG_TEXT_MAX, clean_text, field_error, id_or_none, pick
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update
from guanxi.core.throttle import throttle_per_minute
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from .confirmations import confirmation_queue
from .leads import SALT as LEAD_REF_SALT
from .leads import campaign_lead_ref
from .loyalty.earning import points_for_attendance
from .models import Campaign
from .models_events import Event, Registration

EVENT_FIELDS = {"name", "kind", "campaign", "starts_at", "venue", "description", "capacity", "registration_open"}
REGISTRATION_FIELDS = {"name", "company", "title", "mobile", "email"}
TOKEN_SALT = "guanxi.marketing.event-form"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door


# --- plan ------------------------------------------------------------------------------------------------------
def _clean_datetime(value: Any, field: str) -> dt.datetime:
    when = value if isinstance(value, dt.datetime) else parse_datetime(str(value or "").strip())
    if when is None:
        raise field_error(field, _("Enter a date and time."))
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def _event_data(data: dict[str, Any], current: Event | None) -> dict[str, Any]:
    data = pick(data, EVENT_FIELDS)
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        out["name"] = clean_text(data.get("name"), "name", max_length=200, required=True)
    if "kind" in data:
        if data["kind"] not in Event.Kind.values:
            raise field_error("kind", _("Choose an exhibition or a seminar."))
        out["kind"] = data["kind"]
    if "starts_at" in data or current is None:
        out["starts_at"] = _clean_datetime(data.get("starts_at"), "starts_at")
    if "venue" in data:
        out["venue"] = clean_text(data["venue"], "venue", max_length=200)
    if "description" in data:
        out["description"] = clean_text(data["description"], "description", max_length=LONG_TEXT_MAX, multiline=True)
    if "capacity" in data:
        capacity = data["capacity"] or 0
        if capacity not in (0, "0") and (id_or_none(capacity) is None or int(capacity) > 1_000_000):
            raise field_error("capacity", _("Enter a whole number (0: no limit)."))
        out["capacity"] = int(capacity)
    if "campaign" in data:
        pk = id_or_none(getattr(data["campaign"], "pk", data["campaign"]))
        out["campaign"] = Campaign.objects.filter(pk=pk).first() if pk else None
        if pk and out["campaign"] is None:
            raise field_error("campaign", _("Choose one of the campaigns."))
    if "registration_open" in data:
        out["registration_open"] = bool(data["registration_open"])
    return out


@transaction.atomic
def event_create(*, actor: User, data: dict[str, Any]) -> Event:
    require_permission(actor, "marketing.create")
    return model_create(instance=Event(owner=actor, **_event_data(data, None)), actor=actor)


@transaction.atomic
def event_update(*, actor: User, event: Event, data: dict[str, Any], expected_version: int | None = None) -> Event:
    require_permission(actor, "marketing.edit")
    event, _changes = model_update(instance=event, data=_event_data(data, event), actor=actor,
                                   expected_version=expected_version)  # fmt: skip
    return event


# --- the public form -------------------------------------------------------------------------------------------
def event_form_token(event: Event) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign(str(event.pk))


def event_form_url(event: Event) -> str:
    base = str(settings.GUANXI_BASE_URL).rstrip("/")
    return base + reverse("marketing:event_register", args=[event_form_token(event)])


def event_from_token(token: str) -> Event:
    try:
        pk = int(signing.Signer(salt=TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise NotFoundError(_("This registration link does not work.")) from None
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise NotFoundError(_("This registration link does not work."))
    return event


def registration_throttle(*, ip: str | None) -> None:
    """At most GUANXI_EVENT_REGISTRATION_RATE registrations per client IP per minute (the public form's rate)."""
    throttle_per_minute(
        scope="marketing:event-registration", ip=ip,
        limit=int(getattr(settings, "GUANXI_EVENT_REGISTRATION_RATE", 5)),
        message=_("Too many submissions from your network. Please wait a minute and try again."),
    )  # fmt: skip


def registration_is_open(event: Event) -> bool:
    """Open until it is closed by hand or the event began more than half a day ago."""
    return event.registration_open and event.starts_at >= timezone.now() - dt.timedelta(hours=12)


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not Registration.objects.filter(code=code).exists():
            return code


def registration_submit(*, event: Event, data: dict[str, Any], language: str = "") -> Registration:
    """A visitor registers (no actor). The same e-mail or mobile registering again gets their first registration
    back, not a second seat. The confirmation with the check-in code is queued for the worker
    (marketing.confirmations): by e-mail, or by SMS when only a mobile was given, in `language` (the form's: one of
    settings.LANGUAGES; anything else means the site's default)."""
    data = pick(data, REGISTRATION_FIELDS)
    values = {
        "name": clean_text(data.get("name"), "name", max_length=100, required=True),
        "company": clean_text(data.get("company"), "company", max_length=200),
        "title": clean_text(data.get("title"), "title", max_length=100),
        "mobile": clean_text(data.get("mobile"), "mobile", max_length=30),
        "email": clean_text(data.get("email"), "email", max_length=254).lower(),
    }
    if not (values["mobile"] or values["email"]):
        msg = _("Please give your mobile number or e-mail address.")
        raise ValidationFailed(_("Please correct the errors below."), fields={"mobile": [msg], "email": [msg]})
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if not registration_is_open(event):
            raise InvalidStateError(_("Registration for this event is closed."))
        same = Q(email=values["email"]) if values["email"] else Q(pk__in=[])
        if values["mobile"]:
            same |= Q(mobile=values["mobile"])
        earlier = event.registrations.filter(same).exclude(status=Registration.Status.CANCELLED).first()
        if earlier is not None:
            return earlier
        taken = event.registrations.exclude(status=Registration.Status.CANCELLED).count()
        if event.capacity and taken >= event.capacity:
            raise InvalidStateError(_("This event is full."))
        known = {code for code, _name in settings.LANGUAGES}
        registration = Registration(event=event, code=_new_code(), language=language if language in known else "",
                                    **values)  # fmt: skip
        registration.full_clean(exclude=["event", "code"])
        registration.save()
        confirmation_queue(registration)
    return registration


# --- at the door -----------------------------------------------------------------------------------------------
def event_lead_ref(event: Event) -> str:
    """The reference its attendees' leads carry: the campaign's if it has one, else the event's own."""
    if event.campaign_id and event.campaign is not None:
        return campaign_lead_ref(event.campaign)
    return signing.Signer(salt=LEAD_REF_SALT).sign(f"e{event.pk}")


def _lead_for(registration: Registration) -> Any:
    from guanxi.sales.leads.services import lead_create
    from guanxi.sales.models import Lead

    event = registration.event
    data = {"person_name": registration.name, "company_name": registration.company, "title": registration.title,
            "mobile": registration.mobile, "email": registration.email, "source": Lead.Source.EXHIBITION,
            "referral": event_lead_ref(event),
            "need": _("Attended %(event)s") % {"event": event.name}}  # fmt: skip
    return lead_create(actor=None, data=data, auto_assign=True)


@transaction.atomic
def registration_check_in(*, actor: User, registration: Registration) -> Registration:
    """Check one person in (idempotent): their attendance is recorded, they become a lead, and a member earns the
    points of the "event attended" rules."""
    require_permission(actor, "marketing.edit")
    # FOR UPDATE OF the registration only: PostgreSQL refuses to lock the nullable side of the campaign join
    registration = (Registration.objects.select_for_update(of=("self",)).select_related("event__campaign")
                    .get(pk=registration.pk))  # fmt: skip
    if registration.status == Registration.Status.ATTENDED:
        return registration
    if registration.status == Registration.Status.CANCELLED:
        raise InvalidStateError(_("This registration was cancelled."))
    registration.status, registration.checked_in_at = Registration.Status.ATTENDED, timezone.now()
    registration.checked_in_by = actor
    registration.lead = _lead_for(registration)
    registration.save(update_fields=["status", "checked_in_at", "checked_in_by", "lead"])
    points_for_attendance(registration)  # a member's contact earns the "event attended" points, once
    message = Message(gettext_noop("%(name)s checked in"), {"name": registration.name})
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=registration.event, message=message,
                 changes={"registrations": {"checked_in": registration.pk}})  # fmt: skip
    return registration


def registration_check_in_by_code(*, actor: User, event: Event, code: str) -> Registration:
    require_permission(actor, "marketing.edit")  # before the look-up: no probing of codes without the right
    code = "".join(str(code or "").split()).upper()
    registration = event.registrations.filter(code=code).first() if code else None
    if registration is None:
        raise field_error("code", _("No registration for this event has this code."))
    return registration_check_in(actor=actor, registration=registration)


# --- figures ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventFigures:
    registered: int
    attended: int
    cancelled: int
    leads: int | None
    converted: int | None
    leads_url: str
    converted_url: str


def event_figures(event: Event, *, leads: Any) -> EventFigures:
    """Registrations and attendance, and (for a reader who may see leads, in their scope) the event's leads."""
    counts = event.registrations.aggregate(
        registered=Count("pk", filter=~Q(status=Registration.Status.CANCELLED)),
        attended=Count("pk", filter=Q(status=Registration.Status.ATTENDED)),
        cancelled=Count("pk", filter=Q(status=Registration.Status.CANCELLED)),
    )
    lead_ids = event.registrations.exclude(lead=None).values("lead_id")
    found = leads.filter(pk__in=lead_ids).aggregate(n=Count("pk"), converted=Count("pk", filter=Q(status="converted"))
                                                    ) if leads is not None else None  # fmt: skip
    base = reverse("sales:lead_list")
    ref = event_lead_ref(event)
    return EventFigures(
        registered=counts["registered"], attended=counts["attended"], cancelled=counts["cancelled"],
        leads=found["n"] if found else None, converted=found["converted"] if found else None,
        leads_url=f"{base}?{urlencode({'scene': 'all', 'referral': ref})}",
        converted_url=f"{base}?{urlencode({'scene': 'all', 'referral': ref, 'status': 'converted'})}",
    )  # fmt: skip
