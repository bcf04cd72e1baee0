"""Users' own mailboxes on the customers' timelines: the core mail poll reads every active mailbox
(guanxi/org/mailboxes) and hands each new message here. The sender and recipients are matched to contacts the
mailbox's owner may see; each matched customer gets an e-mail follow-up by the owner (subject and text, the
attachments stored through the follow-up attachments' scope-checked download). Messages of the Sent folder are
filed the same way, as e-mail to their recipients. A message already filed from another colleague's mailbox (the
same Message-ID) is not filed again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError
from guanxi.core.mail.message import InboundMessage
from guanxi.core.mail.models import MailMessage
from guanxi.org.mailboxes.models import UserMailbox
from guanxi.org.mailboxes.services import mailbox_imap
from guanxi.org.policies import has_permission, scope_queryset

from .models import Contact, FollowUp
from .services.follow_ups import follow_up_create

FILED_PREFIX = "customers.followup:"
CONTENT_MAX = 20_000


def user_mailboxes() -> Iterator[tuple[str, Any]]:
    for mailbox in UserMailbox.objects.filter(is_active=True, user__is_active=True).select_related("user"):
        yield mailbox.poll_key, mailbox_imap(mailbox)


def _uploads(message: InboundMessage) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(a.name, a.content, content_type=a.content_type) for a in message.attachments]


def _content(message: InboundMessage, *, sent: bool = False) -> str:
    if sent:
        to = ", ".join(message.recipients[:5])
        head = _("E-mail to %(to)s: %(subject)s") % {"to": to, "subject": message.subject}
    else:
        head = _("E-mail from %(sender)s: %(subject)s") % {"sender": message.sender, "subject": message.subject}
    return f"{head}\n\n{message.text}".strip()[:CONTENT_MAX]


def user_mail_file(*, mailbox: str, message: InboundMessage, sent: bool = False) -> str:
    """File one message of a user's mailbox (of its Sent folder: `sent`) on the timelines of the customers whose
    contacts it involves."""
    earlier = (
        MailMessage.objects.filter(message_id=message.message_id, filed_as__startswith=FILED_PREFIX)
        .values_list("filed_as", flat=True).first()
    )  # fmt: skip
    if earlier:
        return earlier
    box = UserMailbox.objects.select_related("user").filter(user_id=int(mailbox.split(":", 1)[1])).first()
    if box is None or not has_permission(box.user, "followups.create"):
        return ""
    addresses = {a for a in (message.sender, *message.recipients) if a and a != box.address.lower()}
    contacts = scope_queryset(box.user, Contact.objects.filter(email__in=addresses), "view").order_by("id")
    matched: dict[int, Contact] = {}
    for contact in contacts:
        matched.setdefault(contact.customer_id, contact)
    occurred = min(message.date or timezone.now(), timezone.now())
    filed: list[FollowUp] = []
    for contact in matched.values():
        try:
            filed.append(
                follow_up_create(
                    actor=box.user,
                    customer=contact.customer,
                    data={
                        "method": FollowUp.Method.EMAIL,
                        "contact": contact,
                        "content": _content(message, sent=sent),
                        "occurred_at": occurred,
                    },
                    attachments=_uploads(message),
                )  # fmt: skip
            )
        except ApplicationError:
            continue  # a customer this user may read but not log follow-ups on: the others still get it
    return f"{FILED_PREFIX}{filed[0].pk}" if filed else ""


def customer_email_send(*, actor: Any, customer: Any, contact: Contact | None, subject: str, text: str) -> FollowUp:
    """Send an e-mail to a contact through the actor's own mailbox (SMTP) and file it as an e-mail follow-up on
    the customer's timeline, remembered by its Message-ID so the contact's answer is not filed twice."""
    from guanxi.core.inputs import clean_text, field_error
    from guanxi.core.mail.poll import mail_sent_record
    from guanxi.core.mail.servers import MailServerError, Outgoing, smtp_send
    from guanxi.org.mailboxes.services import mailbox_smtp

    box = UserMailbox.objects.select_related("user").filter(user=actor, is_active=True).first()
    if box is None:
        raise field_error("to", _("Connect your mailbox first (My account → My mailbox)."))
    if contact is None or contact.customer_id != customer.pk or not contact.email:
        raise field_error("to", _("Choose a contact of this customer with an e-mail address."))
    subject = clean_text(subject, "subject", max_length=300, required=True)
    text = clean_text(text, "text", max_length=CONTENT_MAX, multiline=True, required=True)
    if not has_permission(actor, "followups.create"):
        from guanxi.core.errors import PermissionDeniedError

        raise PermissionDeniedError(_("You may not log follow-ups."))
    try:
        message_id, _sent = smtp_send(mailbox_smtp(box), Outgoing(to=(contact.email,), subject=subject, text=text))
    except MailServerError as exc:
        raise field_error("text", str(exc)) from exc
    head = _("E-mail to %(to)s: %(subject)s") % {"to": contact.email, "subject": subject}
    follow_up = follow_up_create(actor=actor, customer=customer, data={
        "method": FollowUp.Method.EMAIL, "contact": contact, "content": f"{head}\n\n{text}"[:CONTENT_MAX]})  # fmt: skip
    mail_sent_record(mailbox=box.poll_key, message_id=message_id, to=(contact.email,), subject=subject,
                     sender=box.address, in_reply_to="", filed_as=f"{FILED_PREFIX}{follow_up.pk}")  # fmt: skip
    return follow_up
