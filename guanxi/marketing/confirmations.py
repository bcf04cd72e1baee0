"""Event registration confirmations (the check-in code), sent by the worker, never in the visitor's request.

The registration row is its own outbox: `registration_submit` marks it `pending` (due now) in the same
transaction, and after commit a task is queued for it; the periodic job `marketing_event_confirmations` (every
minute) also sends every pending one that is due, so a confirmation whose task was lost, or whose send failed, goes
out later. A sender first claims the row (moves its due time past the claim period in one conditional update), so
the task and the periodic job never send the same confirmation twice at once. It goes by e-mail when an address
was given, else by SMS through the SMS provider. A failure records the reason and tries again after 1, 5, 15, 60,
240 … minutes; after MAX_ATTEMPTS it is `failed` and the event page shows it. The registration itself never
depends on any of this.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .channels import Outgoing, SendFailed, provider_for
from .models import Channel
from .models_events import Registration

log = logging.getLogger("guanxi.marketing")
RETRY_MINUTES = (1, 5, 15, 60, 240, 720)
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1
CLAIM = dt.timedelta(minutes=10)  # a claimed row a crashed sender left behind is due again after this
BATCH = 200

Confirmation = Registration.Confirmation


def confirmation_queue(registration: Registration) -> None:
    """Inside the registration's transaction: the confirmation is due now; the worker is asked after commit."""
    if not (registration.email or registration.mobile):
        return
    registration.confirmation = Confirmation.PENDING
    registration.confirmation_channel = Channel.EMAIL if registration.email else Channel.SMS
    registration.confirmation_due_at = timezone.now()
    registration.save(update_fields=["confirmation", "confirmation_channel", "confirmation_due_at"])
    pk = registration.pk
    transaction.on_commit(lambda: _enqueue(pk))


def _enqueue(registration_id: int) -> None:
    from .tasks import registration_confirmation_send

    try:
        registration_confirmation_send.enqueue(registration_id=registration_id)
    except Exception:  # the queue is down: the periodic job sends it
        log.warning("could not queue the confirmation of registration %s", registration_id, exc_info=True)


def _message(registration: Registration) -> Outgoing:
    event = registration.event
    when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
    values = {"name": registration.name, "event": event.name, "when": when, "code": registration.code,
              "venue": f", {event.venue}" if event.venue else ""}  # fmt: skip
    # in the language the registrant filled the form in (the public page offers zh and en), else the site's default
    with translation.override(registration.language or settings.LANGUAGE_CODE):
        subject = _("Registration confirmed: %(event)s") % values
        if registration.confirmation_channel == Channel.SMS:
            text = _("%(name)s, you are registered for %(event)s on %(when)s%(venue)s. Check-in code: %(code)s")
            text %= values
            return Outgoing(to=registration.mobile, subject=subject, text=text)
        text = _("Dear %(name)s,\n\nyou are registered for %(event)s on %(when)s%(venue)s.\nYour check-in code: "
                 "%(code)s\nShow it at the entrance.") % values  # fmt: skip
    return Outgoing(to=registration.email, subject=subject, text=text)


def registration_confirmation_send(*, registration_id: int, now: dt.datetime | None = None) -> bool | None:
    """Send one due confirmation: True sent, False failed (tried again later, or given up), None not due or
    taken by another sender."""
    now = now or timezone.now()
    claimed = Registration.objects.filter(
        pk=registration_id, confirmation=Confirmation.PENDING, confirmation_due_at__lte=now
    ).update(confirmation_due_at=now + CLAIM)
    if not claimed:
        return None
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    try:
        provider_id = provider_for(registration.confirmation_channel).send(_message(registration))
    except SendFailed as exc:
        attempts = registration.confirmation_attempts + 1
        given_up = attempts >= MAX_ATTEMPTS
        Registration.objects.filter(pk=registration_id).update(
            confirmation=Confirmation.FAILED if given_up else Confirmation.PENDING,
            confirmation_attempts=attempts, confirmation_error=str(exc)[:300],
            confirmation_due_at=None if given_up else now + dt.timedelta(minutes=RETRY_MINUTES[attempts - 1]),
        )  # fmt: skip
        log.warning("confirmation of registration %s failed (attempt %s): %s", registration_id, attempts, exc)
        return False
    Registration.objects.filter(pk=registration_id).update(
        confirmation=Confirmation.SENT, confirmation_attempts=registration.confirmation_attempts + 1,
        confirmation_sent_at=timezone.now(), confirmation_provider_id=str(provider_id)[:200], confirmation_error="",
        confirmation_due_at=None,
    )  # fmt: skip
    return True


def confirmations_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: every pending confirmation that is due (new, to be retried, or left by a crash)."""
    now = now or timezone.now()
    ids = list(
        Registration.objects.filter(confirmation=Confirmation.PENDING, confirmation_due_at__lte=now)
        .order_by("confirmation_due_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    counts = {"sent": 0, "failed": 0}
    for pk in ids:
        result = registration_confirmation_send(registration_id=pk, now=now)
        if result is not None:
            counts["sent" if result else "failed"] += 1
    return counts
