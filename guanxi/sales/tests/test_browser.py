"""In a real browser: a lead is screened and assigned by the business side, then converted by the rep
into a customer whose page opens; the list works at phone width."""

from __future__ import annotations

import pytest

from guanxi.core.tests.browser import sign_in
from guanxi.customers.models import Customer
from guanxi.sales.models import Lead
from guanxi.sales.tests.factories import LeadFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_lead_screen_assign_convert_to_customer(page, org):
    lead = LeadFactory(company_name="浏览器测试有限公司", person_name="周敏", mobile="13811112222")
    # the department assistant screens the lead as valid and assigns it to the rep
    sign_in(page, "east_assistant")
    page.goto(page.base_url + f"/sales/leads/{lead.pk}/")
    page.get_by_role("button", name="Valid", exact=True).click()
    page.wait_for_selector("text=Marked valid.")
    page.select_option("select[name=assignee]", str(org["east_rep"].pk))
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_selector("text=Assigned to")
    assert Lead.objects.get(pk=lead.pk).owner == org["east_rep"]
    # the rep finds it under "Mine" and converts it with an opportunity
    sign_in(page, "east_rep")
    page.goto(page.base_url + "/sales/leads/")
    page.get_by_role("link", name="浏览器测试有限公司").click()
    page.get_by_role("link", name="Convert").click()
    page.fill("input[name=opportunity_name]", "首单")
    page.fill("input[name=amount]", "20000")
    page.get_by_role("button", name="Convert").click()
    page.wait_for_url("**/customers/*/")
    customer = Customer.objects.get()
    assert page.url.endswith(f"/customers/{customer.pk}/")
    assert "浏览器测试有限公司" in page.content()
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONVERTED


def test_lead_list_fits_a_phone(page, org):
    for i in range(3):
        LeadFactory(company_name=f"手机宽度公司{i}", province="广东省", industry="制造业")
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "east_assistant")
    page.goto(page.base_url + "/sales/leads/")
    # rows are cards, nothing scrolls sideways, the create button floats
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert page.locator("table.gx-table-cards thead").is_hidden()
    assert page.locator("a.gx-fab").is_visible()
