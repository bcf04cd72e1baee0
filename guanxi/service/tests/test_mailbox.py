"""The service mailbox against a real IMAP server (dovecot on loopback) and a real SMTP server (aiosmtpd): mail
becomes a ticket exactly once however often the mailbox is read, an answer carrying the ticket number (or
answering our reply) lands on the same ticket with its attachments, and a reply from the ticket page reaches the
customer threaded on their message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.mail.models import MailboxState, MailMessage
from guanxi.core.mail.poll import mailboxes_poll
from guanxi.core.models import AuditLog
from guanxi.service import mailbox
from guanxi.service.models import Ticket, TicketEvent

from .factories import make_ticket

pytestmark = pytest.mark.django_db

FIRST = """\
From: 李明 <LiMing@hengxin.example>
To: service@guanxi.example
Subject: 叉车无法启动
Message-ID: <first-1@hengxin.example>
Date: Sun, 06 Dec 2026 09:00:00 +0800
Content-Type: text/plain; charset=utf-8

您好，我们的叉车今天早上无法启动，请派人来看看。
"""


def _answer(ticket: Ticket, *, message_id: str, extra: str = "", subject: str | None = None) -> str:
    subject = subject if subject is not None else f"Re: [{ticket.number}] 叉车无法启动"
    return (
        f"From: liming@hengxin.example\nTo: service@guanxi.example\nSubject: {subject}\n"
        f"Message-ID: {message_id}\n{extra}MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b1"\n\n'
        "--b1\nContent-Type: text/html; charset=utf-8\n\n<p>照片见<b>附件</b></p><script>x()</script>\n"
        '--b1\nContent-Type: image/png\nContent-Disposition: attachment; filename="照片.png"\n'
        "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b1--\n"
    )


def test_a_message_becomes_one_ticket_however_often_the_mailbox_is_read(imap_server, service_box, customer):
    imap_server.deliver(service_box, FIRST)
    first = mailboxes_poll()
    second = mailboxes_poll()
    assert first["service"]["filed"] == 1 and second["service"] == {"filed": 0, "unfiled": 0, "skipped": 0, "failed": 0}
    ticket = Ticket.objects.get()
    assert ticket.customer == customer and ticket.channel == "email" and ticket.contact.name == "李明"
    assert ticket.subject == "叉车无法启动" and "无法启动" in ticket.description
    row = MailMessage.objects.get(mailbox="service")
    assert row.filed_as == f"service.ticket:{ticket.pk}" and row.message_id == "<first-1@hengxin.example>"
    # The folder recreated (new UIDVALIDITY: every UID is new again): the Message-ID still keeps it single.
    MailboxState.objects.filter(key="service").update(uidvalidity=1, last_uid=0)
    assert mailboxes_poll()["service"]["skipped"] == 1 and Ticket.objects.count() == 1


def test_an_answer_with_the_ticket_number_is_appended_with_its_attachment(imap_server, service_box, people, customer):
    ticket = make_ticket(people["east_rep"], customer)
    imap_server.deliver(service_box, _answer(ticket, message_id="<answer-1@hengxin.example>"))
    assert mailboxes_poll()["service"]["filed"] == 1
    assert Ticket.objects.count() == 1
    event = ticket.events.get(kind=TicketEvent.Kind.EMAIL_IN)
    assert "照片见附件" in event.text and "x()" not in event.text and "liming@hengxin.example" in event.text
    assert [a.name for a in ticket.attachments.all()] == ["照片.png"]
    assert AuditLog.objects.filter(object_id=str(ticket.pk), changes__has_key="email_in").exists()


def test_a_message_from_an_unknown_address_is_kept_unfiled(imap_server, service_box, customer):
    imap_server.deliver(service_box, FIRST.replace("LiMing@hengxin.example", "someone@else.example"))
    assert mailboxes_poll()["service"]["unfiled"] == 1
    assert not Ticket.objects.exists()
    assert mailbox.service_mailbox_status()["unfiled"] == 1


def test_a_reply_from_the_ticket_is_threaded_and_the_answer_comes_back(
    client, imap_server, service_box, smtp_server, people, customer
):
    imap_server.deliver(service_box, FIRST)
    mailboxes_poll()
    ticket = Ticket.objects.get()
    client.force_login(people["agent"])
    url = reverse("service:ticket_email", args=[ticket.pk])
    response = client.post(url, {"text": "师傅下午两点到。"})
    assert response.status_code == 302
    sent = smtp_server.messages[-1]
    assert sent["In-Reply-To"] == "<first-1@hengxin.example>"
    assert ticket.number in sent["Subject"] and sent["To"] == "liming@hengxin.example"
    assert sent["From"] == service_box.username and "师傅下午两点到" in sent.get_content()
    assert ticket.events.filter(kind=TicketEvent.Kind.EMAIL_OUT).count() == 1
    # The customer answers our reply without the number in the subject: In-Reply-To threads it onto the ticket.
    answer = _answer(ticket, message_id="<answer-2@hengxin.example>", subject="Re: 好的",
                     extra=f"In-Reply-To: {sent['Message-ID']}\n")  # fmt: skip
    imap_server.deliver(service_box, answer)
    assert mailboxes_poll()["service"]["filed"] == 1
    assert Ticket.objects.count() == 1 and ticket.events.filter(kind=TicketEvent.Kind.EMAIL_IN).count() == 1
    # The second reply answers the customer's newest message and carries the whole thread.
    client.post(url, {"text": "收到照片。"})
    again = smtp_server.messages[-1]
    assert again["In-Reply-To"] == "<answer-2@hengxin.example>"
    assert "<first-1@hengxin.example>" in again["References"] and sent["Message-ID"] in again["References"]


def test_a_reply_needs_text_and_edit_rights(client, service_box, smtp_server, people, customer):
    ticket = make_ticket(people["east_rep"], customer)
    client.force_login(people["agent"])
    response = client.post(reverse("service:ticket_email", args=[ticket.pk]), {"text": ""}, follow=True)
    assert response.status_code == 200 and not smtp_server.messages
    client.force_login(people["west_rep"])
    response = client.post(reverse("service:ticket_email", args=[ticket.pk]), {"text": "hello"})
    assert response.status_code in (403, 404) and not smtp_server.messages
    assert not ticket.events.filter(kind=TicketEvent.Kind.EMAIL_OUT).exists()


def test_a_wrong_password_is_kept_as_the_mailbox_error(imap_server, service_box, settings, client, people):
    settings.GUANXI_SERVICE_IMAP_PASSWORD = "wrong"
    assert mailboxes_poll()["service"]["failed"] == 1
    state = MailboxState.objects.get(key="service")
    assert "password" in state.last_error and state.error_at is not None
    client.force_login(people["admin"])
    page = client.get(reverse("service:settings"))
    assert page.status_code == 200 and "password" in page.content.decode()
