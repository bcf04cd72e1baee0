"""Campaigns (营销活动): plan, content with merge fields, start (every recipient recorded first), the worker's
batches (a rate per channel and minute, resumable without sending anyone twice), test sends and the phone
channel's call list.

Sending, one recipient: the row goes queued → sending in its own committed update (a claim only one worker
wins) *before* the provider is called, and sending → sent with the provider's id after. A crash between the two
leaves the row in `sending`: the next batch marks it `unconfirmed` and never sends it again — at most once,
never twice. Consent and the suppression list are checked again as each message goes out, so an unsubscribe
made after the start is honoured.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.inputs import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    clean_amount,
    clean_date,
    clean_text,
    field_error,
    id_or_none,
    pick,
)
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from . import tracking
from .budget import budget_after_change, budget_require_approved
from .channels import Bounced, Outgoing, Provider, SendFailed, provider_for, rate_for
from .channels.verp import verp_address
from .consent import address_of, contactable_ids, reachable, suppression_add, unsubscribe_token
from .models import Campaign, Channel, Delivery, Segment
from .recipients import record_recipients
from .segments import segment_members

CAMPAIGN_FIELDS = {
    "name", "goal", "channel", "segment", "budget", "starts_on", "ends_on", "expected_responses", "language",
    "subject", "body", "custom_text", "cost",
}  # fmt: skip
MERGE_FIELDS = ("name", "company", "title", "owner", "custom")
MERGE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
log = logging.getLogger("guanxi.marketing")
STALE_CLAIM = dt.timedelta(minutes=10)  # a claim older than this was interrupted (a batch takes seconds)
SEND_CHUNK = 50  # recipients claimed in one commit and confirmed in one: at most this many unconfirmed by a crash


# --- content -----------------------------------------------------------------------------------------------------
def _check_merge_fields(text: str, field: str) -> None:
    unknown = sorted({m.group(1) for m in MERGE.finditer(text)} - set(MERGE_FIELDS))
    if unknown:
        known = ", ".join("{{ " + f + " }}" for f in MERGE_FIELDS)
        message = _("Unknown merge fields: %(names)s. Use %(known)s.") % {"names": ", ".join(unknown), "known": known}
        raise field_error(field, message)


def merge_values(campaign: Campaign, contact: Any) -> dict[str, str]:
    owner = contact.customer.owner if contact.customer_id else None
    return {"name": contact.name, "company": contact.customer.name if contact.customer_id else "",
            "title": contact.title, "owner": str(owner or ""), "custom": campaign.custom_text}  # fmt: skip


def render(text: str, values: dict[str, str]) -> str:
    """Merge fields only (never the template language: what marketing types cannot run code)."""
    return MERGE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@lru_cache(maxsize=16)
def _footer(language: str) -> str:
    with translation.override(language):
        return _("Unsubscribe: %(link)s")


def compose(campaign: Campaign, contact: Any, *, delivery_id: int | None, to: str) -> Outgoing:
    """The message one contact receives: merged, with the unsubscribe link (and tracking, for a real send)."""
    values = merge_values(campaign, contact)
    subject = " ".join(render(campaign.subject, values).split())
    text = render(campaign.body, values)
    link = tracking.token_url(
        "marketing:unsubscribe",
        unsubscribe_token(contact_id=contact.pk, channel=campaign.channel, campaign_id=campaign.pk),
    )
    footer = _footer(campaign.language) % {"link": link}
    if campaign.channel != Channel.EMAIL:
        return Outgoing(to=to, subject=subject, text=f"{text}\n{footer}")
    tracked = tracking.with_tracked_links(text, delivery_id) if delivery_id else text
    body_html = html.escape(tracked).replace("\n", "<br>\n")
    body_html = tracking.LINK.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', body_html)
    pixel = f'<img src="{tracking.open_url(delivery_id)}" width="1" height="1" alt="">' if delivery_id else ""
    html_doc = f'<div>{body_html}</div><p style="color:#888;font-size:12px">{html.escape(footer)}</p>{pixel}'
    headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Outgoing(to=to, subject=subject, text=f"{tracked}\n\n--\n{footer}", html=html_doc, headers=headers,
                    return_path=verp_address(delivery_id) if delivery_id else "")  # fmt: skip


# --- plan ------------------------------------------------------------------------------------------------------
def _campaign_data(data: dict[str, Any], current: Campaign | None) -> dict[str, Any]:
    data = pick(data, CAMPAIGN_FIELDS)
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        out["name"] = clean_text(data.get("name"), "name", max_length=200, required=True)
    for key, limit in (("goal", LONG_TEXT_MAX), ("body", LONG_TEXT_MAX)):
        if key in data:
            out[key] = clean_text(data[key], key, max_length=limit, multiline=True)
    for key, limit in (("subject", 200), ("custom_text", 500)):
        if key in data:
            out[key] = clean_text(data[key], key, max_length=limit)
    if "channel" in data:
        if data["channel"] not in Channel.values:
            raise field_error("channel", _("Choose one of the channels."))
        out["channel"] = data["channel"]
    if "language" in data:
        if data["language"] not in Campaign.Language.values:
            raise field_error("language", _("Choose Chinese or English."))
        out["language"] = data["language"]
    if "segment" in data:
        pk = id_or_none(getattr(data["segment"], "pk", data["segment"]))
        out["segment"] = Segment.objects.filter(pk=pk).first() if pk else None
        if pk and out["segment"] is None:
            raise field_error("segment", _("Choose one of the segments."))
    for key in ("budget", "cost"):
        if key in data:
            out[key] = clean_amount(data[key] or 0, key, allow_zero=True)
    for key in ("starts_on", "ends_on"):
        if key in data:
            out[key] = clean_date(data[key], key, required=False)
    if "expected_responses" in data:
        value = id_or_none(data["expected_responses"]) if data["expected_responses"] not in (0, "0", "", None) else 0
        if value is None or value > 10_000_000:
            raise field_error("expected_responses", _("Enter a whole number."))
        out["expected_responses"] = value
    starts = out.get("starts_on", current.starts_on if current else None)
    ends = out.get("ends_on", current.ends_on if current else None)
    if starts and ends and ends < starts:
        raise field_error("ends_on", _("The end may not come before the start."))
    for key in ("subject", "body", "custom_text"):
        if key in out:
            _check_merge_fields(out[key], key)
    return out


@transaction.atomic
def campaign_create(*, actor: User, data: dict[str, Any]) -> Campaign:
    require_permission(actor, "marketing.create")
    return model_create(instance=Campaign(owner=actor, **_campaign_data(data, None)), actor=actor)


@transaction.atomic
def campaign_update(
    *, actor: User, campaign: Campaign, data: dict[str, Any], expected_version: int | None = None
) -> Campaign:
    require_permission(actor, "marketing.edit")
    values = _campaign_data(data, campaign)
    if campaign.status != Campaign.Status.DRAFT and set(values) - {"cost", "goal", "name"}:
        raise InvalidStateError(_("A campaign that has started keeps its audience and content; only its name, goal "
                                  "and actual cost change."))  # fmt: skip
    if "budget" in values and values["budget"] != campaign.budget:
        values.update(budget_after_change(campaign, values["budget"]))
    campaign, _changes = model_update(instance=campaign, data=values, actor=actor, expected_version=expected_version)
    return campaign


def audience(campaign: Campaign) -> Any:
    """The contacts the campaign would reach now: its segment in its owner's scope, reachable on its channel."""
    if campaign.segment is None or campaign.owner is None:
        return None
    return reachable(segment_members(user=campaign.owner, segment=campaign.segment).contacts, campaign.channel)


