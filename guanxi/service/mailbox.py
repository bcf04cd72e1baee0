"""The service desk's mailbox (客服邮箱): mail to it becomes tickets, answers thread onto them, and agents reply
from the ticket page by e-mail.

- Polling (the core mail layer's periodic job, through `registry.add_mailbox_handler` in providers.py): a message
  whose subject carries a ticket number (e.g. "[FW20261206-0001] Re: …"), or which answers a message filed on a
  ticket (In-Reply-To / References), is appended to that ticket's history with its attachments; any other message
  from an address a contact has opens a new e-mail ticket for the contact's customer (ticket_create_from_message).
  A message from an unknown address is kept unfiled in the mailbox log for a person to look at.
- Replies (`ticket_reply_by_email`): sent through the EMAIL_* server from GUANXI_SERVICE_MAIL_ADDRESS, with the
  ticket number in the subject and In-Reply-To / References naming the customer's last message, so the customer's
  mail program keeps one thread and the answer comes back to the same ticket.

Settings (environment): GUANXI_SERVICE_IMAP_* and GUANXI_SERVICE_MAIL_ADDRESS / _ACTOR (guanxi/settings/base.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.mail.message import InboundMessage
from guanxi.core.mail.poll import mail_filed_as, mail_sent_record, mail_thread
from guanxi.core.mail.servers import ImapServer, MailServerError, Outgoing, SmtpServer, smtp_send
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User

from . import services
from .models import Ticket, TicketEvent
from .selectors import ticket_get

MAILBOX = "service"
FILED_PREFIX = "service.ticket:"
# A ticket number in a subject: letters then digits, with dashes (the default pattern gives FW20261206-0001).
_REFERENCE = re.compile(r"[A-Za-z]{1,8}[-_]?\d[\w-]{3,38}")


def service_mailbox_configured() -> bool:
    return bool(getattr(settings, "GUANXI_SERVICE_IMAP_HOST", ""))


def service_imap_server() -> ImapServer:
    return ImapServer(
        host=settings.GUANXI_SERVICE_IMAP_HOST, port=int(settings.GUANXI_SERVICE_IMAP_PORT),
        username=settings.GUANXI_SERVICE_IMAP_USER, password=settings.GUANXI_SERVICE_IMAP_PASSWORD,
        security=settings.GUANXI_SERVICE_IMAP_SECURITY, folder=settings.GUANXI_SERVICE_IMAP_FOLDER or "INBOX",
    )  # fmt: skip


def service_mailboxes() -> Iterator[tuple[str, ImapServer]]:
    if service_mailbox_configured():
        yield MAILBOX, service_imap_server()


def service_mail_address() -> str:
    return settings.GUANXI_SERVICE_MAIL_ADDRESS or settings.GUANXI_SERVICE_IMAP_USER


def service_mail_actor() -> User | None:
    """The user the mailbox works as: GUANXI_SERVICE_MAIL_ACTOR, else the first active superuser."""
    name = getattr(settings, "GUANXI_SERVICE_MAIL_ACTOR", "")
    users = User.objects.filter(is_active=True)
    if name:
        return users.filter(username=name).first()
    return users.filter(is_superuser=True).order_by("id").first()


def _ticket_by_reference(message: InboundMessage) -> Ticket | None:
    numbers = {m.upper() for m in _REFERENCE.findall(message.subject)}
    if numbers:
        ticket = Ticket.objects.filter(number__in=numbers).order_by("-id").first()
        if ticket is not None:
            return ticket
    filed = mail_filed_as(mailbox=MAILBOX, message_ids=message.thread_ids)
    if filed.startswith(FILED_PREFIX):
        return Ticket.objects.filter(pk=int(filed[len(FILED_PREFIX) :])).first()
    return None


def _uploads(message: InboundMessage) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(att.name, att.content, content_type=att.content_type)
        for att in message.attachments
        if len(att.content) <= services.ATTACHMENT_MAX_BYTES
    ]


def _text(message: InboundMessage) -> str:
    return message.text or _("(no text)")


def ticket_append_message(*, actor: User, ticket: Ticket, message: InboundMessage) -> None:
    """An answer from the customer on the ticket's history, with its attachments; a ticket waiting for the
    customer goes back to work."""
    text = _("From %(sender)s: %(subject)s") % {"sender": message.sender, "subject": message.subject}
    services._event(ticket, actor=None, kind=TicketEvent.Kind.EMAIL_IN, text=f"{text}\n\n{_text(message)}"[:20000])
    for upload in _uploads(message):
        services.ticket_attach(actor=actor, ticket=ticket, upload=upload)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket,
                 changes={"email_in": [None, message.message_id[:200]]})  # fmt: skip
    if ticket.status == Ticket.Status.WAITING:
        services.ticket_transition(actor=actor, ticket=ticket, action="resume")


def service_mail_file(*, mailbox: str, message: InboundMessage) -> str:
    """File one message of the service mailbox (the poll's transaction); where it went, or "" (kept unfiled)."""
    actor = service_mail_actor()
    if actor is None or not message.sender or message.sender == service_mail_address().lower():
        return ""
    ticket = _ticket_by_reference(message)
    if ticket is not None:
        ticket_append_message(actor=actor, ticket=ticket, message=message)
        return f"{FILED_PREFIX}{ticket.pk}"
    created = services.ticket_create_from_message(
        actor=actor, sender_email=message.sender, subject=message.subject, body=_text(message),
        attachments=_uploads(message),
    )  # fmt: skip
    return f"{FILED_PREFIX}{created.pk}" if created is not None else ""


def ticket_reply_address(ticket: Ticket) -> str:
    """Whom a reply goes to: the sender of the customer's last message on the ticket, else the contact."""
    from guanxi.core.mail.models import MailMessage

    last = (
        MailMessage.objects.filter(mailbox=MAILBOX, filed_as=f"{FILED_PREFIX}{ticket.pk}", direction="in")
        .exclude(sender="").order_by("-at", "-id").values_list("sender", flat=True).first()
    )  # fmt: skip
    if last:
        return last
    return (ticket.contact.email if ticket.contact_id and ticket.contact else "") or ""


def _smtp_server() -> SmtpServer:
    security = "ssl" if settings.EMAIL_USE_SSL else ("starttls" if settings.EMAIL_USE_TLS else "none")
    return SmtpServer(
        host=settings.EMAIL_HOST, port=int(settings.EMAIL_PORT), username=settings.EMAIL_HOST_USER,
        password=settings.EMAIL_HOST_PASSWORD, security=security, from_address=service_mail_address(),
    )  # fmt: skip


def ticket_reply_by_email(*, actor: User, ticket: Ticket, text: str, to: str = "") -> TicketEvent:
    """Answer the customer by e-mail from the service mailbox, threaded on their last message; the reply is on the
    ticket's history and counts as the first response when the owner sends it."""
    ticket = ticket_get(user=actor, pk=ticket.pk, action="edit")
    if not service_mailbox_configured() or not service_mail_address():
        raise ValidationFailed(_("The service mailbox is not configured (GUANXI_SERVICE_IMAP_HOST)."))
    text = clean_text(text, "text", max_length=20000, multiline=True, required=True)
    address = (to or ticket_reply_address(ticket)).strip()
    if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", address):
        raise field_error("to", _("Enter the customer's e-mail address."))
    in_reply_to, references = mail_thread(mailbox=MAILBOX, filed_as=f"{FILED_PREFIX}{ticket.pk}")
    subject = f"[{ticket.number}] {'Re: ' if in_reply_to else ''}{ticket.subject}"
    try:
        message_id, _sent = smtp_send(
            _smtp_server(),
            Outgoing(to=(address,), subject=subject, text=text, in_reply_to=in_reply_to, references=references),
        )
    except MailServerError as exc:
        raise field_error("text", str(exc)) from exc
    with transaction.atomic():
        mail_sent_record(mailbox=MAILBOX, message_id=message_id, to=(address,), subject=subject,
                         sender=service_mail_address(), in_reply_to=in_reply_to,
                         filed_as=f"{FILED_PREFIX}{ticket.pk}")  # fmt: skip
        event = TicketEvent.objects.create(
            ticket=ticket, at=timezone.now(), actor=actor, kind=TicketEvent.Kind.EMAIL_OUT,
            text=_("To %(to)s") % {"to": address} + f"\n\n{text}",
        )  # fmt: skip
        if ticket.first_response_at is None and ticket.owner_id == actor.pk:
            Ticket.objects.filter(pk=ticket.pk).update(first_response_at=event.at)
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket,
                     changes={"email_out": [None, f"{address}: {text[:150]}"]})  # fmt: skip
    return event


def service_mailbox_status() -> dict[str, Any]:
    """For the service settings page: whether the mailbox is on, when it was last read and its last error."""
    from guanxi.core.mail.models import MailboxState, MailMessage

    state = MailboxState.objects.filter(key=MAILBOX).first()
    return {
        "configured": service_mailbox_configured(),
        "address": service_mail_address(),
        "state": state,
        "unfiled": MailMessage.objects.filter(mailbox=MAILBOX, direction="in", filed_as="").count(),
    }
