"""In a real browser, against real mail servers (dovecot IMAP and aiosmtpd SMTP on loopback, as the mail tests use):
a customer's e-mail becomes a ticket; the service manager assigns it on the ticket page; the agent starts and
resolves it; the customer opens the survey link from the e-mail that arrived by SMTP, without signing in, and scores
it; the manager then sees the score on the ticket and the customer's CSAT on the 360 page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.mail.poll import mailboxes_poll
from guanxi.core.tests.browser import choose_option, sign_in
from guanxi.service.models import Ticket
from guanxi.service.surveys.models import Survey

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

MAIL = """\
From: 李明 <liming@hengxin.example>
To: service@guanxi.example
Subject: 叉车液压系统漏油
Message-ID: <browser-1@hengxin.example>
Date: Sun, 06 Dec 2026 09:00:00 +0800
Content-Type: text/plain; charset=utf-8

您好，我们的叉车液压系统漏油，请尽快派人检修。
"""
LINK = re.compile(r"(/service/survey/[^/\s]+/)")


def test_email_to_ticket_to_survey_to_csat(page, imap_server, service_box, smtp_server, people, customer):
    # given the customer's e-mail in the service mailbox, read by the worker's poll: a new, unassigned ticket
    imap_server.deliver(service_box, MAIL)
    assert mailboxes_poll()["service"]["filed"] == 1
    ticket = Ticket.objects.get()
    assert ticket.channel == "email" and ticket.owner is None
    url = f"{page.base_url}/service/tickets/{ticket.pk}/"
    # when the service manager assigns it to the agent on the ticket page
    sign_in(page, "svc_manager")
    page.goto(url)
    expect(page.locator("h2.page-title")).to_have_text("叉车液压系统漏油")
    assign = page.locator(f"form[action='/service/tickets/{ticket.pk}/assign/']")
    choose_option(assign, people["agent"].name)
    with page.expect_navigation():
        assign.locator("button[type=submit]").click()
    ticket.refresh_from_db()
    assert ticket.owner == people["agent"] and ticket.status == Ticket.Status.ASSIGNED
    # and the agent starts and resolves it
    sign_in(page, "agent")
    page.goto(url)
    page.locator("#ticket-start").click()
    page.locator("#resolution").fill("已上门更换液压密封圈，试车正常。")
    page.locator("#ticket-resolve").click()
    expect(page.locator("#ticket-survey")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and ticket.owner == people["agent"]
    # then the survey e-mail reached the customer by SMTP, with a link that opens without signing in
    mail = next(m for m in smtp_server.messages if m["To"] == "liming@hengxin.example")
    link = LINK.search(mail.get_body(preferencelist=("plain",)).get_content())
    assert link is not None
    page.context.clear_cookies()
    page.goto(page.base_url + link.group(1))
    page.locator("label[for=score-5]").click()
    page.locator("#comment").fill("师傅很专业，响应很快。")
    page.locator("#survey-send").click()
    expect(page.locator("body")).to_contain_text("5")
    assert Survey.objects.get(ticket=ticket).score == 5
    # and the manager sees the score on the ticket and the customer's satisfaction on the 360 page
    sign_in(page, "svc_manager")
    page.goto(url)
    expect(page.locator("[data-csat-score]")).to_have_text("5")
    expect(page.locator("#ticket-survey")).to_contain_text("师傅很专业")
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=service")
    expect(page.locator("#customer-csat")).to_contain_text("5")
    # on a phone too
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    expect(page.locator("[data-csat-score]")).to_be_visible()