@transaction.atomic
def campaign_start(*, actor: User, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Record every recipient (one per address) and hand the campaign to the worker; returns how many."""
    require_permission(actor, "marketing.edit")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise InvalidStateError(_("Only a draft campaign starts."))
    if campaign.segment is None:
        raise field_error("segment", _("Choose the segment to send to."))
    if campaign.channel != Channel.PHONE and not campaign.body.strip():
        raise field_error("body", _("Write the message first."))
    if campaign.channel == Channel.EMAIL and not campaign.subject.strip():
        raise field_error("subject", _("An e-mail needs a subject."))
    budget_require_approved(campaign)
    count = record_recipients(campaign, audience(campaign))
    campaign.status, campaign.started_at = Campaign.Status.SENDING, now or timezone.now()
    campaign.version += 1
    campaign.save(update_fields=["status", "started_at", "version", "updated_at"])
    started = Message(gettext_noop("Campaign started for %(count)s recipients"), {"count": count})
    changes = {"status": [Campaign.Status.DRAFT, campaign.status]}  # the count is in the message
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=campaign, changes=changes, message=started)
    return count


@transaction.atomic
def campaign_cancel(*, actor: User, campaign: Campaign) -> Campaign:
    """Stop a campaign: what has not gone out stays unsent."""
    require_permission(actor, "marketing.edit")
    if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.SENDING):
        raise InvalidStateError(_("This campaign has finished."))
    old = campaign.status
    campaign.status, campaign.finished_at = Campaign.Status.CANCELLED, timezone.now()
    campaign.version += 1
    campaign.save(update_fields=["status", "finished_at", "version", "updated_at"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=campaign, changes={"status": [old, campaign.status]})
    return campaign


def campaign_test_send(*, actor: User, campaign: Campaign, contact: Any = None) -> str:
    """The message as `contact` (or the first recipient) would get it, sent to the actor's own e-mail."""
    require_permission(actor, "marketing.edit")
    if not actor.email:
        raise ValidationFailed(_("Your account has no e-mail address to send the test to."))
    if contact is None:
        found = audience(campaign)
        contact = found.select_related("customer__owner").order_by("pk").first() if found is not None else None
    if contact is None:
        raise field_error("segment", _("The segment holds nobody to preview."))
    message = compose(campaign, contact, delivery_id=None, to=actor.email)
    message.subject = "[TEST] " + message.subject
    try:
        provider_for(Channel.EMAIL).send(message)
    except SendFailed as exc:
        raise ValidationFailed(_("The test could not be sent: %(error)s") % {"error": exc})
    return actor.email


# --- the worker's batches ------------------------------------------------------------------------------------
def _finish_if_done(campaign: Campaign) -> None:
    if not campaign.deliveries.filter(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]).exists():
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT, finished_at=timezone.now()
        )


