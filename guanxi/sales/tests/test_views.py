"""Lead pages: filters, the detail page and its actions, the forms and the rules admin; permissions (403/404) and bad
input (never a 500). The list's tabs, bulk bar and cells: test_lists.py."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.models import Notification
from guanxi.customers.models import Customer
from guanxi.sales.models import Lead, LeadAssignmentRule
from guanxi.sales.tests.factories import LeadFactory, RuleFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- list ------------------------------------------------------------------------------------
def test_filters_and_search(org):
    LeadFactory(company_name="广州甲公司", province="广东省", source=Lead.Source.EXHIBITION, status=Lead.Status.VALID)
    LeadFactory(company_name="杭州乙公司", province="浙江省", source=Lead.Source.PHONE, status=Lead.Status.VALID)
    client = client_for(org["east_manager"])
    html = client.get("/sales/leads/?scene=all&province=广东省").content.decode()
    assert "广州甲公司" in html and "杭州乙公司" not in html
    html = client.get("/sales/leads/?scene=all&source=phone").content.decode()
    assert "杭州乙公司" in html and "广州甲公司" not in html
    html = client.get("/sales/leads/?scene=all&q=hzy").content.decode()  # pinyin initials
    assert "杭州乙公司" in html and "广州甲公司" not in html


@pytest.mark.parametrize(
    "query",
    [
        "created_after=2024-13-45",
        "status=bogus",
        "owner=abc",
        "owner=99999999999999999999999",
        "queue=nope",
        "page=-3",
        "sort=%00",
        "q=" + "x" * 500,
    ],
)
def test_bad_filters_never_break_the_page(org, query):
    response = client_for(org["east_manager"]).get(f"/sales/leads/?{query}")
    assert response.status_code == 200


def test_nobody_gets_403_and_anonymous_goes_to_login(org):
    assert client_for(org["nobody"]).get("/sales/leads/").status_code == 403
    response = Client().get("/sales/leads/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- detail and actions ----------------------------------------------------------------------
def test_detail_is_404_out_of_reach_and_shows_history(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED, company_name="详情公司")
    assert client_for(org["east_rep2"]).get(f"/sales/leads/{lead.pk}/").status_code == 404
    assert client_for(org["east_rep"]).get("/sales/leads/99999999999999999999/").status_code == 404
    client_for(org["east_rep"]).post(f"/sales/leads/{lead.pk}/follow/")
    response = client_for(org["east_rep"]).get(f"/sales/leads/{lead.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "详情公司" in html and "Follow-up started" in html
    # and the history names the changed field by its label and the values by their choice labels
    history = html.split('class="gx-timeline', 1)[1]
    assert "<code>" not in history and "Status: Assigned → Following" in history


def test_screen_then_assign_from_the_detail_page(org):
    lead = LeadFactory()
    client = client_for(org["east_assistant"])
    response = client.post(f"/sales/leads/{lead.pk}/screen/", {"valid": "0", "reason": ""})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW  # refused: invalid needs a reason
    client.post(f"/sales/leads/{lead.pk}/screen/", {"valid": "1"})
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.VALID
    client.post(f"/sales/leads/{lead.pk}/assign/", {"assignee": org["east_rep"].pk})
    lead.refresh_from_db()
    assert lead.owner == org["east_rep"] and lead.status == Lead.Status.ASSIGNED
    assert Notification.objects.filter(recipient=org["east_rep"]).exists()


def test_a_rep_posting_actions_is_refused_and_nothing_changes(org):
    free = LeadFactory()
    mine = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    client = client_for(org["east_rep"])
    assert client.post(f"/sales/leads/{free.pk}/screen/", {"valid": "1"}).status_code == 403
    assert client.post(f"/sales/leads/{mine.pk}/assign/", {"assignee": org["east_rep2"].pk}).status_code in (302, 403)
    response = client.post(
        reverse("lists:bulk", args=["leads", "assign"]), {"ids": [free.pk, mine.pk], "assignee": org["east_rep2"].pk}
    )
    assert response.status_code == 403
    assert client.post("/sales/leads/assign-by-rules/").status_code == 403
    assert Lead.objects.get(pk=free.pk).status == Lead.Status.NEW
    mine.refresh_from_db()
    assert mine.owner == org["east_rep"] and mine.version == 1
    assert not Notification.objects.exists()


def test_assign_by_rules_button(org):
    RuleFactory(target_user=org["east_rep"])
    lead = LeadFactory()
    response = client_for(org["east_assistant"]).post("/sales/leads/assign-by-rules/", follow=True)
    assert "Rules assigned 1 lead(s)" in " ".join(str(m) for m in response.context["messages"])
    assert Lead.objects.get(pk=lead.pk).owner == org["east_rep"]


def test_lose_needs_a_reason_on_the_page(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    client = client_for(org["east_rep"])
    response = client.post(f"/sales/leads/{lead.pk}/lose/", {"reason": ""}, follow=True)
    assert "Give a reason" in " ".join(str(m) for m in response.context["messages"])
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.FOLLOWING
    client.post(f"/sales/leads/{lead.pk}/lose/", {"reason": "已选竞品"})
    assert Lead.objects.get(pk=lead.pk).lost_reason == "已选竞品"


# --- forms -----------------------------------------------------------------------------------
def test_create_form_saves_and_shows_field_errors(org):
    client = client_for(org["east_assistant"])
    assert client.get("/sales/leads/new/").status_code == 200
    response = client.post("/sales/leads/new/", {"source": "phone", "email": "x"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "email" in errors
    response = client.post("/sales/leads/new/", {"source": "phone", "company_name": "无人", "need": "x"})
    assert response.status_code == 400 and "mobile" in response.context["form"].errors
    response = client.post(
        "/sales/leads/new/",
        {"source": "exhibition", "company_name": "展会公司", "person_name": "刘", "mobile": "13700000000"},
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/leads/{lead.pk}/"
    assert lead.source == "exhibition" and lead.created_by == org["east_assistant"]


def test_create_form_with_owner_outside_reach_is_a_field_error(org):
    response = client_for(org["east_assistant"]).post(
        "/sales/leads/new/",
        {"source": "phone", "person_name": "刘", "mobile": "13700000000", "owner": org["west_rep"].pk},
    )
    assert response.status_code == 400 and "owner" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_a_rep_cannot_open_the_create_form(org):
    assert client_for(org["east_rep"]).get("/sales/leads/new/").status_code == 403


def test_edit_form_refuses_a_stale_version(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED, company_name="旧名")
    client = client_for(org["east_rep"])
    data = {"company_name": "新名", "source": "phone", "mobile": lead.mobile, "version": "1"}
    assert client.post(f"/sales/leads/{lead.pk}/edit/", data).status_code == 302
    response = client.post(f"/sales/leads/{lead.pk}/edit/", {**data, "company_name": "再改"})
    assert response.status_code == 412
    assert Lead.objects.get(pk=lead.pk).company_name == "新名"


def test_convert_page_creates_the_customer_and_opens_it(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING, company_name="转化公司")
    client = client_for(org["east_rep"])
    page = client.get(f"/sales/leads/{lead.pk}/convert/")
    assert page.status_code == 200 and page.context["form"].initial["name"] == "转化公司"
    response = client.post(
        f"/sales/leads/{lead.pk}/convert/",
        {"name": "转化公司", "create_opportunity": "on", "opportunity_name": "首单", "amount": "5000"},
    )
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert Lead.objects.get(pk=lead.pk).converted_customer == customer
    # and the lead page links what it became, and offers no more actions
    html = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert f'href="/customers/{customer.pk}/"' in html and "首单" in html
    assert f"/sales/leads/{lead.pk}/convert/" not in html and f"/sales/leads/{lead.pk}/edit/" not in html


def test_convert_page_shows_customer_errors_on_the_fields(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    response = client_for(org["east_rep"]).post(
        f"/sales/leads/{lead.pk}/convert/", {"name": "某公司", "credit_code": "91350100M000100Y44"}
    )
    assert response.status_code == 400 and "credit_code" in response.context["form"].errors
    assert not Customer.objects.exists() and Lead.objects.get(pk=lead.pk).status == Lead.Status.FOLLOWING


# --- assignment rules admin ------------------------------------------------------------------
def test_rules_admin_list_create_edit_move(org):
    client = client_for(org["east_assistant"])
    assert client.get("/sales/lead-rules/").status_code == 200
    response = client.post(
        "/sales/lead-rules/new/",
        {
            "name": "广东展会",
            "is_active": "on",
            "provinces": "广东, 广西",
            "sources": ["exhibition"],
            "target_department": org.east.pk,
            "distribution": "least_loaded",
            "max_open_leads": "20",
        },
    )
    assert response.status_code == 302
    rule = LeadAssignmentRule.objects.get()
    assert rule.provinces == ["广东", "广西"] and rule.sources == ["exhibition"] and rule.max_open_leads == 20
    second = RuleFactory(name="其他", target_user=org["east_rep"])
    client.post(f"/sales/lead-rules/{second.pk}/move/", {"direction": "up"})
    assert list(LeadAssignmentRule.objects.values_list("name", flat=True)) == ["其他", "广东展会"]
    rule.refresh_from_db()
    edit = {"name": "广东展会", "distribution": "round_robin", "version": str(rule.version)}
    # both a user and a team: refused on the fields
    response = client.post(
        f"/sales/lead-rules/{rule.pk}/edit/",
        {**edit, "target_user": org["east_rep"].pk, "target_department": org.east.pk},
    )
    assert response.status_code == 400 and "target_user" in response.context["form"].errors
    # a stale version: refused
    response = client.post(
        f"/sales/lead-rules/{rule.pk}/edit/", {**edit, "target_department": org.east.pk, "version": "1"}
    )
    assert response.status_code == 400 and LeadAssignmentRule.objects.get(pk=rule.pk).distribution == "least_loaded"
    response = client.post(f"/sales/lead-rules/{rule.pk}/edit/", {**edit, "target_department": org.east.pk})
    assert response.status_code == 302, response.context["form"].errors
    assert LeadAssignmentRule.objects.get(pk=rule.pk).distribution == "round_robin"
    html = client.get("/sales/lead-rules/").content.decode()
    assert "广东展会" in html and "Round robin" in html


def test_rules_admin_is_closed_to_reps(org):
    rule = RuleFactory(target_user=org["east_rep"])
    client = client_for(org["east_rep"])
    assert client.get("/sales/lead-rules/").status_code == 403
    assert client.post("/sales/lead-rules/new/", {"name": "x", "target_user": org["east_rep"].pk}).status_code == 403
    assert client.post(f"/sales/lead-rules/{rule.pk}/delete/").status_code == 403
    assert LeadAssignmentRule.objects.count() == 1


def test_navigation_shows_leads_to_who_may_view_them(org):
    html = client_for(org["east_rep"]).get("/sales/leads/").content.decode()
    assert 'href="/sales/leads/"' in html
    from guanxi.core.registry import registry

    item = next(n for n in registry.nav if n.key == "leads")
    assert item.order == 20 and item.permission == "leads.view"
