"""Consent and suppression: whether a contact may be reached on a channel, and the signed unsubscribe link.

Every send asks `reachable` (a queryset of contacts) or `may_contact` (one contact): a contact who opted out of
the channel, or whose address on it is on the suppression list, is never sent to. No answer recorded is not an
opt-out: the company decides by its own rules whom it writes to; an explicit "no" always wins.
"""

from __future__ import annotations

import re
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import NotFoundError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, require_permission

from .models import Channel, Consent, Suppression

UNSUBSCRIBE_SALT = "guanxi.marketing.unsubscribe"
# The words of the audit message, translated for each reader (Message params).
CHANNEL_WORDS = {"email": gettext_noop("E-mail"), "sms": gettext_noop("SMS"), "wechat": gettext_noop("WeChat"),
                 "phone": gettext_noop("Phone")}  # fmt: skip
STATUS_WORDS = {"in": gettext_noop("Opted in"), "out": gettext_noop("Opted out")}
# The contact's field holding their address on each channel (the phone channel calls the mobile).
ADDRESS_FIELD = {Channel.EMAIL: "email", Channel.SMS: "mobile", Channel.WECHAT: "wechat", Channel.PHONE: "mobile"}


def normalise_address(channel: str, address: str) -> str:
    """One spelling per address: e-mail lower-cased, numbers as digits only (a +86 prefix dropped)."""
    text = (address or "").strip()
    if channel == Channel.EMAIL:
        return text.lower()
    if channel in (Channel.SMS, Channel.PHONE):
        digits = re.sub(r"\D", "", text)
        return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return text


def address_of(contact: Any, channel: str) -> str:
    return normalise_address(channel, getattr(contact, ADDRESS_FIELD[Channel(channel)], "") or "")


def _channel(value: Any) -> str:
    if value not in Channel.values:
        raise field_error("channel", _("Choose one of the channels."))
    return str(value)


# --- reads ------------------------------------------------------------------------------------------------------
def reachable(contacts: QuerySet[Any], channel: str) -> QuerySet[Any]:
    """The contacts among `contacts` that may be sent to on `channel`: with an address, not opted out, the
    address not suppressed (compared as stored: addresses are normalised when suppressed and e-mail matched
    case-insensitively)."""
    channel = _channel(channel)
    field = ADDRESS_FIELD[Channel(channel)]
    opted_out = Consent.objects.filter(contact=OuterRef("pk"), channel=channel, status=Consent.Status.OPTED_OUT)
    suppressed = Suppression.objects.filter(channel=channel)
    qs = contacts.exclude(**{field: ""}).exclude(Exists(opted_out))
    if channel == Channel.EMAIL:
        return qs.exclude(Exists(suppressed.filter(address__iexact=OuterRef(field))))
    return qs.exclude(Exists(suppressed.filter(address=OuterRef(field))))


def may_contact(contact: Any, channel: str) -> bool:
    """One contact, checked the way `reachable` checks many (after the address is normalised, too)."""
    address = address_of(contact, channel)
    if not address:
        return False
    if Consent.objects.filter(contact=contact, channel=channel, status=Consent.Status.OPTED_OUT).exists():
        return False
    return not Suppression.objects.filter(channel=channel, address=address).exists()


def contactable_ids(contacts: list[Any], channel: str) -> set[int]:
    """The ids of `contacts` that `may_contact` allows, in two queries for them all (a send's chunk)."""
    addresses = {c.pk: address_of(c, channel) for c in contacts}
    if not any(addresses.values()):
        return set()
    out = Consent.objects.filter(contact_id__in=list(addresses), channel=channel, status=Consent.Status.OPTED_OUT)
    opted_out = set(out.values_list("contact_id", flat=True))
    suppressed = set(Suppression.objects.filter(channel=channel, address__in={a for a in addresses.values() if a})
                     .values_list("address", flat=True))  # fmt: skip
    return {pk for pk, a in addresses.items() if a and pk not in opted_out and a not in suppressed}


def consents_of(contact: Any) -> dict[str, Consent]:
    return {c.channel: c for c in Consent.objects.filter(contact=contact).select_related("recorded_by")}


