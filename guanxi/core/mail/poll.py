"""Polling: every registered mailbox handler names the mailboxes to read now; each mailbox's new messages (by UID,
from where the last poll stopped) are parsed and handed to the handler, which files them and says where. A handler
with `sent_folder` gets the messages of the account's Sent folder too (by UID per folder, `sent=True`). A
message whose Message-ID the mailbox already has is skipped, so two polls (or a folder recreated with new UIDs)
never file a message twice. A message the handler fails on is recorded with the error and skipped: one bad
message must not stop the mailbox."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..registry import MailboxHandler, registry
from .message import InboundMessage, message_parse
from .models import MailboxState, MailMessage
from .servers import Fetched, ImapServer, MailServerError, imap_fetch_new, imap_fetch_sent

log = logging.getLogger(__name__)


def _seen(mailbox: str, message: InboundMessage) -> bool:
    return MailMessage.objects.filter(mailbox=mailbox, message_id=message.message_id).exists()


def _record(
    mailbox: str, message: InboundMessage, *, filed_as: str, error: str = "", sent: bool = False
) -> MailMessage:
    return MailMessage.objects.create(
        mailbox=mailbox, direction=MailMessage.Direction.OUT if sent else MailMessage.Direction.IN,
        message_id=message.message_id, in_reply_to=message.in_reply_to[:300], sender=message.sender[:254],
        recipients=", ".join(message.recipients)[:5000], subject=message.subject[:500],
        filed_as=filed_as[:100], error=error[:500], at=message.date or timezone.now(),
    )  # fmt: skip


def _file_one(key: str, fetched: Fetched, handler: MailboxHandler, counts: dict[str, int], *, sent: bool) -> None:
    """File one fetched message once (by Message-ID within the mailbox, whichever folder it came from)."""
    message = message_parse(fetched.raw)
    if _seen(key, message):
        counts["skipped"] += 1
        return
    try:
        with transaction.atomic():
            extra = {"sent": True} if sent else {}
            filed_as = handler.file(mailbox=key, message=message, **extra) or ""
            _record(key, message, filed_as=filed_as, sent=sent)
        counts["filed" if filed_as else "unfiled"] += 1
    except Exception as exc:  # recorded on the message's row; the mailbox goes on with the next
        log.exception("mailbox %s: filing %s failed", key, message.message_id)
        _record(key, message, filed_as="", error=f"{type(exc).__name__}: {exc}", sent=sent)
        counts["failed"] += 1


def mailbox_poll(*, key: str, server: ImapServer, handler: MailboxHandler) -> dict[str, int]:
    """Read one mailbox's new messages and file them; counts of filed, unfiled, skipped (seen) and failed. A
    handler that asks for it (`sent_folder`) gets the Sent folder's new messages too, after the folder's own."""
    counts = {"filed": 0, "unfiled": 0, "skipped": 0, "failed": 0}
    state, _created = MailboxState.objects.get_or_create(key=key)
    try:
        for fetched in imap_fetch_new(server, after_uid=state.last_uid, uidvalidity=state.uidvalidity):
            with transaction.atomic():
                _file_one(key, fetched, handler, counts, sent=False)
                MailboxState.objects.filter(pk=state.pk).update(uidvalidity=fetched.uidvalidity, last_uid=fetched.uid)
        if handler.sent_folder:
            progress = dict(state.folders or {})
            for fetched in imap_fetch_sent(server, progress=progress):
                progress[fetched.folder] = [fetched.uidvalidity, fetched.uid]
                with transaction.atomic():
                    _file_one(key, fetched, handler, counts, sent=True)
                    MailboxState.objects.filter(pk=state.pk).update(folders=progress)
    except MailServerError as exc:
        MailboxState.objects.filter(pk=state.pk).update(
            polled_at=timezone.now(), last_error=str(exc)[:500], error_at=timezone.now()
        )
        counts["failed"] += 1
        return counts
    MailboxState.objects.filter(pk=state.pk).update(polled_at=timezone.now(), last_error="")
    return counts


def mailboxes_poll() -> dict[str, Any]:
    """The periodic job: every handler's mailboxes, one after the other."""
    result: dict[str, Any] = {}
    for handler in registry.mailbox_handlers:
        for key, server in handler.mailboxes():
            result[key] = mailbox_poll(key=key, server=server, handler=handler)
    return result


def mail_sent_record(
    *, mailbox: str, message_id: str, to: tuple[str, ...], subject: str, sender: str, in_reply_to: str, filed_as: str
) -> MailMessage:
    """Remember a message sent from a mailbox, so that the answer to it threads onto the same record."""
    return MailMessage.objects.create(
        mailbox=mailbox, direction=MailMessage.Direction.OUT, message_id=message_id[:300],
        in_reply_to=in_reply_to[:300], sender=sender[:254], recipients=", ".join(to)[:5000],
        subject=subject[:500], filed_as=filed_as[:100],
    )  # fmt: skip


def mail_filed_as(*, mailbox: str, message_ids: tuple[str, ...]) -> str:
    """Where the newest of these messages (the ones a reply answers) was filed, or ""."""
    if not message_ids:
        return ""
    row = (
        MailMessage.objects.filter(mailbox=mailbox, message_id__in=message_ids)
        .exclude(filed_as="")
        .order_by("-at", "-id")
        .first()
    )
    return row.filed_as if row else ""


def mail_thread(*, mailbox: str, filed_as: str) -> tuple[str, tuple[str, ...]]:
    """The message a new reply on a record answers (the newest received one, else the newest sent) and the ids of
    the whole thread for References, oldest first."""
    rows = list(
        MailMessage.objects.filter(mailbox=mailbox, filed_as=filed_as)
        .order_by("at", "id")
        .values_list("direction", "message_id")
    )
    received = [mid for direction, mid in rows if direction == MailMessage.Direction.IN]
    last = received[-1] if received else (rows[-1][1] if rows else "")
    return last, tuple(mid for _direction, mid in rows)
