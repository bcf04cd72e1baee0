"""A campaign's budget above the threshold an administrator sets (the default rule: ¥10,000 or more) is approved
by the applicant's manager through the approval engine before the campaign starts; a smaller one starts at once;
raising an approved budget asks again; refusals change nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from guanxi.approvals.models import ApprovalRequest, ApprovalRule
from guanxi.approvals.services import approval_approve, approval_reject
from guanxi.core.errors import InvalidStateError, PermissionDeniedError
from guanxi.marketing import budget, campaigns, services
from guanxi.marketing.models import Campaign, Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(people, book):
    marketer = people["marketer"]
    marketer.manager = people["executive"]
    marketer.save(update_fields=["manager"])
    return marketer


def _campaign(marketer, amount: str) -> Campaign:
    segment = services.segment_create(actor=marketer, data={"name": "A", "query": "level=A"})
    data = {"name": "秋季展会邀请", "channel": "email", "segment": segment.pk, "subject": "{{ name }}，您好",
            "body": "诚邀您参加", "budget": amount}  # fmt: skip
    return campaigns.campaign_create(actor=marketer, data=data)


def _request(campaign: Campaign) -> ApprovalRequest:
    return ApprovalRequest.objects.get(kind="campaign_budget", object_id=campaign.pk)


def test_a_small_budget_starts_at_once(marketer):
    campaign = _campaign(marketer, "9999.99")
    assert not budget.budget_needs_approval(campaign)
    assert campaigns.campaign_start(actor=marketer, campaign=campaign) == 2
    assert not ApprovalRequest.objects.filter(kind="campaign_budget").exists()


def test_a_budget_of_ten_thousand_is_approved_by_the_manager_before_the_campaign_starts(marketer, people):
    campaign = _campaign(marketer, "10000")
    # starting first is refused and records nobody
    with pytest.raises(InvalidStateError, match="10,000.00"):
        campaigns.campaign_start(actor=marketer, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == "draft" and not Delivery.objects.filter(campaign=campaign).exists()
    # submitted: the applicant's manager decides
    campaign = budget.budget_submit(actor=marketer, campaign=campaign)
    assert campaign.budget_approval == "pending"
    request = _request(campaign)
    assert request.amount == D("10000") and list(request.steps.get().assignments.values_list("user", flat=True)) \
        == [people["executive"].pk]  # fmt: skip
    # while it waits, the campaign neither starts nor changes its budget
    with pytest.raises(InvalidStateError):
        campaigns.campaign_start(actor=marketer, campaign=campaign)
    with pytest.raises(InvalidStateError):
        campaigns.campaign_update(actor=marketer, campaign=campaign, data={"budget": "8000"})
    campaign.refresh_from_db()
    assert campaign.budget == D("10000") and campaign.status == "draft"
    approval_approve(actor=people["executive"], request=request, comment="同意")
    campaign.refresh_from_db()
    assert (campaign.budget_approval, campaign.approved_budget) == ("approved", D("10000"))
    assert campaigns.campaign_start(actor=marketer, campaign=campaign) == 2


def test_raising_an_approved_budget_asks_again_and_lowering_it_does_not(marketer, people):
    campaign = budget.budget_submit(actor=marketer, campaign=_campaign(marketer, "20000"))
    approval_approve(actor=people["executive"], request=_request(campaign), comment="")
    campaign.refresh_from_db()
    campaign = campaigns.campaign_update(actor=marketer, campaign=campaign, data={"budget": "15000"})
    assert not budget.budget_needs_approval(campaign) and campaign.budget_approval == "approved"
    campaign = campaigns.campaign_update(actor=marketer, campaign=campaign, data={"budget": "25000"})
    assert campaign.budget_approval == "" and budget.budget_needs_approval(campaign)
    with pytest.raises(InvalidStateError):
        campaigns.campaign_start(actor=marketer, campaign=campaign)


def test_a_rejected_budget_keeps_the_campaign_a_draft_that_may_be_submitted_again(marketer, people):
    campaign = budget.budget_submit(actor=marketer, campaign=_campaign(marketer, "50000"))
    approval_reject(actor=people["executive"], request=_request(campaign), comment="预算过高")
    campaign.refresh_from_db()
    assert campaign.budget_approval == "rejected" and campaign.status == "draft"
    with pytest.raises(InvalidStateError):
        campaigns.campaign_start(actor=marketer, campaign=campaign)
    campaign = campaigns.campaign_update(actor=marketer, campaign=campaign, data={"budget": "30000"})
    assert budget.budget_submit(actor=marketer, campaign=campaign).budget_approval == "pending"


def test_the_threshold_is_the_rule_an_administrator_edits(marketer):
    rule = ApprovalRule.objects.get(kind="campaign_budget")
    rule.conditions = [{"fact": "budget", "op": "gte", "value": "50000"}]
    rule.save(update_fields=["conditions"])
    campaign = _campaign(marketer, "20000")
    assert not budget.budget_needs_approval(campaign)
    with pytest.raises(InvalidStateError, match="no approval"):
        budget.budget_submit(actor=marketer, campaign=campaign)
    assert campaigns.campaign_start(actor=marketer, campaign=campaign) == 2


def test_the_page_offers_the_submission_with_its_approver_and_a_reader_may_not_submit(client, marketer, people):
    campaign = _campaign(marketer, "12000")
    client.force_login(marketer)
    page = client.get(reverse("marketing:campaign_detail", args=[campaign.pk])).content.decode()
    assert reverse("marketing:campaign_budget_submit", args=[campaign.pk]) in page
    assert str(people["executive"]) in page  # who approves, before submitting
    assert reverse("marketing:campaign_start", args=[campaign.pk]) not in page
    client.force_login(people["east_rep"])  # reads campaigns (marketing.view), may not edit them
    response = client.post(reverse("marketing:campaign_budget_submit", args=[campaign.pk]))
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.budget_approval == "" and not ApprovalRequest.objects.filter(kind="campaign_budget").exists()
    with pytest.raises(PermissionDeniedError):
        budget.budget_submit(actor=people["east_rep"], campaign=campaign)


def test_the_api_submits_the_budget_and_answers_409_when_no_approval_is_needed(client, marketer):
    client.force_login(marketer)
    big, small = _campaign(marketer, "12000"), _campaign(marketer, "500")
    response = client.post(f"/api/v1/campaigns/{big.pk}/budget-approval")
    assert response.status_code == 200, response.content
    assert response.json()["budget_approval"] == "pending" and response.json()["approved_budget"] is None
    assert client.post(f"/api/v1/campaigns/{big.pk}/budget-approval").status_code == 409
    assert client.post(f"/api/v1/campaigns/{small.pk}/budget-approval").status_code == 409
    small.refresh_from_db()
    assert small.budget_approval == ""