def campaign_send_batch(
    *, campaign_id: int, now: dt.datetime | None = None, limit: int | None = None, provider: Provider | None = None
) -> int:
    """Send the next batch of one campaign (at most its channel's rate); returns how many went out. `provider`:
    the channel's configured one unless given (the demo hands e-mail to a backend that delivers nothing)."""
    now = now or timezone.now()
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).first()
    if campaign is None or campaign.channel == Channel.PHONE:
        return 0
    # interrupted sends (claimed, never confirmed) are never sent again
    campaign.deliveries.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=Delivery.Status.UNCONFIRMED
    )
    provider = provider or provider_for(campaign.channel)
    queued = campaign.deliveries.filter(status=Delivery.Status.QUEUED).select_related("contact__customer__owner")
    batch = list(queued.order_by("pk")[: limit or rate_for(campaign.channel)])
    sent = 0
    try:
        for start in range(0, len(batch), SEND_CHUNK):
            sent += _send_chunk(campaign, batch[start : start + SEND_CHUNK], provider, now)
    finally:
        close = getattr(provider, "close", None)  # the batch's one SMTP connection
        if close is not None:
            close()
    _finish_if_done(campaign)
    return sent


def _claim(chunk: list[Delivery], now: dt.datetime) -> list[Delivery]:
    """Each recipient of the chunk recorded as being sent (one UPDATE … RETURNING, committed) before any of them goes
    out; a row another worker claimed first is left to it (the UPDATE waits for that worker's commit, then finds the
    row no longer queued)."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    ids = [d.pk for d in chunk]
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s WHERE status = %s "  # noqa: S608
        f"AND id IN ({', '.join(['%s'] * len(ids))}) RETURNING id"
    )
    params = [Delivery.Status.SENDING, connection.ops.adapt_datetimefield_value(now), Delivery.Status.QUEUED, *ids]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        won = {row[0] for row in cursor.fetchall()}
    return [d for d in chunk if d.pk in won]


def _send_chunk(campaign: Campaign, chunk: list[Delivery], provider: Provider, now: dt.datetime) -> int:
    """Claim the chunk, check consent and the suppression list as it goes out, send, and record the provider's ids
    after (one commit; a crash before it leaves the chunk `sending`, so `unconfirmed` later: never sent twice)."""
    claimed = _claim(chunk, now)
    channel, allowed = campaign.channel, contactable_ids([d.contact for d in claimed], campaign.channel)
    skipped = {d.pk for d in claimed if d.contact_id not in allowed or address_of(d.contact, channel) != d.address}
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(status=Delivery.Status.SKIPPED)
    done: list[Delivery] = []
    try:
        for delivery in claimed:
            if delivery.pk in skipped:
                continue
            try:
                provider_id = provider.send(compose(campaign, delivery.contact, delivery_id=delivery.pk,
                                                    to=delivery.address))  # fmt: skip
            except Bounced as exc:
                record_bounce(delivery, campaign, str(exc))
                continue
            except SendFailed as exc:
                Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, error=str(exc)[:300])
                continue
            delivery.status, delivery.provider_id = Delivery.Status.SENT, provider_id[:200]
            delivery.sent_at = timezone.now()
            done.append(delivery)
    finally:
        _confirm(done)
    return len(done)


def _confirm(done: list[Delivery]) -> None:
    """The chunk's provider ids and times recorded in one UPDATE, built here: Django's bulk_update resolves a CASE
    expression per row and field, which cost more CPU than composing the message (the 1M benchmark's profile)."""
    if not done:
        return
    table = connection.ops.quote_name(Delivery._meta.db_table)
    when = " ".join(["WHEN %s THEN %s"] * len(done))
    sql = (
        f"UPDATE {table} SET status = %s, provider_id = CASE id {when} END, sent_at = CASE id {when} END "  # noqa: S608
        f"WHERE id IN ({', '.join(['%s'] * len(done))})"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = [Delivery.Status.SENT]
    params += [v for d in done for v in (d.pk, d.provider_id)]
    params += [v for d in done for v in (d.pk, adapt(d.sent_at))]
    params += [d.pk for d in done]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def record_bounce(delivery: Delivery, campaign: Campaign, error: str) -> None:
    """The address was refused for good: the delivery says so and the address goes on the suppression list, which
    every later send honours."""
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.BOUNCED, error=error[:300])
    note = _("Bounced: campaign “%(name)s”, %(error)s") % {"name": campaign.name, "error": error}
    try:
        with transaction.atomic():
            suppression_add(actor=None, channel=campaign.channel, address=delivery.address, reason="bounced",
                            note=note[:SHORT_TEXT_MAX])  # fmt: skip
    except ValidationFailed:  # an address the list cannot hold: the delivery still says bounced, the batch goes on
        log.warning("bounced address %r not suppressed", delivery.address)


def campaigns_send_due() -> dict[str, int]:
    """The periodic job: one batch of every campaign that is sending."""
    ids = (
        Campaign.objects.filter(status=Campaign.Status.SENDING)
        .exclude(channel=Channel.PHONE)
        .values_list("pk", flat=True)
    )
    return {str(pk): campaign_send_batch(campaign_id=pk) for pk in ids}


# --- the phone channel: a call list --------------------------------------------------------------------------
@transaction.atomic
def call_log(*, actor: User, delivery: Delivery, result: str) -> Any:
    """A call of a phone campaign's list, logged as a follow-up on the contact's customer."""
    from guanxi.customers.services import follow_up_create

    if delivery.campaign.channel != Channel.PHONE or delivery.status not in (Delivery.Status.QUEUED,):
        raise InvalidStateError(_("This call has been logged already."))
    content = _("Campaign call (%(campaign)s): %(result)s") % {
        "campaign": delivery.campaign.name, "result": clean_text(result, "result", required=True)}  # fmt: skip
    follow_up = follow_up_create(actor=actor, customer=delivery.contact.customer,
                                 data={"method": "phone", "contact": delivery.contact, "content": content})  # fmt: skip
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.CALLED, sent_at=timezone.now(),
                                                   provider_id=f"follow-up:{follow_up.pk}")  # fmt: skip
    _finish_if_done(delivery.campaign)
    return follow_up


