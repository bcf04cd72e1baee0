"""Customer care greetings (客户关怀): birthday and holiday greetings, kept as templates and sent by the worker on
the day.

The day's run records every recipient first (one GreetingSend per contact, occasion and day: the unique
constraint means a second run, a restart or a second greeting for the same occasion reaches nobody twice), then
sends the queued rows the way campaigns do (claimed before the provider is called, confirmed after; a claim that
was interrupted is never sent again). Consent and the suppression list are checked when the row is recorded and
again as it goes out. A contact of a key account (a customer level the greeting names) is not messaged: the
customer's owner gets a task to call them that day.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.inputs import LONG_TEXT_MAX, clean_text, field_error, id_or_none, pick
from guanxi.core.services import model_create, model_update, notify, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from . import tracking
from .campaigns import STALE_CLAIM, _check_merge_fields, render
from .channels import Outgoing, SendFailed, provider_for, rate_for
from .consent import address_of, may_contact, reachable, unsubscribe_token
from .models import Channel, Segment
from .models_care import Greeting, GreetingSend
from .occasions import Occasion, birthday_days, holidays_on
from .segments import segment_members

GREETING_FIELDS = {"name", "occasion", "channel", "language", "subject", "body", "custom_text", "segment",
                   "call_levels", "active"}  # fmt: skip
log = logging.getLogger("guanxi.marketing")


# --- templates -------------------------------------------------------------------------------------------------
def _greeting_data(data: dict[str, Any], current: Greeting | None) -> dict[str, Any]:
    from guanxi.customers.models import Customer

    data = pick(data, GREETING_FIELDS)
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        out["name"] = clean_text(data.get("name"), "name", max_length=120, required=True)
    for key, choices, message in (
        ("occasion", Occasion.values, _("Choose one of the occasions.")),
        ("channel", Greeting.Channel.values, _("Choose one of the channels.")),
        ("language", Greeting.Language.values, _("Choose Chinese or English.")),
    ):
        if key in data or (current is None and key == "occasion"):
            if data.get(key) not in choices:
                raise field_error(key, message)
            out[key] = data[key]
    if "body" in data or current is None:
        out["body"] = clean_text(data.get("body"), "body", max_length=LONG_TEXT_MAX, multiline=True, required=True)
    for key, limit in (("subject", 200), ("custom_text", 500)):
        if key in data:
            out[key] = clean_text(data[key], key, max_length=limit)
    for key in ("subject", "body", "custom_text"):
        if key in out:
            _check_merge_fields(out[key], key)
    channel = out.get("channel", current.channel if current else Greeting.Channel.EMAIL)
    subject = out.get("subject", current.subject if current else "")
    if channel == Greeting.Channel.EMAIL and not subject.strip():
        raise field_error("subject", _("An e-mail needs a subject."))
    if "segment" in data:
        pk = id_or_none(getattr(data["segment"], "pk", data["segment"]))
        out["segment"] = Segment.objects.filter(pk=pk).first() if pk else None
        if pk and out["segment"] is None:
            raise field_error("segment", _("Choose one of the segments."))
    if "call_levels" in data:
        levels = data["call_levels"] or []
        if isinstance(levels, str):
            levels = [levels]
        if not isinstance(levels, list | tuple) or set(levels) - set(Customer.Level.values):
            raise field_error("call_levels", _("Choose among the customer levels."))
        out["call_levels"] = sorted(set(levels))
    if "active" in data:
        out["active"] = bool(data["active"])
    return out


@transaction.atomic
def greeting_create(*, actor: User, data: dict[str, Any]) -> Greeting:
    require_permission(actor, "marketing.create")
    return model_create(instance=Greeting(owner=actor, **_greeting_data(data, None)), actor=actor)


@transaction.atomic
def greeting_update(
    *, actor: User, greeting: Greeting, data: dict[str, Any], expected_version: int | None = None
) -> Greeting:
    require_permission(actor, "marketing.edit")
    values = _greeting_data(data, greeting)
    greeting, _changes = model_update(instance=greeting, data=values, actor=actor, expected_version=expected_version)
    return greeting


@transaction.atomic
def greeting_delete(*, actor: User, greeting: Greeting) -> None:
    require_permission(actor, "marketing.delete")
    soft_delete(instance=greeting, actor=actor)


# --- content ---------------------------------------------------------------------------------------------------
def greeting_values(greeting: Greeting, contact: Any) -> dict[str, str]:
    owner = contact.customer.owner if contact.customer_id else None
    return {"name": contact.name, "company": contact.customer.name if contact.customer_id else "",
            "title": contact.title, "owner": str(owner or ""), "custom": greeting.custom_text}  # fmt: skip


def greeting_compose(greeting: Greeting, contact: Any, *, to: str) -> Outgoing:
    """The greeting one contact receives: merged, with a signed unsubscribe link (greetings are not tracked)."""
    values = greeting_values(greeting, contact)
    subject = " ".join(render(greeting.subject, values).split())
    text = render(greeting.body, values)
    link = tracking.base_url() + reverse(
        "marketing:unsubscribe", args=[unsubscribe_token(contact_id=contact.pk, channel=greeting.channel)]
    )
    with translation.override(greeting.language):
        footer = _("Unsubscribe: %(link)s") % {"link": link}
    if greeting.channel != Greeting.Channel.EMAIL:
        return Outgoing(to=to, subject=subject, text=f"{text}\n{footer}")
    headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Outgoing(to=to, subject=subject, text=f"{text}\n\n--\n{footer}", headers=headers)


# --- the day's run ---------------------------------------------------------------------------------------------
def greeting_audience(greeting: Greeting, day: dt.date) -> QuerySet[Any]:
    """The contacts the greeting is for on `day`: its segment (in its owner's scope) or everyone; on a birthday
    greeting only those whose birthday it is."""
    from guanxi.customers.models import Contact

    if greeting.segment is not None and greeting.owner is not None:
        contacts = segment_members(user=greeting.owner, segment=greeting.segment).contacts
    else:
        contacts = Contact.objects.all()
    if greeting.occasion == Occasion.BIRTHDAY:
        born = Q()
        for month, day_of_month in birthday_days(day):
            born |= Q(birthday__month=month, birthday__day=day_of_month)
        contacts = contacts.filter(born)
    return contacts


def occasions_on(day: dt.date) -> list[str]:
    return [Occasion.BIRTHDAY, *holidays_on(day)]


def _call_task(greeting: Greeting, contact: Any, day: dt.date) -> Any:
    """A key account's contact: a task for the customer's owner to call them today, with the greeting as a script."""
    from guanxi.customers.models import Task

    owner = contact.customer.owner
    with translation.override(owner.language or None):
        title = _("Care call: %(occasion)s greeting to %(name)s (%(company)s)") % {
            "occasion": Occasion(greeting.occasion).label,
            "name": contact.name,
            "company": contact.customer.name,
        }
    due = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    values = greeting_values(greeting, contact)
    task = Task(title=title[:200], description=render(greeting.body, values), due_at=due, assignee=owner,
                customer=contact.customer)  # fmt: skip
    model_create(instance=task, actor=None)
    notify(recipient=owner, kind="task_assigned", url=reverse("customers:my_day"),
           title=Message(gettext_noop("New task: %(title)s"), {"title": task.title}))  # fmt: skip
    return task


def greetings_record(*, day: dt.date) -> dict[str, int]:
    """Record today's recipients of every active greeting (idempotent); key accounts become call tasks."""
    counts = {"queued": 0, "calls": 0}
    greetings = Greeting.objects.filter(occasion__in=occasions_on(day), active=True).select_related("segment", "owner")
    for greeting in greetings.order_by("pk"):
        done = GreetingSend.objects.filter(occasion=greeting.occasion, on=day).values("contact_id")
        contacts = greeting_audience(greeting, day).exclude(pk__in=done)
        key_accounts = Q(customer__level__in=greeting.call_levels or [], customer__owner__isnull=False)
        # everyone else: one message each, recorded in bulk (a row another run wrote first is kept as it is)
        rows = [
            GreetingSend(greeting=greeting, contact=contact, occasion=greeting.occasion, on=day,
                         address=address_of(contact, greeting.channel))
            for contact in reachable(contacts.exclude(key_accounts), greeting.channel).order_by("pk").iterator(
                chunk_size=2000)
        ]  # fmt: skip
        before = GreetingSend.objects.filter(occasion=greeting.occasion, on=day).count()
        GreetingSend.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        counts["queued"] += GreetingSend.objects.filter(occasion=greeting.occasion, on=day).count() - before
        # key accounts: a call by their owner, if the contact may be phoned
        for contact in contacts.filter(key_accounts).select_related("customer__owner").order_by("pk"):
            if not may_contact(contact, Channel.PHONE):
                continue
            try:
                with transaction.atomic():
                    row = GreetingSend.objects.create(greeting=greeting, contact=contact, occasion=greeting.occasion,
                                                      on=day, address=address_of(contact, Channel.PHONE),
                                                      status=GreetingSend.Status.CALL_TASK)  # fmt: skip
                    row.task = _call_task(greeting, contact, day)
                    row.save(update_fields=["task"])
            except IntegrityError:
                continue  # another run recorded them first
            counts["calls"] += 1
    return counts


def greetings_send(*, day: dt.date, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Send the day's queued greetings, at most each channel's rate; returns how many went out."""
    now = now or timezone.now()
    GreetingSend.objects.filter(status=GreetingSend.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=GreetingSend.Status.UNCONFIRMED
    )
    sent = 0
    for channel in Greeting.Channel.values:
        queued = GreetingSend.objects.filter(on=day, status=GreetingSend.Status.QUEUED, greeting__channel=channel)
        rows = list(queued.select_related("greeting", "contact__customer__owner").order_by("pk")[
            : limit or rate_for(channel)])  # fmt: skip
        provider = provider_for(channel) if rows else None
        for row in rows:
            if not GreetingSend.objects.filter(pk=row.pk, status=GreetingSend.Status.QUEUED).update(
                status=GreetingSend.Status.SENDING, claimed_at=now
            ):
                continue  # another worker took it
            contact = row.contact
            if not may_contact(contact, channel) or address_of(contact, channel) != row.address:
                GreetingSend.objects.filter(pk=row.pk).update(status=GreetingSend.Status.SKIPPED)
                continue
            try:
                assert provider is not None
                provider_id = provider.send(greeting_compose(row.greeting, contact, to=row.address))
            except SendFailed as exc:
                GreetingSend.objects.filter(pk=row.pk).update(status=GreetingSend.Status.FAILED, error=str(exc)[:300])
                continue
            GreetingSend.objects.filter(pk=row.pk).update(
                status=GreetingSend.Status.SENT, provider_id=provider_id[:200], sent_at=timezone.now()
            )
            sent += 1
    return sent


def greetings_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: record today's greetings (the first run of the day does it) and send a batch."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    counts = greetings_record(day=day)
    counts["sent"] = greetings_send(day=day, now=now)
    return counts
