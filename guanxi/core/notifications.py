"""The bell's side of notifications: the latest ones grouped for the dropdown, a user's settings (muted topics,
daily digest) and the daily digest e-mail. Creating one is `core.services.notify`."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import ValidationFailed
from .models import AuditLog, Notification, NotificationSettings
from .registry import NotificationTopic, registry
from .scheduler import period_key
from .services import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser as User

log = logging.getLogger(__name__)

DIGEST_EVERY_MINUTES = 24 * 60
DIGEST_MAX_LINES = 50


# --- reading ---------------------------------------------------------------------------------
@dataclass
class NotificationGroup:
    """The newest notification of one kind about one record, and how many like it (unread ones) came before."""

    note: Notification
    count: int = 1
    unread: int = 0


def notification_groups(*, user: User, limit: int = 10, scan: int = 60) -> list[NotificationGroup]:
    """The user's latest notifications for the bell: repeated ones of the same kind about the same record (three
    reminders of one approval) become one line with a count; at most `limit` lines from the newest `scan`."""
    groups: dict[Any, NotificationGroup] = {}
    for note in Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")[:scan]:
        key = (note.kind, note.url) if note.url else note.pk
        group = groups.get(key)
        if group is None:
            if len(groups) >= limit:
                continue
            group = groups[key] = NotificationGroup(note=note, count=0)
        group.count += 1
        group.unread += note.read_at is None
    return list(groups.values())


def notification_unread_total(*, user: User) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


@dataclass
class TopicChoice:
    topic: NotificationTopic
    muted: bool


def notification_settings_for(*, user: User) -> tuple[NotificationSettings, list[TopicChoice]]:
    """The user's settings (unsaved defaults when they never saved any) and every topic they may mute."""
    row = NotificationSettings.objects.filter(user_id=user.pk).first() or NotificationSettings(user_id=user.pk)
    muted = set(row.muted or [])
    return row, [TopicChoice(topic=t, muted=t.key in muted) for t in registry.notification_topics]


# --- writing ---------------------------------------------------------------------------------
def notification_settings_save(*, actor: User, daily_digest: bool, muted: Iterable[str]) -> NotificationSettings:
    """Save the actor's own notification settings (nobody sets another user's). An unknown topic is refused,
    naming the field `muted`; the change is audited."""
    known = {t.key for t in registry.notification_topics}
    wanted = sorted(dict.fromkeys(str(m) for m in muted))
    unknown = [m for m in wanted if m not in known]
    if unknown:
        message = _("Unknown notification topic: %(topics)s.") % {"topics": ", ".join(unknown)}
        raise ValidationFailed(message, fields={"muted": [message]})
    with transaction.atomic():
        row, created = NotificationSettings.objects.select_for_update().get_or_create(user_id=actor.pk)
        before = {"daily_digest": row.daily_digest, "muted": list(row.muted or [])}
        after = {"daily_digest": bool(daily_digest), "muted": wanted}
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k] or created}
        if changes:
            row.daily_digest, row.muted = after["daily_digest"], after["muted"]
            row.save(update_fields=["daily_digest", "muted", "updated_at"])
            audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=row, changes=changes)
    return row


def notification_digest_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Once a day (the worker's periodic job): each user who takes the daily digest gets ONE e-mail listing their
    unread notifications not e-mailed yet, which then count as e-mailed. A user's row records the day's period
    before the mail goes, so a second run in the same period (another worker, a retry) sends nothing."""
    now = now or timezone.now()
    period = period_key(now, DIGEST_EVERY_MINUTES)
    sent = users = 0
    if not settings.GUANXI_EMAIL_ENABLED:
        return {"users": 0, "sent": 0}
    rows = NotificationSettings.objects.filter(daily_digest=True, user__is_active=True).exclude(digest_period=period)
    for user_id in rows.values_list("user_id", flat=True):
        users += 1
        if _digest_one(user_id=user_id, period=period):
            sent += 1
    return {"users": users, "sent": sent}


def _digest_one(*, user_id: int, period: str) -> bool:
    claimed = (
        NotificationSettings.objects.filter(user_id=user_id, daily_digest=True)
        .exclude(digest_period=period)
        .update(digest_period=period)
    )
    if not claimed:  # someone else took this user's digest for the period
        return False
    row = NotificationSettings.objects.select_related("user").get(user_id=user_id)
    user = row.user
    notes = list(
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True, emailed_at__isnull=True).order_by(
            "-created_at", "-id"
        )
    )
    if not notes or not user.email:
        return False
    base = settings.GUANXI_BASE_URL.rstrip("/")
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        subject = ngettext(
            "Guanxi: %(count)d unread notification", "Guanxi: %(count)d unread notifications", len(notes)
        ) % {"count": len(notes)}
        lines = []
        for note in notes[:DIGEST_MAX_LINES]:
            when = timezone.localtime(note.created_at).strftime("%Y-%m-%d %H:%M")
            link = note.url if note.url.startswith(("http://", "https://")) else (base + note.url if note.url else "")
            lines.append("\n".join(part for part in (f"· {' '.join(note.title_text.split())} ({when})", link) if part))
        if len(notes) > DIGEST_MAX_LINES:
            lines.append(_("… and %(count)d more.") % {"count": len(notes) - DIGEST_MAX_LINES})
        lines.append(_("All notifications: %(url)s") % {"url": f"{base}/notifications/?unread=1"})
    try:
        send_mail(subject, "\n\n".join(lines), None, [user.email], fail_silently=False)
    except (smtplib.SMTPException, OSError):  # tomorrow's digest lists them again (they stay un-e-mailed)
        log.exception("could not e-mail the daily digest of user %s", user_id)
        return False
    Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
    return True
