"""Bounces that arrive as e-mail, read from the bounce mailbox on a real IMAP server (dovecot on loopback): RFC 3464
reports in the shapes Postfix writes them (a hard 5.1.1 with the returned headers, a 4.2.2 delay with the returned
message) and the non-standard bodies of Exim (X-Failed-Recipients) and qmail, matched to the campaign message by
its Message-ID. A hard bounce marks the delivery bounced and suppresses the address; a soft one does not; an
ordinary message is left unfiled; a second poll changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from guanxi.core.mail.models import MailMessage
from guanxi.core.mail.poll import mailboxes_poll
from guanxi.marketing import campaigns, services
from guanxi.marketing.channels.bounces import bounce_parse
from guanxi.marketing.channels.verp import verp_address, verp_delivery_id
from guanxi.marketing.models import Delivery, Suppression

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "bounces"


def sample(name: str, message_id: str = "<original@guanxi.crm>") -> bytes:
    return (SAMPLES / name).read_text().replace("{MESSAGE_ID}", message_id).replace("\n", "\r\n").encode()


def test_a_postfix_dsn_names_the_recipient_the_status_and_the_original_message():
    [report] = bounce_parse(sample("postfix_hard.eml", "<abc@guanxi.crm>"))
    assert report.recipient == "wangfang@hengxin.example" and report.status == "5.1.1" and report.permanent
    assert report.original_message_id == "<abc@guanxi.crm>" and "User unknown" in report.diagnostic


def test_a_delay_notice_is_temporary():
    [report] = bounce_parse(sample("postfix_delayed.eml", "<d@guanxi.crm>"))
    assert report.recipient == "liming@hengxin.example" and report.status == "4.2.2" and not report.permanent
    assert report.original_message_id == "<d@guanxi.crm>"


def test_non_standard_exim_and_qmail_bounces_are_read_from_their_text():
    [exim] = bounce_parse(sample("exim_failed.eml", "<e@guanxi.crm>"))
    assert exim.recipient == "chenjing@tianfu.example" and exim.status == "5.7.1" and exim.permanent
    assert exim.original_message_id == "<e@guanxi.crm>"
    [qmail] = bounce_parse(sample("qmail_failure.eml", "<q@guanxi.crm>"))
    assert qmail.recipient == "zhangsan@qmail.example" and qmail.permanent and qmail.status == "5.1.1"
    assert qmail.original_message_id == "<q@guanxi.crm>"


def test_an_ordinary_message_is_no_bounce():
    raw = b"From: li@hengxin.example\r\nTo: bounces@guanxi.example\r\nSubject: 550 tickets\r\n\r\nRe: 5.1.1 agenda\r\n"
    assert bounce_parse(raw) == []


@pytest.fixture
def bounce_box(imap_server: Any, settings: Any) -> Any:
    account = imap_server.add_user("bounces")
    settings.GUANXI_BOUNCE_IMAP_HOST = account.host
    settings.GUANXI_BOUNCE_IMAP_PORT = account.port
    settings.GUANXI_BOUNCE_IMAP_SECURITY = "none"
    settings.GUANXI_BOUNCE_IMAP_USER = account.username
    settings.GUANXI_BOUNCE_IMAP_PASSWORD = account.password
    settings.GUANXI_SERVICE_IMAP_HOST = ""
    return account


def test_bounces_in_the_mailbox_mark_deliveries_and_suppress_hard_bounced_addresses(
    people, book, smtp_server, imap_server, bounce_box
):
    segment = services.segment_create(actor=people["marketer"], data={"name": "全部", "query": ""})
    data = {"name": "年终答谢", "channel": "email", "segment": segment.pk, "subject": "{{ name }}好", "body": "诚邀"}
    campaign = campaigns.campaign_create(actor=people["marketer"], data=data)
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 3
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk) == 3
    sent = {d.address: d for d in Delivery.objects.filter(campaign=campaign)}
    # the Message-ID each recipient's copy carried is the delivery's provider id
    by_recipient = {m["To"]: m["Message-ID"] for m in smtp_server.messages}
    assert by_recipient["wangfang@hengxin.example"] == sent["wangfang@hengxin.example"].provider_id

    imap_server.deliver(bounce_box, sample("postfix_hard.eml", sent["wangfang@hengxin.example"].provider_id))
    imap_server.deliver(bounce_box, sample("postfix_delayed.eml", sent["liming@hengxin.example"].provider_id))
    imap_server.deliver(bounce_box, sample("exim_failed.eml", sent["chenjing@tianfu.example"].provider_id))
    imap_server.deliver(bounce_box, b"From: li@hengxin.example\r\nSubject: thanks\r\nMessage-ID: <x@y>\r\n\r\nhi\r\n")
    assert mailboxes_poll()["marketing-bounces"] == {"filed": 3, "unfiled": 1, "skipped": 0, "failed": 0}

    rows = {d.address: d for d in Delivery.objects.filter(campaign=campaign)}
    hard = rows["wangfang@hengxin.example"]
    assert hard.status == "bounced" and hard.error.startswith("5.1.1")
    assert rows["chenjing@tianfu.example"].status == "bounced"
    soft = rows["liming@hengxin.example"]
    assert soft.status == "sent" and "4.2.2" in soft.error and "temporary" in soft.error
    suppressed = set(Suppression.objects.filter(channel="email").values_list("address", "reason"))
    assert suppressed == {("wangfang@hengxin.example", "bounced"), ("chenjing@tianfu.example", "bounced")}
    assert campaigns.campaign_stats(campaign)["bounced"] == 2
    filed = dict(MailMessage.objects.filter(mailbox="marketing-bounces").values_list("message_id", "filed_as"))
    assert filed["<x@y>"] == ""
    # a second poll reads nothing new and changes nothing
    assert mailboxes_poll()["marketing-bounces"]["filed"] == 0
    assert Suppression.objects.count() == 2
    # the next campaign leaves the hard-bounced addresses out, the soft one in
    second = campaigns.campaign_create(actor=people["marketer"], data={
        "name": "新春", "channel": "email", "segment": segment.pk, "subject": "您好", "body": "诚邀"})  # fmt: skip
    assert campaigns.campaign_start(actor=people["marketer"], campaign=second) == 1


def _a_level_campaign_sent(people: Any) -> Any:
    """An e-mail campaign to the A-level customers' contacts (李明, 王芳, 赵强 without an address), sent."""
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    campaign = campaigns.campaign_create(actor=people["marketer"], data={
        "name": "回访", "channel": "email", "segment": segment.pk, "subject": "您好", "body": "诚邀"})  # fmt: skip
    campaigns.campaign_start(actor=people["marketer"], campaign=campaign)
    campaigns.campaign_send_batch(campaign_id=campaign.pk)
    return campaign


