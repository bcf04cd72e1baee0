"""A user's Sent folder is filed too, against the real IMAP server (dovecot on loopback): found by its SPECIAL-USE
attribute \\Sent whatever its name, else by a common name (已发送, Sent Messages…); read by UID per folder, so each
poll takes only what is new there; a message is never filed twice, by Message-ID (sent from Guanxi, or copied to
oneself so that it is in the inbox too)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guanxi.core.mail.models import MailboxState, MailMessage
from guanxi.core.mail.poll import mail_sent_record, mailboxes_poll
from guanxi.core.mail.servers import imap_sent_folder, imap_utf7_decode
from guanxi.customers.models import FollowUp
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

SENT = """\
From: {sender}
To: 李明 <liming@hengxin.example>
Subject: {subject}
Message-ID: <{mid}@rep.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

{body}
"""


def _connect(client: Any, imap_server: Any, user: Any) -> Any:
    account = imap_server.add_user(user.username)
    client.force_login(user)
    form = {"address": account.username, "imap_host": account.host, "imap_port": account.port,
            "imap_security": "none", "imap_username": account.username, "imap_password": account.password,
            "imap_folder": "INBOX", "smtp_host": "127.0.0.1", "smtp_port": 25, "smtp_security": "none",
            "is_active": "on"}  # fmt: skip
    assert client.post(reverse("org:mailbox_settings"), form).status_code == 302
    return account


def _sent(account: Any, mid: str, subject: str = "报价单", body: str = "请查收报价单。") -> str:
    return SENT.format(sender=account.username, mid=mid, subject=subject, body=body)


@pytest.fixture
def customer(org: Any) -> Any:
    customer = CustomerFactory(name="北京恒信物流有限公司", owner=org["east_rep"])
    ContactFactory(customer=customer, name="李明", email="liming@hengxin.example")
    return customer


def test_the_folder_marked_sent_is_filed_by_uid_and_only_once(client, imap_server, org, customer):
    rep = org["east_rep"]
    account = _connect(client, imap_server, rep)
    # given a Sent folder the server marks \Sent under a name no list knows
    imap_server.create_folder(account, "Gesendet")
    imap_server.deliver(account, _sent(account, "q1"), folder="Gesendet")
    # when the worker polls twice
    first = mailboxes_poll()[f"user:{rep.pk}"]
    again = mailboxes_poll()[f"user:{rep.pk}"]
    # then the message is one e-mail follow-up to the contact, recorded as sent
    follow_up = FollowUp.objects.get(customer=customer)
    assert follow_up.method == "email" and follow_up.contact.name == "李明" and follow_up.author == rep
    assert "E-mail to liming@hengxin.example" in follow_up.content and "请查收报价单" in follow_up.content
    assert first["filed"] == 1 and again == {"filed": 0, "unfiled": 0, "skipped": 0, "failed": 0}
    assert MailMessage.objects.get(message_id="<q1@rep.example>").direction == MailMessage.Direction.OUT
    state = MailboxState.objects.get(key=f"user:{rep.pk}")
    assert state.folders["Gesendet"][1] == 1 and state.last_error == ""
    # and a later message in the folder is the only one read next time
    imap_server.deliver(account, _sent(account, "q2", subject="合同", body="合同已寄出。"), folder="Gesendet")
    assert mailboxes_poll()[f"user:{rep.pk}"]["filed"] == 1
    assert FollowUp.objects.filter(customer=customer).count() == 2
    assert MailboxState.objects.get(key=f"user:{rep.pk}").folders["Gesendet"][1] == 2


def test_a_common_name_is_found_and_nothing_is_filed_twice(client, imap_server, org, customer):
    rep = org["east_rep"]
    account = _connect(client, imap_server, rep)
    # given a Sent folder named 已发送 (modified UTF-7 on the wire) and no \Sent attribute
    imap_server.create_folder(account, "&XfJT0ZAB-")
    # a message sent from Guanxi (already filed), one copied to oneself (in the inbox too), one sent elsewhere
    mail_sent_record(mailbox=f"user:{rep.pk}", message_id="<from-guanxi@rep.example>", to=("liming@hengxin.example",),
                     subject="已发", sender=account.username, in_reply_to="", filed_as="")  # fmt: skip
    imap_server.deliver(account, _sent(account, "from-guanxi"), folder="&XfJT0ZAB-")
    copied = _sent(account, "copied", subject="抄送自己", body="抄送一份。")
    imap_server.deliver(account, copied)
    imap_server.deliver(account, copied, folder="&XfJT0ZAB-")
    imap_server.deliver(account, _sent(account, "other", subject="发货", body="今天发货。"), folder="&XfJT0ZAB-")
    # when the worker polls
    counts = mailboxes_poll()[f"user:{rep.pk}"]
    # then each message is on the timeline once at most
    contents = sorted(
        f.content.split(":")[1].split("\n")[0].strip() for f in FollowUp.objects.filter(customer=customer)
    )
    assert contents == ["发货", "抄送自己"]
    assert counts == {"filed": 2, "unfiled": 0, "skipped": 2, "failed": 0}
    assert "&XfJT0ZAB-" in MailboxState.objects.get(key=f"user:{rep.pk}").folders


class _Listing:
    def __init__(self, lines: list[Any]) -> None:
        self.lines = lines

    def list(self) -> tuple[str, list[Any]]:
        return "OK", self.lines


@pytest.mark.parametrize(
    ("lines", "found"),
    [
        ([b'(\\HasNoChildren) "/" INBOX', b'(\\HasNoChildren \\Sent) "/" "Outbox 2"'], "Outbox 2"),
        ([b'(\\HasNoChildren) "." INBOX', b'(\\HasNoChildren) "." INBOX.Sent'], "INBOX.Sent"),
        ([b'(\\HasNoChildren) "/" "Sent Messages"'], "Sent Messages"),
        ([b'(\\Noselect \\Sent) "/" "[Gmail]"', b'(\\HasNoChildren) "/" "[Gmail]/Sent Mail"'], "[Gmail]/Sent Mail"),
        ([(b"(\\HasNoChildren) NIL {4}", b"Sent")], "Sent"),
        ([b'(\\HasNoChildren) "/" INBOX', b'(\\HasNoChildren) "/" Drafts'], ""),
    ],
)
def test_which_folder_is_the_sent_folder(lines: list[Any], found: str) -> None:
    assert imap_sent_folder(_Listing(lines)) == found  # type: ignore[arg-type]
    assert imap_utf7_decode("&XfJT0ZAB-") == "已发送" and imap_utf7_decode("A&-B") == "A&B"
