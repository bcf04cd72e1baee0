"""The shared mail layer: parsing (HTML fallback, attachments, anything at all without raising), secrets encrypted
at rest, and the IMAP / SMTP conversations against real servers on loopback (dovecot, aiosmtpd)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.mail.crypto import SecretUnreadable, is_encrypted, secret_decrypt, secret_encrypt
from guanxi.core.mail.message import html_to_text, message_parse
from guanxi.core.mail.models import MailboxState, MailMessage
from guanxi.core.mail.poll import mailbox_poll
from guanxi.core.mail.servers import (
    ImapServer,
    MailServerError,
    Outgoing,
    SmtpServer,
    imap_check,
    imap_fetch_new,
    smtp_send,
)
from guanxi.core.registry import MailboxHandler

HTML_ONLY = b"""From: "Wang Fang" <Wang.Fang@Example.COM>
To: a@x.example, "B" <b@x.example>
Cc: c@x.example
Subject: =?utf-8?b?5oql5Lu35Y2V?=
Message-ID: <m1@example.com>
In-Reply-To: <m0@guanxi.example>
References: <r1@guanxi.example> <m0@guanxi.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/html; charset=utf-8

<html><head><style>p{}</style></head><body><p>Hello&nbsp;there</p><div>second line</div></body></html>
--b
Content-Type: application/pdf
Content-Disposition: attachment; filename="../quote.pdf"

%PDF-1.4
--b--
"""


def test_a_message_is_parsed_with_its_html_as_text_and_its_attachments():
    msg = message_parse(HTML_ONLY)
    assert msg.sender == "wang.fang@example.com" and msg.sender_name == "Wang Fang"
    assert msg.to == ("a@x.example", "b@x.example") and msg.cc == ("c@x.example",)
    assert msg.subject == "报价单" and msg.message_id == "<m1@example.com>"
    assert msg.text == "Hello\xa0there\nsecond line"
    assert msg.thread_ids == ("<r1@guanxi.example>", "<m0@guanxi.example>")
    assert [(a.name, a.content_type) for a in msg.attachments] == [("quote.pdf", "application/pdf")]


def test_a_message_without_headers_gets_a_stable_id():
    raw = b"just text"
    assert message_parse(raw).message_id == message_parse(raw).message_id
    assert message_parse(raw).sender == "" and message_parse(raw).date is None


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_parsing_never_raises(raw):
    assert message_parse(raw).message_id.startswith("<")


def test_html_to_text_drops_scripts():
    assert html_to_text("<p>a</p><script>alert(1)</script><br>b") == "a\nb"


def test_secrets_are_encrypted_and_keys_rotate(settings):
    settings.GUANXI_ENCRYPTION_KEYS = "old-key"
    stored = secret_encrypt("邮箱密码")
    assert is_encrypted(stored) and "邮箱密码" not in stored and secret_decrypt(stored) == "邮箱密码"
    settings.GUANXI_ENCRYPTION_KEYS = "new-key, old-key"
    assert secret_decrypt(stored) == "邮箱密码"
    settings.GUANXI_ENCRYPTION_KEYS = "new-key"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(stored)
    assert secret_encrypt("") == "" and secret_decrypt("plain-before-encryption") == "plain-before-encryption"


def _server(account: Any, **kwargs: Any) -> ImapServer:
    return ImapServer(host=account.host, port=account.port, username=account.username, password=account.password,
                      security="none", **kwargs)  # fmt: skip


def test_imap_fetches_by_uid_and_names_a_wrong_password(imap_server):
    account = imap_server.add_user()
    imap_server.deliver(account, "Subject: one\nMessage-ID: <1@x>\n\nbody one\n")
    imap_server.deliver(account, "Subject: two\nMessage-ID: <2@x>\n\nbody two\n")
    fetched = list(imap_fetch_new(_server(account), after_uid=0, uidvalidity=0))
    assert [message_parse(f.raw).subject for f in fetched] == ["one", "two"]
    after = list(imap_fetch_new(_server(account), after_uid=fetched[0].uid, uidvalidity=fetched[0].uidvalidity))
    assert [f.uid for f in after] == [fetched[1].uid]
    assert imap_check(_server(account)) == 2
    with pytest.raises(MailServerError) as err:
        imap_check(ImapServer(host=account.host, port=account.port, username=account.username, password="x",
                              security="none"))  # fmt: skip
    assert err.value.field == "password" and "password" in str(err.value)
    with pytest.raises(MailServerError) as err:
        imap_check(_server(account, folder="Nowhere"))
    assert err.value.field == "folder"


def test_smtp_keeps_the_thread(smtp_server):
    server = SmtpServer(host=smtp_server.host, port=smtp_server.port, username="", password="", security="none",
                        from_address="desk@guanxi.example", from_name="客服")  # fmt: skip
    message_id, _msg = smtp_send(server, Outgoing(to=("c@x.example",), subject="Re: 报价", text="您好",
                                                  in_reply_to="<m1@x>", references=("<m0@x>",)))  # fmt: skip
    got = smtp_server.messages[-1]
    assert got["Message-ID"] == message_id and got["In-Reply-To"] == "<m1@x>"
    assert got["References"] == "<m0@x> <m1@x>" and got["Subject"] == "Re: 报价" and "您好" in got.get_content()


@pytest.mark.django_db
def test_a_message_the_handler_fails_on_is_recorded_and_the_next_is_filed(imap_server):
    account = imap_server.add_user()
    imap_server.deliver(account, "From: a@x.example\nSubject: bad\nMessage-ID: <bad@x>\n\nboom\n")
    imap_server.deliver(account, "From: a@x.example\nSubject: good\nMessage-ID: <good@x>\n\nfine\n")

    def file(*, mailbox: str, message: Any) -> str:
        if message.subject == "bad":
            raise ValueError("cannot file this")
        return "test.thing:1"

    handler = MailboxHandler(key="test", mailboxes=lambda: [], file=file)
    assert mailbox_poll(key="t", server=_server(account), handler=handler) == {
        "filed": 1, "unfiled": 0, "skipped": 0, "failed": 1}  # fmt: skip
    assert MailMessage.objects.get(message_id="<bad@x>").error == "ValueError: cannot file this"
    assert MailboxState.objects.get(key="t").last_uid == 2
    assert mailbox_poll(key="t", server=_server(account), handler=handler)["filed"] == 0


def test_a_body_without_a_charset_is_read_as_utf8_or_gb18030():
    assert message_parse("Subject: x\n\n叉车无法启动\n".encode()).text == "叉车无法启动"
    assert message_parse("Subject: x\n\n叉车无法启动\n".encode("gb18030")).text == "叉车无法启动"
