"""A campaign's leads: the enquiry form opened from the campaign's address tags every lead with the campaign's
reference; the campaign page counts its leads and conversions in the reader's lead scope and links the lead
list behind each figure; a reference that is not one is refused by the form, naming nothing a visitor sees."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.marketing import campaigns, services
from guanxi.marketing.leads import campaign_lead_ref
from guanxi.org.lists.testing import render_list, row_ids
from guanxi.sales.models import Lead
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

ENQUIRY = {"person_name": "陈先生", "company_name": "厦门海蓝贸易", "mobile": "13600001111", "need": "想了解展会方案"}


@pytest.fixture
def campaign(people, book):
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    data = {"name": "春季展会", "channel": "email", "segment": segment.pk, "subject": "展会邀请", "body": "诚邀"}
    return campaigns.campaign_create(actor=people["marketer"], data=data)


def _form_path(client: Client, campaign) -> str:
    page = client.get(reverse("marketing:campaign_detail", args=[campaign.pk])).content.decode()
    url = html.unescape(re.search(r'id="campaign-form-url" class="form-control" value="([^"]+)"', page).group(1))
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_an_enquiry_through_the_campaigns_form_is_a_lead_the_campaign_counts(people, campaign):
    marketer = Client()
    marketer.force_login(people["marketer"])
    path = _form_path(marketer, campaign)
    ref = campaign_lead_ref(campaign)
    assert f"ref={ref}".replace(":", "%3A") in path
    # a visitor opens the campaign's form address and sends an enquiry
    visitor = Client()
    form = visitor.get(path).content.decode()
    assert f'name="referral" value="{ref}"' in form
    assert visitor.post("/sales/forms/lead/", {**ENQUIRY, "referral": ref, "website": ""}).status_code == 200
    lead = Lead.objects.get()
    assert lead.referral == ref and lead.source == "website"
    # an enquiry from the plain form is no campaign's
    visitor.post("/sales/forms/lead/", {**ENQUIRY, "mobile": "13600002222", "website": ""})
    # the campaign page counts one lead, none converted yet, each figure a link to its leads
    admin = Client()
    admin.force_login(people["admin"])
    page = admin.get(reverse("marketing:campaign_detail", args=[campaign.pk])).content.decode()
    card = page.split('id="campaign-leads"', 1)[1].split("</div>\n    </div>", 1)[0]
    figures = re.findall(r'<a class="h2 mb-0 d-block" href="([^"]+)">(\d+)</a>', card)
    assert [int(n) for _, n in figures] == [1, 0]
    assert row_ids(render_list(admin, html.unescape(figures[0][0]))) == [lead.pk]
    assert row_ids(render_list(admin, html.unescape(figures[1][0]))) == []


def test_the_figures_are_in_the_readers_lead_scope(people, campaign):
    ref = campaign_lead_ref(campaign)
    LeadFactory(referral=ref, owner=people["west_rep"], status="assigned")
    LeadFactory(referral=ref, owner=people["east_rep"], status="converted")
    rep = Client()
    rep.force_login(people["east_rep"])
    page = rep.get(reverse("marketing:campaign_detail", args=[campaign.pk])).content.decode()
    card = page.split('id="campaign-leads"', 1)[1]
    assert [int(n) for n in re.findall(r'class="h2 mb-0 d-block" href="[^"]+">(\d+)</a>', card)[:2]] == [1, 1]


@pytest.mark.parametrize("bad", ["c1:<script>", "x" * 101, "c 1"])
def test_a_reference_that_is_not_one_is_refused_and_nothing_is_saved(db, bad):
    response = Client().post("/sales/forms/lead/", {**ENQUIRY, "referral": bad, "website": ""})
    assert response.status_code == 400
    assert not Lead.objects.exists()