# --- tracking ------------------------------------------------------------------------------------------------
def record_open(delivery_id: int) -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery_id, opened_at__isnull=True).update(opened_at=now)
    from django.db.models import F

    Delivery.objects.filter(pk=delivery_id).update(opens=F("opens") + 1)


def record_click(delivery_id: int) -> None:
    from django.db.models import F

    now = timezone.now()
    Delivery.objects.filter(pk=delivery_id, clicked_at__isnull=True).update(clicked_at=now)
    Delivery.objects.filter(pk=delivery_id, opened_at__isnull=True).update(opened_at=now)  # a click is an open
    Delivery.objects.filter(pk=delivery_id).update(clicks=F("clicks") + 1)


def campaign_stats(campaign: Campaign) -> dict[str, Any]:
    from django.db.models import Count, Q

    counts = campaign.deliveries.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(status__in=[Delivery.Status.SENT, Delivery.Status.CALLED])),
        queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        bounced=Count("pk", filter=Q(status=Delivery.Status.BOUNCED)),
        skipped=Count("pk", filter=Q(status=Delivery.Status.SKIPPED)),
        unconfirmed=Count("pk", filter=Q(status=Delivery.Status.UNCONFIRMED)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
    )
    sent = counts["sent"] or 0
    counts["open_rate"] = round(100 * counts["opened"] / sent, 1) if sent else None
    counts["click_rate"] = round(100 * counts["clicked"] / sent, 1) if sent else None
    counts["cost_per_send"] = (campaign.cost / sent).quantize(Decimal("0.01")) if sent and campaign.cost else None
    return counts