def test_a_bounce_without_the_original_headers_is_matched_by_its_recipient(people, book, smtp_server, bounce_box,
                                                                          imap_server):  # fmt: skip
    campaign = _a_level_campaign_sent(people)
    raw = sample("postfix_hard.eml", "<not-ours@elsewhere.example>")
    imap_server.deliver(bounce_box, raw)
    mailboxes_poll()
    assert Delivery.objects.get(campaign=campaign, address="wangfang@hengxin.example").status == "bounced"


def test_with_a_bounce_address_each_message_carries_its_verp_and_the_bounce_maps_by_it(
    people, book, smtp_server, imap_server, bounce_box, settings
):
    # given a bounce address: each campaign e-mail's envelope sender names its delivery, the From stays the site's
    settings.GUANXI_BOUNCE_ADDRESS = "bounces@guanxi.example"
    campaign = _a_level_campaign_sent(people)
    rows = {d.address: d for d in Delivery.objects.filter(campaign=campaign)}
    li, wang = rows["liming@hengxin.example"], rows["wangfang@hengxin.example"]
    envelope = dict(zip([m["To"] for m in smtp_server.messages], smtp_server.senders, strict=True))
    assert envelope[li.address] == verp_address(li.pk) and verp_address(li.pk).startswith("bounces+")
    assert envelope[li.address] != envelope[wang.address]
    assert all(m["From"] == settings.DEFAULT_FROM_EMAIL for m in smtp_server.messages)
    assert verp_delivery_id(f"To: {verp_address(li.pk)}\r\n\r\n".encode()) == li.pk

    # when 李明's address forwards to one that does not exist: the report names that one, and no Message-ID
    to_li = sample("postfix_hard.eml", "<not-ours@elsewhere.example>").replace(
        b"To: bounces@guanxi.example", b"To: " + verp_address(li.pk).encode())  # fmt: skip
    # a bounce from a mail system that says nothing we can read, to 王芳's VERP address
    to_wang = (f"From: MAILER-DAEMON@mx.example\r\nTo: {verp_address(wang.pk)}\r\nSubject: failure\r\n"
               "Message-ID: <m1@mx.example>\r\n\r\nSorry.\r\n").encode()  # fmt: skip
    # an out-of-office reply to the VERP address, and a forged VERP address
    auto = (f"From: li@hengxin.example\r\nTo: {verp_address(li.pk)}\r\nSubject: 外出\r\n"
            "Message-ID: <m2@hengxin.example>\r\n\r\n我在休假\r\n").encode()  # fmt: skip
    forged = to_wang.replace(verp_address(wang.pk).encode(), f"bounces+{wang.pk:x}-0123456789abcdef@guanxi.example"
                             .encode()).replace(b"<m1@", b"<m3@")  # fmt: skip
    for raw in (to_li, to_wang, auto, forged):
        imap_server.deliver(bounce_box, raw)
    assert mailboxes_poll()["marketing-bounces"] == {"filed": 2, "unfiled": 2, "skipped": 0, "failed": 0}
    # then both deliveries are bounced by their VERP address alone, whatever the body says
    rows = {d.address: d for d in Delivery.objects.filter(campaign=campaign)}
    assert rows[li.address].status == "bounced" and rows[wang.address].status == "bounced"
    assert set(Suppression.objects.values_list("address", flat=True)) == {li.address, wang.address}


def test_without_a_bounce_address_the_envelope_sender_is_the_from_address(people, book, smtp_server, settings):
    settings.GUANXI_BOUNCE_ADDRESS = ""
    _a_level_campaign_sent(people)
    assert smtp_server.senders and all(f"<{s}>" in settings.DEFAULT_FROM_EMAIL for s in smtp_server.senders)
    assert verp_address(1) == ""
