"""The demo company's two finished e-mail campaigns were sent through the real send path and have tracked results:
recipients with the provider's message id, opens, clicks, an unsubscribe honoured by the next campaign, responses
as leads tagged with the campaign and an attributed won deal, shown on the campaign page, the ROI per channel and
the 360 Marketing tab."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from guanxi.approvals.models import ApprovalRequest
from guanxi.core.registry import registry
from guanxi.marketing.attribution import campaign_attribution
from guanxi.marketing.demo_campaigns import LAUNCH, THANKS
from guanxi.marketing.leads import campaign_lead_ref
from guanxi.marketing.models import Campaign, Consent, Delivery
from guanxi.marketing.roi import roi_by_channel
from guanxi.org.models import User
from guanxi.sales.models import Lead, Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[dict[str, Campaign]]:
    """One demo company for the module, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("guanxi_demo", customers=60, seed=11, stdout=StringIO())
        yield {c.name: c for c in Campaign.objects.filter(channel="email", status=Campaign.Status.SENT)}
        transaction.set_rollback(True)


def test_two_finished_email_campaigns_went_through_the_send_path(demo):
    launch, thanks = demo[LAUNCH["name"]], demo[THANKS["name"]]
    for campaign in (launch, thanks):
        sent = campaign.deliveries.filter(status=Delivery.Status.SENT)
        assert sent.count() >= 3 and not sent.filter(provider_id="").exists()
        assert campaign.finished_at and campaign.started_at < campaign.finished_at
        assert sent.filter(opens__gt=0).exists() and sent.filter(clicks__gt=0).exists()
        assert not campaign.deliveries.exclude(status=Delivery.Status.SENT).exists()


def test_an_unsubscribe_from_the_first_is_honoured_by_the_second(demo):
    launch, thanks = demo[LAUNCH["name"]], demo[THANKS["name"]]
    out = Consent.objects.get(channel="email", status="out", source="unsubscribe", note=f"campaign {launch.pk}")
    assert launch.deliveries.filter(contact=out.contact).exists()
    assert out.contact.is_decision_maker and not thanks.deliveries.filter(contact=out.contact).exists()


def test_responses_are_leads_tagged_with_the_campaign_and_a_won_deal_is_attributed(demo):
    launch, thanks = demo[LAUNCH["name"]], demo[THANKS["name"]]
    assert Lead.objects.filter(referral=campaign_lead_ref(launch)).count() >= 1
    assert Lead.objects.filter(referral=campaign_lead_ref(thanks)).count() >= 1
    found = campaign_attribution(launch, opportunities=Opportunity.objects.all())
    assert found.won_first > 0 and found.won_last > 0
    rows, _ = roi_by_channel(user=User.objects.get(username="admin"))
    email = next(r for r in rows if r.channel == "email")
    assert email.won_first >= found.won_first and email.cost >= launch.cost + thanks.cost


def test_the_pages_show_the_figures(demo):
    launch = demo[LAUNCH["name"]]
    client = Client()
    client.force_login(User.objects.get(username="admin"))  # 徐静 (marketing) does not see deals
    page = client.get(reverse("marketing:campaign_detail", args=[launch.pk])).content.decode()
    assert launch.name in page and "168,000" in page
    assert client.get(reverse("marketing:roi") + "?channel=email").status_code == 200
    reached = launch.deliveries.filter(opens__gt=0).select_related("contact").first()
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="xujing")
    tab = next(t for t in registry.tabs_for("customers.customer") if t.key == "marketing")
    _count, html = tab.render(request, reached.contact.customer)
    assert launch.name in html


def test_the_costs_are_a_real_companys_approved_budgets_and_the_return_is_believable(demo):
    launch, thanks = demo[LAUNCH["name"]], demo[THANKS["name"]]
    for campaign in (launch, thanks):  # budgets above the default rule's ¥10,000 went through the approval engine
        assert campaign.budget >= 10_000 and campaign.budget_approval == Campaign.BudgetApproval.APPROVED
        assert 0 < campaign.cost <= campaign.budget
        request = ApprovalRequest.objects.get(kind="campaign_budget", object_id=campaign.pk)
        assert request.status == "approved" and request.decided_at < campaign.started_at  # approved before the send
    rows, _ = roi_by_channel(user=User.objects.get(username="admin"))
    email = next(r for r in rows if r.channel == "email")
    # the same attribution rule (first and last touch, 90 days): a gain, in hundreds of percent, not thousands
    assert 0 < email.roi_first <= 5 and 0 < email.roi_last <= 5
    found = campaign_attribution(launch, opportunities=Opportunity.objects.all())
    assert found.won_first >= 380_000 and 0 < (found.won_first - launch.cost) / launch.cost <= 5
