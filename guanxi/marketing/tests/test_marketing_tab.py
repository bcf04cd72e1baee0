"""The customer 360 page's Marketing tab: per contact, the campaigns received, opens, clicks, responses and loyalty
points (and the API's GET …/contacts/{id}/engagement), read in a fixed number of queries, in the reader's scope."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.registry import registry
from guanxi.customers.tests.factories import ContactFactory
from guanxi.marketing import campaigns
from guanxi.marketing.leads import campaign_lead_ref
from guanxi.marketing.loyalty import ledger, services
from guanxi.marketing.models import Delivery
from guanxi.org.models import Role
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _tab(user, customer):
    request = RequestFactory().get("/")
    request.user = user
    tab = next(t for t in registry.tabs_for("customers.customer") if t.key == "marketing")
    return tab.render(request, customer)


def _figures(html, contact):
    block = html.split(f'data-contact="{contact.pk}"', 1)[1].split("mkt-engagement", 1)[0]
    return dict(re.findall(r'data-figure="(\w+)">(?:<[^>]*>)?([^<]*)', block))


def _sent(campaign, contact, *, opens=0, clicks=0, status="sent"):
    now = timezone.now()
    return Delivery.objects.create(
        campaign=campaign, contact=contact, address="x", status=status, sent_at=now, opens=opens, clicks=clicks,
        opened_at=now if opens else None, clicked_at=now if clicks else None,
    )  # fmt: skip


@pytest.fixture
def engaged(people, book):
    """李明 got two campaigns (opened the first twice and clicked it once), answered the first's form and holds
    120 points; 王芳 got one, never opened it, and a third one bounced."""
    marketer = people["marketer"]
    spring = campaigns.campaign_create(actor=marketer, data={"name": "春季新品"})
    autumn = campaigns.campaign_create(actor=marketer, data={"name": "秋季促销"})
    winter = campaigns.campaign_create(actor=marketer, data={"name": "冬季回馈"})
    _sent(spring, book["li"], opens=2, clicks=1)
    _sent(autumn, book["li"])
    _sent(spring, book["wang"])
    _sent(winter, book["wang"], status="bounced")
    LeadFactory(referral=campaign_lead_ref(spring), email="liming@hengxin.example", owner=people["east_rep"])
    LeadFactory(referral="partner-42", email="liming@hengxin.example", owner=people["east_rep"])  # not a campaign
    member = services.member_enrol(actor=marketer, data={"customer": book["a1"].pk, "contact": book["li"].pk})
    ledger.points_earn(member=member, points=120, source="seed", rule=None)
    return {"spring": spring, "autumn": autumn, "member": member}


def test_each_contact_shows_campaigns_received_opens_clicks_responses_and_points(people, book, engaged):
    _, html = _tab(people["marketer"], book["a1"])
    assert _figures(html, book["li"]) == {"received": "2", "opened": "1", "clicked": "1", "responses": "1",
                                          "points": "120"}  # fmt: skip
    assert _figures(html, book["wang"]) == {"received": "1", "opened": "0", "clicked": "0", "responses": "0",
                                            "points": "—"}  # fmt: skip
    assert "2 opens" in html and "春季新品" in html and "秋季促销" in html and "冬季回馈" in html
    assert f"/marketing/members/{engaged['member'].pk}/" in html


def test_the_tab_reads_a_fixed_number_of_queries_however_many_contacts(people, book, engaged):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            _tab(people["marketer"], book["a1"])
        return len(ctx.captured_queries)

    few = count()
    for i in range(6):
        contact = ContactFactory(customer=book["a1"], email=f"c{i}@hengxin.example", mobile=f"1370000000{i}")
        _sent(engaged["spring"], contact, opens=1)
        LeadFactory(referral=campaign_lead_ref(engaged["spring"]), email=contact.email, owner=people["east_rep"])
    assert count() == few


def test_a_reader_without_marketing_or_leads_sees_consent_only(people, book, engaged):
    role = Role.objects.create(code="contact_reader", name="Contact reader", permissions=["customers.view",
                               "contacts.view"], data_scope="all")  # fmt: skip
    reader = UserFactory(username="contact_reader", department=people.hq)
    reader.roles.set([role])
    _, html = _tab(reader, book["a1"])
    assert "data-figure" not in html and "春季新品" not in html and "李明" in html


def test_the_api_gives_a_contacts_engagement_in_scope(people, book, engaged):
    client = Client()
    client.force_login(people["marketer"])
    body = client.get(f"/api/v1/contacts/{book['li'].pk}/engagement").json()
    assert (body["received"], body["opened"], body["clicked"], body["opens"], body["clicks"]) == (2, 1, 1, 2, 1)
    assert body["responses"] == 1 and body["points"] == 120
    assert [c["campaign_name"] for c in body["latest"]] == ["秋季促销", "春季新品"]
    # out of the west rep's contact scope: 404, as any contact of another's
    west = Client()
    west.force_login(people["west_rep"])
    assert west.get(f"/api/v1/contacts/{book['li'].pk}/engagement").status_code == 404
