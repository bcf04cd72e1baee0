"""A user's own mailbox against a real IMAP server (dovecot on loopback): connecting it tries the login first (a
wrong password is an error on the page, not a 500), the password is stored encrypted, and the mail exchanged with
a contact becomes one e-mail follow-up on the customer's timeline, however often and from however many colleagues'
mailboxes it is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guanxi.core.mail.models import MailboxState
from guanxi.core.mail.poll import mailboxes_poll
from guanxi.core.models import AuditLog
from guanxi.customers.models import FollowUp
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.mailboxes.models import UserMailbox

pytestmark = pytest.mark.django_db

MESSAGE = """\
From: 李明 <liming@hengxin.example>
To: {to}
Subject: 报价确认
Message-ID: <quote-ok@hengxin.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

报价没问题，下周签合同。
--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename="盖章报价单.pdf"

%PDF-1.4
--b1--
"""


def _form(account: Any, **overrides: Any) -> dict[str, Any]:
    return {"address": account.username, "imap_host": account.host, "imap_port": account.port,
            "imap_security": "none", "imap_username": account.username, "imap_password": account.password,
            "imap_folder": "INBOX", "smtp_host": "127.0.0.1", "smtp_port": 25, "smtp_security": "none",
            "is_active": "on", **overrides}  # fmt: skip


@pytest.fixture
def customer(org: Any) -> Any:
    customer = CustomerFactory(name="北京恒信物流有限公司", owner=org["east_rep"])
    ContactFactory(customer=customer, name="李明", email="liming@hengxin.example")
    return customer


def test_a_wrong_password_is_an_error_on_the_page(client, imap_server, org):
    account = imap_server.add_user("rep")
    client.force_login(org["east_rep"])
    page = client.post(reverse("org:mailbox_settings"), _form(account, imap_password="wrong"))
    assert page.status_code == 400 and "password" in page.content.decode()
    assert not UserMailbox.objects.exists()


def test_connecting_stores_the_password_encrypted_and_is_audited(client, imap_server, org):
    account = imap_server.add_user("rep")
    client.force_login(org["east_rep"])
    assert client.post(reverse("org:mailbox_settings"), _form(account)).status_code == 302
    mailbox = UserMailbox.objects.get(user=org["east_rep"])
    assert mailbox.imap_password.startswith("fernet:") and account.password not in mailbox.imap_password
    audit = AuditLog.objects.get(object_id=str(mailbox.pk), action="create")
    assert account.password not in str(audit.changes)
    # Saving again without a password keeps the stored one.
    assert client.post(reverse("org:mailbox_settings"), _form(account, imap_password="", imap_folder="INBOX"))\
        .status_code == 302  # fmt: skip
    assert UserMailbox.objects.get(pk=mailbox.pk).imap_password == mailbox.imap_password
    assert client.get(reverse("org:mailbox_settings")).status_code == 200


def test_mail_with_a_contact_becomes_one_follow_up(client, imap_server, org, customer):
    rep, colleague = org["east_rep"], org["east_manager"]
    accounts = {}
    for user in (rep, colleague):
        accounts[user.pk] = imap_server.add_user(user.username)
        client.force_login(user)
        assert client.post(reverse("org:mailbox_settings"), _form(accounts[user.pk])).status_code == 302
    for account in accounts.values():
        imap_server.deliver(account, MESSAGE.format(to=account.username))
    mailboxes_poll()
    mailboxes_poll()
    follow_up = FollowUp.objects.get(customer=customer)
    assert follow_up.method == "email" and follow_up.contact.name == "李明"
    assert "下周签合同" in follow_up.content and "报价确认" in follow_up.content
    assert [a.name for a in follow_up.attachments.all()] == ["盖章报价单.pdf"]
    assert MailboxState.objects.get(key=f"user:{rep.pk}").last_error == ""


def test_the_admin_list_shows_every_mailbox(client, imap_server, org):
    account = imap_server.add_user("rep")
    client.force_login(org["east_rep"])
    client.post(reverse("org:mailbox_settings"), _form(account))
    client.force_login(org["admin"])
    page = client.get(reverse("org:mailbox_list"))
    assert page.status_code == 200 and account.username in page.content.decode()
    client.force_login(org["east_rep"])
    assert client.get(reverse("org:mailbox_list")).status_code == 403


def test_sending_from_the_customer_page_goes_through_the_users_smtp_and_is_filed(
    client, imap_server, smtp_server, org, customer
):
    account = imap_server.add_user("rep")
    client.force_login(org["east_rep"])
    client.post(reverse("org:mailbox_settings"), _form(account, smtp_host=smtp_server.host, smtp_port=smtp_server.port))
    contact = customer.contacts.get()
    url = reverse("customers:email", args=[customer.pk])
    assert client.get(url).status_code == 200
    page = client.post(url, {"to": contact.pk, "subject": "", "text": "您好"})
    assert page.status_code == 400 and not smtp_server.messages
    response = client.post(url, {"to": contact.pk, "subject": "合同草稿", "text": "请查收合同草稿。"})
    assert response.status_code == 302
    sent = smtp_server.messages[-1]
    assert sent["To"] == "liming@hengxin.example" and account.username in sent["From"]
    follow_up = FollowUp.objects.get(customer=customer)
    assert follow_up.method == "email" and "合同草稿" in follow_up.content and follow_up.author == org["east_rep"]
    # Someone outside the customer's scope may not send in its name.
    client.force_login(org["west_rep"])
    assert client.post(url, {"to": contact.pk, "subject": "x", "text": "y"}).status_code in (403, 404)
    assert len(smtp_server.messages) == 1
