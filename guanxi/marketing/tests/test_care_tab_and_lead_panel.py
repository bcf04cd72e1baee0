"""The customer 360 page's Care tab (greetings sent and coming up to the customer's contacts, VIP care, event
registrations and attendance, with counts and links, in the reader's scope) and the lead page's Campaign panel
(the campaign or event a lead came from, and the campaigns its deal is attributed to)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from guanxi.core.registry import registry
from guanxi.marketing import campaigns, care, events
from guanxi.marketing.leads import campaign_lead_ref, lead_ref_target
from guanxi.marketing.models import Delivery, GreetingSend, Registration
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities.services import opportunity_create
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _tab(user, customer):
    request = RequestFactory().get("/")
    request.user = user
    tab = next(t for t in registry.tabs_for("customers.customer") if t.key == "care")
    return tab.render(request, customer)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cared(people, book):
    """李明 (of a1) was sent a Mid-Autumn greeting, has a birthday in ten days, registered for an event and checked
    in; 王芳 registered and did not come; a stranger registered too."""
    today = timezone.localdate()
    li = book["li"]
    li.birthday = (today + dt.timedelta(days=10)).replace(year=1980)
    li.save(update_fields=["birthday"])
    mid = care.greeting_create(actor=people["marketer"], data={
        "name": "中秋问候", "occasion": "mid_autumn", "channel": "email", "subject": "中秋快乐",
        "body": "{{ name }}"})  # fmt: skip
    care.greeting_create(actor=people["marketer"], data={"name": "生日祝福", "occasion": "birthday", "channel": "sms",
                                                         "body": "{{ name }}，生日快乐"})  # fmt: skip
    GreetingSend.objects.create(greeting=mid, contact=li, occasion="mid_autumn", on=today - dt.timedelta(days=40),
                                address=li.email, status="sent", sent_at=timezone.now())  # fmt: skip
    event = events.event_create(actor=people["marketer"], data={"name": "杭州研讨会", "kind": "seminar",
                                                                 "starts_at": timezone.now()})  # fmt: skip
    came = Registration.objects.create(event=event, code="CARE0001", name="李明", mobile="13800138000")
    events.registration_check_in(actor=people["marketer"], registration=came)
    Registration.objects.create(event=event, code="CARE0002", name="王芳", email="wangfang@hengxin.example")
    Registration.objects.create(event=event, code="CARE0003", name="路人", mobile="13511112222")
    return {"event": event, "greeting": mid}


def test_the_care_tab_counts_and_links_the_customers_care(people, book, cared):
    count, html = _tab(people["marketer"], book["a1"])
    care_ = html.split('id="care-figures"')[1]
    # sent 1; planned: the birthday in ten days (a birthday greeting is active); registered 2, attended 1
    assert count == 1 + 1 + 2
    assert "生日祝福" in html and "中秋问候" in html and "杭州研讨会" in html and "路人" not in html
    assert reverse("marketing:event_detail", args=[cared["event"].pk]) in html
    assert reverse("marketing:greeting_edit", args=[cared["greeting"].pk]) in html  # the marketer edits greetings
    figures = [int(part.split("</div>")[0]) for part in care_.split('class="h3 mb-0">')[1:5]]
    assert figures == [1, 1, 2, 1]


def test_the_care_tab_reads_within_the_readers_scope(people, book, cared):
    # the owner's rep reads it, without the links to edit greetings
    _count, html = _tab(people["east_rep"], book["a1"])
    assert "杭州研讨会" in html and reverse("marketing:greeting_edit", args=[cared["greeting"].pk]) not in html
    # a rep whose scope holds none of these contacts sees none of it
    count, html = _tab(people["west_rep"], book["a1"])
    assert not count and "李明" not in html and "杭州研讨会" not in html
    # without marketing.view: no care at all
    outsider = UserFactory(username="outsider", department=people.hq, roles=[])
    count, html = _tab(outsider, book["a1"])
    assert not count and "杭州研讨会" not in html
    # and on the 360 page itself
    page = _client(people["east_rep"]).get(reverse("customers:detail", args=[book["a1"].pk]))
    assert page.status_code == 200 and "杭州研讨会" in page.content.decode()


def test_the_lead_page_shows_its_campaign_and_the_deals_attribution(people, book):
    campaign = campaigns.campaign_create(actor=people["marketer"], data={"name": "2026秋季新品发布"})
    lead = LeadFactory(referral=campaign_lead_ref(campaign), owner=people["east_rep"], status="assigned")
    assert lead_ref_target(lead.referral) == ("c", campaign.pk) and lead_ref_target("c1:forged") is None
    page = _client(people["east_rep"]).get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()
    assert 'id="panel-campaign"' in page and "2026秋季新品发布" in page
    assert reverse("marketing:campaign_detail", args=[campaign.pk]) in page
    # converted into a deal of a1 opened after the campaign reached 李明: first and last touch are shown
    Delivery.objects.create(campaign=campaign, contact=book["li"], address="x", status="sent",
                            sent_at=timezone.now() - dt.timedelta(days=5))  # fmt: skip
    opp = opportunity_create(actor=people["east_rep"], customer=book["a1"],
                             data={"name": "物流系统", "amount": "50000"})  # fmt: skip
    type(lead).objects.filter(pk=lead.pk).update(status="converted", converted_opportunity=opp)
    page = _client(people["east_rep"]).get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()
    panel = page.split('id="panel-campaign"')[1].split('id="panel-')[0]
    assert panel.count(reverse("marketing:campaign_detail", args=[campaign.pk])) == 3 and "物流系统" in panel
    assert Opportunity.objects.filter(pk=opp.pk).exists()


def test_a_lead_from_no_campaign_has_no_panel(people):
    lead = LeadFactory(owner=people["east_rep"], status="assigned", referral="partner-42")
    page = _client(people["east_rep"]).get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()
    assert 'id="panel-campaign"' not in page
