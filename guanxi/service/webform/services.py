"""Writes of the public ticket form: the per-IP rate limit, the submission (no actor) and the signed tracking link.

A submission is a ticket of a customer we know: the submitter is found by the e-mail address or mobile number of one
of our contacts (the contact's customer gets the ticket, channel "web form"); a serial, plate or policy number links
the customer's asset. Someone we cannot find is told to use the address or number they gave us, or to call: a
service request cannot be filed against nobody. The ticket is numbered, timed by the SLA targets and assigned by the
rules like any other; the contact gets an acknowledgement with the number and the tracking link."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core.dictionaries.selectors import entry as dictionary_entry
from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.inputs import clean_text, pick
from guanxi.core.numbering import number_next
from guanxi.core.search import digits
from guanxi.core.services import model_create
from guanxi.core.throttle import throttle_per_minute

from ..models import Asset, Ticket, TicketEvent
from ..selectors import identifier_search
from ..services import ticket_search_text
from ..sla import due_times

log = logging.getLogger(__name__)

SALT = "guanxi.service.ticket-track"
CHANNEL = "web"
FIELDS = {"name", "email", "mobile", "type", "subject", "description", "identifier"}
# The types a customer may choose on the form (the dictionary's other active entries are for staff).
PUBLIC_TYPES = ("consultation", "repair", "claim", "installation", "complaint", "suggestion", "other")


def public_ticket_throttle(*, ip: str | None) -> None:
    """At most GUANXI_WEB_TICKET_RATE submissions per client IP per minute."""
    throttle_per_minute(
        scope="service:web-ticket",
        ip=ip,
        limit=int(getattr(settings, "GUANXI_WEB_TICKET_RATE", 5)),
        message=_("Too many submissions from your network. Please wait a minute and try again."),
    )


def public_types() -> list[tuple[str, str]]:
    out = []
    for code in PUBLIC_TYPES:
        found = dictionary_entry("ticket_type", code)
        if found is not None and found.is_active:
            out.append((code, str(found.label)))
    return out


def tracking_token(ticket: Ticket) -> str:
    return signing.dumps(ticket.pk, salt=SALT)


def tracking_url(ticket: Ticket) -> str:
    path = reverse("service:public_ticket_track", args=[tracking_token(ticket)])
    return settings.GUANXI_BASE_URL.rstrip("/") + path


def ticket_from_tracking(token: str) -> Ticket:
    """The ticket a tracking link names; NotFoundError for a forged or altered link or a deleted ticket."""
    try:
        pk = signing.loads(str(token or "")[:200], salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise NotFoundError(_("This tracking link is not valid.")) from None
    ticket = Ticket.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if ticket is None:
        raise NotFoundError(_("This tracking link is not valid."))
    return ticket


def _find_contact(email: str, mobile: str) -> Any:
    from guanxi.customers.models import Contact

    live = Contact.objects.filter(customer__deleted_at__isnull=True).select_related("customer").order_by("id")
    if email:
        found = live.filter(email__iexact=email).first()
        if found is not None:
            return found
    if mobile:
        return live.filter(mobile=mobile).first()
    return None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    data = pick(data, FIELDS)
    values = {
        "name": clean_text(data.get("name"), "name", max_length=100, required=True),
        "email": clean_text(data.get("email"), "email", max_length=254),
        "mobile": digits(clean_text(data.get("mobile"), "mobile", max_length=30)),
        "subject": clean_text(data.get("subject"), "subject", max_length=200, required=True),
        "description": clean_text(
            data.get("description"), "description", max_length=5000, multiline=True, required=True
        ),  # fmt: skip
        "identifier": clean_text(data.get("identifier"), "identifier", max_length=100),
        "type": str(data.get("type") or "consultation"),
    }
    fields: dict[str, list[str]] = {}
    if values["email"]:
        try:
            validate_email(values["email"])
        except Exception:
            fields["email"] = [_("Enter a valid e-mail address.")]
    if not (values["email"] or values["mobile"]):
        msg = _("Please give the e-mail address or mobile number we have on file for you.")
        fields["email"] = fields["mobile"] = [msg]
    if values["type"] not in {code for code, _label in public_types()}:
        fields["type"] = [_("Choose one of the list.")]
    if fields:
        raise ValidationFailed(_("Please correct the errors below."), fields=fields)
    return values


@transaction.atomic
def public_ticket_submit(*, data: dict[str, Any], now: dt.datetime | None = None) -> Ticket:
    """A request from the public form (no actor): a web-form ticket of the contact's customer, numbered, timed,
    assigned by the rules, acknowledged by e-mail after commit."""
    values = _clean(data)
    contact = _find_contact(values["email"], values["mobile"])
    if contact is None:
        msg = _("We could not find you by this e-mail address or mobile number. Please use the ones you gave us, "
                "or call us.")  # fmt: skip
        raise ValidationFailed(msg, fields={"email": [msg], "mobile": [msg]})
    customer = contact.customer
    asset = None
    if values["identifier"]:
        asset = identifier_search(Asset.objects.filter(customer=customer), values["identifier"]).first()
    now = now or timezone.now()
    ticket = Ticket(
        customer=customer, contact=contact, asset=asset, product=asset.product if asset else None,
        type=values["type"], channel=CHANNEL, subject=values["subject"], description=values["description"],
        number=number_next("ticket"), created_at=now,
    )  # fmt: skip
    ticket.first_response_due_at, ticket.due_at = due_times(ticket, now)
    ticket.search_text = ticket_search_text(ticket)
    ticket = model_create(instance=ticket, actor=None)
    submitter = " · ".join(filter(None, [values["name"], values["email"], values["mobile"]]))
    TicketEvent.objects.create(
        ticket=ticket, at=now, kind=TicketEvent.Kind.CREATED, to_status=ticket.status,
        text=_("Filed on the web form by %(who)s") % {"who": submitter},
    )  # fmt: skip
    from ..assignment import ticket_auto_assign

    ticket_auto_assign(actor=None, ticket=ticket)
    ticket.refresh_from_db()
    from ..stages.services import stage_auto_start

    stage_auto_start(ticket=ticket, actor=None, now=now)
    address = values["email"] or contact.email
    if address:
        pk = ticket.pk
        transaction.on_commit(lambda: _acknowledge(pk, address, values["name"]))
    return ticket


def _acknowledge(ticket_pk: int, address: str, name: str) -> None:
    ticket = Ticket.objects.get(pk=ticket_pk)
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        subject = _("We received your request %(number)s") % {"number": ticket.number}
        body = "\n\n".join(
            [
                _("Dear %(name)s,") % {"name": name},
                _("Thank you. Your request “%(subject)s” has the number %(number)s.")
                % {"subject": ticket.subject, "number": ticket.number},
                _("Follow its status here:"),
                tracking_url(ticket),
            ]
        )
    try:
        EmailMessage(subject, body, None, [address]).send(fail_silently=False)
    except (smtplib.SMTPException, OSError):  # the ticket stands; the page showed the number and link already
        log.exception("could not acknowledge web ticket %s", ticket_pk)