# --- writes -----------------------------------------------------------------------------------------------------
def _record(*, actor: User | None, contact: Any, channel: str, status: str, source: str, note: str) -> Consent:
    consent = Consent.objects.filter(contact=contact, channel=channel).first()
    old = (consent.status, consent.source) if consent else (None, None)
    if consent is None:
        consent = Consent(contact=contact, channel=channel)
    consent.status, consent.source, consent.note = status, source, note
    consent.at, consent.recorded_by = timezone.now(), actor
    consent.save()
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=consent, customer_id=contact.customer_id,
        changes={"status": [old[0], status], "source": [old[1], source]},
        message=Message(gettext_noop("Consent of %(contact)s for %(channel)s: %(status)s"),
                        {"contact": contact.name, "channel": Message(CHANNEL_WORDS[channel]),
                         "status": Message(STATUS_WORDS[status])}),
    )  # fmt: skip
    return consent


@transaction.atomic
def consent_set(
    *, actor: User, contact: Any, channel: str, status: str, source: str = Consent.Source.OTHER, note: str = ""
) -> Consent:
    """Record a contact's yes or no for a channel (whoever may edit the contact may record what they said)."""
    ensure_in_scope(actor, contact, "edit", module="contacts")
    channel = _channel(channel)
    if status not in Consent.Status.values:
        raise field_error("status", _("Choose opted in or opted out."))
    if source not in Consent.Source.values:
        raise field_error("source", _("Choose one of the sources."))
    return _record(actor=actor, contact=contact, channel=channel, status=status, source=source,
                   note=clean_text(note, "note"))  # fmt: skip


@transaction.atomic
def suppression_add(*, actor: User | None, channel: str, address: str, reason: str = "manual", note: str = "") -> Any:
    """Put an address on the suppression list (again: nothing changes)."""
    if actor is not None:
        require_permission(actor, "marketing.edit")
    channel = _channel(channel)
    value = normalise_address(channel, clean_text(address, "address", max_length=254, required=True))
    if not value:
        raise field_error("address", _("Enter an address."))
    if reason not in Suppression.Reason.values:
        raise field_error("reason", _("Choose one of the reasons."))
    found = Suppression.objects.filter(channel=channel, address=value).first()
    if found is not None:
        return found
    row = Suppression.objects.create(channel=channel, address=value, reason=reason, note=clean_text(note, "note"),
                                     created_by=actor)  # fmt: skip
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=row,
                 changes={"channel": [None, channel], "address": [None, value], "reason": [None, reason]})  # fmt: skip
    return row


@transaction.atomic
def suppression_remove(*, actor: User, pk: int) -> None:
    require_permission(actor, "marketing.admin")
    row = Suppression.objects.filter(pk=pk).first()
    if row is None:
        raise NotFoundError(_("Not found."))
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=row,
                 changes={"channel": [row.channel, None], "address": [row.address, None]})  # fmt: skip
    row.delete()


# --- the unsubscribe link ---------------------------------------------------------------------------------------
def unsubscribe_token(*, contact_id: int, channel: str, campaign_id: int | None = None) -> str:
    """Signed (the secret key): it names the contact and channel, so it can only unsubscribe that contact."""
    return signing.dumps({"c": contact_id, "ch": channel, "k": campaign_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("ch") not in Channel.values or not isinstance(data.get("c"), int):
        return None
    return data


@transaction.atomic
def unsubscribe(*, token: str) -> Any:
    """One click: the contact opts out of the channel and their address goes on the suppression list. Returns
    the contact, or None for a link that was not issued (or a contact since removed)."""
    from guanxi.customers.models import Contact

    data = unsubscribe_read(token)
    contact = Contact.objects.filter(pk=data["c"]).first() if data else None
    if data is None or contact is None:
        return None
    channel = data["ch"]
    _record(actor=None, contact=contact, channel=channel, status=Consent.Status.OPTED_OUT,
            source=Consent.Source.UNSUBSCRIBE, note=f"campaign {data['k']}" if data.get("k") else "")  # fmt: skip
    if address_of(contact, channel):
        suppression_add(actor=None, channel=channel, address=address_of(contact, channel), reason="unsubscribed")
    return contact
