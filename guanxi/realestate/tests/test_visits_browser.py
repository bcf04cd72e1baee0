"""In a real browser on a phone-sized screen, at the sales office's reception: an agent registers a first-time
visitor (phone, name, source), lands on the visitor's page with the agent and grade, records a follow-up; the same
phone written another way later is recognised as a return visit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.models import FollowUp
from guanxi.realestate.models import ProjectMember, Visitor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_registering_a_first_and_a_return_visit_on_a_phone(page, org, project):
    ProjectMember.objects.filter(project=project, user=org["east_rep"]).update(rotation_order=1)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "east_rep")
    page.goto(f"{page.base_url}/realestate/visits/new/")
    page.locator("#v-phone").fill("138 0013 8000")
    page.locator("#v-name").fill("李雷")
    page.locator("#v-source").select_option("referral")
    with page.expect_navigation():
        page.locator("#v-submit").click()
    expect(page.locator("h2.page-title")).to_contain_text("李雷")
    expect(page.locator(".alert-success")).to_contain_text("李雷")
    visitor = Visitor.objects.get()
    assert visitor.agent == org["east_rep"] and visitor.source == "referral" and visitor.grade == "C"
    page.locator("#fu-content").fill("电话回访，周末带家人复看")
    with page.expect_navigation():
        page.locator("#fu-submit").click()
    assert FollowUp.objects.get().customer == visitor.customer
    # the same person again, the phone written with the country code
    page.goto(f"{page.base_url}/realestate/visits/new/")
    page.locator("#v-phone").fill("+86 13800138000")
    with page.expect_navigation():
        page.locator("#v-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("2")
    visitor.refresh_from_db()
    assert visitor.visit_count == 2 and Visitor.objects.count() == 1
