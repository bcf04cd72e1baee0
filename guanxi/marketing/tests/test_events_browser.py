"""In a real browser: a visitor registers for a seminar through its public form (no sign-in) on a phone-sized
screen and sees their check-in code; the code arrives by SMTP; at the door the marketer types it on the event page
and the visitor is checked in, counted, and made a lead of the seminar's campaign."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.marketing import campaigns, events
from guanxi.marketing.leads import campaign_lead_ref
from guanxi.marketing.models import Registration
from guanxi.sales.models import Lead

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_public_registration_then_check_in_by_the_emailed_code(page, people, smtp_server):
    campaign = campaigns.campaign_create(actor=people["marketer"], data={"name": "秋季新品推广"})
    event = events.event_create(actor=people["marketer"], data={
        "name": "上海新品研讨会", "kind": "seminar", "campaign": campaign.pk, "venue": "上海国际会议中心",
        "starts_at": timezone.now() + dt.timedelta(days=3)})  # fmt: skip
    # a visitor on a phone opens the public form and registers
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/marketing/e/{events.event_form_token(event)}/")
    expect(page.locator("h1")).to_have_text("上海新品研讨会")
    page.get_by_label("您的姓名").fill("周杰")
    page.get_by_label("企业").fill("杭州云栖科技")
    page.get_by_label("邮箱", exact=True).fill("zhoujie@yunqi.example")
    page.locator("#register-send").click()
    code = page.locator("#check-in-code")
    expect(code).to_have_text(re.compile(r"^[A-Z2-9]{8}$"))
    registration = Registration.objects.get()
    assert code.inner_text() == registration.code
    # the confirmation e-mail carries the same code
    [mail] = smtp_server.messages
    assert registration.code in mail.get_body(("plain",)).get_content()
    # at the door, the marketer types the code on the event page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "marketer")
    page.goto(f"{page.base_url}/marketing/events/{event.pk}/")
    page.locator("#check-in-code").fill(registration.code.lower())
    page.locator("#check-in-send").click()
    expect(page.locator("#figure-attended")).to_have_text("1")
    expect(page.get_by_role("alert").first).to_contain_text("周杰")  # the confirmation names them
    registration.refresh_from_db()
    assert registration.status == "attended"
    assert Lead.objects.get().referral == campaign_lead_ref(campaign)


def test_the_registration_list_masks_personal_data_for_a_reader_without_the_right(page, people):
    """The marketer reads numbers and addresses in full; the executive (marketing read and export, not personal data)
    reads them masked, on a wide screen and on a phone. GUANXI_SCREENSHOTS=<dir> keeps the pictures."""
    import os

    event = events.event_create(actor=people["marketer"], data={
        "name": "成都渠道大会", "kind": "exhibition", "venue": "成都世纪城",
        "starts_at": timezone.now() + dt.timedelta(days=3)})  # fmt: skip
    events.registration_submit(event=event, data={"name": "周杰", "company": "杭州云栖科技", "mobile": "13812345678",
                                                  "email": "zhoujie@yunqi.example"})  # fmt: skip
    events.registration_submit(event=event, data={"name": "韩梅梅", "mobile": "13500135000"})
    shots = os.environ.get("GUANXI_SCREENSHOTS", "")
    for user, shown in (("marketer", "13812345678"), ("executive", "138****5678")):
        sign_in(page, user)
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
            page.goto(f"{page.base_url}/marketing/events/registrations/?event={event.pk}")
            expect(page.locator("main")).to_contain_text("周杰")
            if width > 400:
                expect(page.locator("main")).to_contain_text(shown)
            if shots:
                page.screenshot(path=f"{shots}/registrations-{user}-{width}.png", full_page=True)
        if user == "executive":
            assert "13812345678" not in page.content() and "zhoujie@yunqi.example" not in page.content()
