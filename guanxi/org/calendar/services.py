"""The personal calendar feed (iCalendar): its signed URL, regenerating and revoking it, and the feed itself.

The URL is /calendar/<user id>.<nonce>.<signature>.ics: the signature is an HMAC of the user id and nonce with the
site's secret key, the nonce is stored on the user's CalendarFeed row. Regenerating replaces the nonce (every old
URL stops working); revoking deletes the row. The feed lists what the apps' calendar sources give the user
(core.registry.CalendarSource): each source reads through the user's own permissions and data scope, so a
calendar shows no more than the user sees in Guanxi. No session: a calendar app cannot sign in.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core import ical
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.registry import registry
from guanxi.core.services import audit_record

from .models import CalendarFeed

if TYPE_CHECKING:
    from guanxi.org.models import User

SALT = "guanxi.calendar-feed"
PAST_DAYS = 90  # what the feed reaches back and forward
FUTURE_DAYS = 400
READ_MARK_EVERY = dt.timedelta(hours=1)


def _signature(user_id: int, nonce: str) -> str:
    return salted_hmac(SALT, f"{user_id}:{nonce}", algorithm="sha256").hexdigest()[:32]


def feed_token(feed: CalendarFeed) -> str:
    return f"{feed.user_id}.{feed.nonce}.{_signature(feed.user_id, feed.nonce)}"


def feed_url(feed: CalendarFeed | None) -> str:
    """The full URL to paste into a calendar app ("" without a feed)."""
    if feed is None:
        return ""
    path = reverse("org:calendar_feed", args=[feed_token(feed)])
    return settings.GUANXI_BASE_URL.rstrip("/") + path


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=user.pk).first()


def calendar_feed_regenerate(*, actor: User) -> CalendarFeed:
    """Give the actor a (new) feed URL; any URL they had before stops working. Audited."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            user_id=actor.pk, defaults={"nonce": secrets.token_hex(16)}
        )
        if not created:
            feed.nonce = secrets.token_hex(16)
            feed.last_read_at = None
            feed.save(update_fields=["nonce", "last_read_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
            obj=feed,
            message=Message(
                gettext_noop("Calendar feed address created")
                if created
                else gettext_noop("Calendar feed address replaced (the old one stopped working)")
            ),
        )
    return feed


def calendar_feed_revoke(*, actor: User) -> bool:
    """Switch the actor's feed off (no URL works until they create a new one). Audited; False when none."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user_id=actor.pk).first()
        if feed is None:
            return False
        audit_record(
            actor=actor, action=AuditLog.Action.DELETE, obj=feed, message=Message(gettext_noop("Calendar feed revoked"))
        )
        feed.delete()
    return True


def calendar_feed_reader(*, token: str) -> Any:
    """The active user a feed token belongs to, or None (bad signature, replaced or revoked URL, closed account)."""
    user_id, _dot, rest = token.partition(".")
    nonce, _dot, signature = rest.partition(".")
    if not (user_id.isdigit() and nonce and signature) or len(token) > 200:
        return None
    if not constant_time_compare(signature, _signature(int(user_id), nonce)):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(user_id=int(user_id)).first()
    if feed is None or not constant_time_compare(feed.nonce, nonce) or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_read_at is None or feed.last_read_at < now - READ_MARK_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
    return feed.user


def calendar_feed_render(*, user: User, now: dt.datetime | None = None) -> bytes:
    """The user's feed: every calendar source's entries from PAST_DAYS ago to FUTURE_DAYS ahead."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=FUTURE_DAYS)
    entries: list[ical.CalendarEntry] = []
    for source in registry.calendar_sources:
        entries.extend(source.entries(user=user, start=start, end=end))
    name = _("Guanxi: %(name)s") % {"name": getattr(user, "display_name", "") or user.get_username()}
    return ical.calendar(entries, name=name, now=now)
