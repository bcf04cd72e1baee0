"""A campaign's budget approval (预算审批): when an approval rule of the kind "campaign_budget" applies to the
campaign's facts (the default rule: a budget of ¥10,000 or more, editable under Approval rules), the budget goes
through the approval engine before the campaign may start. The approved amount is kept: raising the budget above
it needs approval again, lowering it does not. No rule applies: no approval, as for a small mailing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.money import format_money
from guanxi.core.services import model_update
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from .models import Campaign

KIND = "campaign_budget"
Approval = Campaign.BudgetApproval


def budget_facts(campaign: Campaign) -> dict[str, Any]:
    return {"budget": campaign.budget, "channel": campaign.channel}


def budget_needs_approval(campaign: Campaign) -> bool:
    """Whether the campaign's budget still needs approval before it starts."""
    from guanxi.approvals.selectors import approval_rule_matching

    if campaign.approved_budget is not None and campaign.budget <= campaign.approved_budget:
        return False
    return approval_rule_matching(kind=KIND, facts=budget_facts(campaign)) is not None


def budget_require_approved(campaign: Campaign) -> None:
    """Refuse to start a campaign whose budget waits for, or needs, approval (InvalidStateError)."""
    if campaign.budget_approval == Approval.PENDING:
        raise InvalidStateError(_("The campaign's budget is awaiting approval; it starts once approved."))
    if budget_needs_approval(campaign):
        raise InvalidStateError(
            _("A budget of %(amount)s needs approval before the campaign starts: submit it for approval.")
            % {"amount": format_money(campaign.budget)}
        )


def budget_route(campaign: Campaign) -> dict[str, Any]:
    """For the campaign's page: whether approval is needed, and if so who approves (or why nobody can)."""
    from guanxi.approvals.selectors import approval_route_explain

    if campaign.budget_approval == Approval.PENDING or not budget_needs_approval(campaign):
        return {"needed": False, "plan": None, "error": ""}
    applicant = campaign.owner
    if applicant is None:
        return {"needed": True, "plan": None, "error": _("The campaign has no owner to apply for its budget.")}
    try:
        plan = approval_route_explain(kind=KIND, facts=budget_facts(campaign), applicant=applicant)
    except ValidationFailed as exc:
        return {"needed": True, "plan": None, "error": exc.message}
    return {"needed": True, "plan": plan, "error": ""}


def budget_submit(*, actor: User, campaign: Campaign) -> Campaign:
    """Send a draft campaign's budget for approval (only when a rule applies to it)."""
    from guanxi.approvals.services import approval_submit

    require_permission(actor, "marketing.edit")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            raise InvalidStateError(_("Only a draft campaign's budget is submitted for approval."))
        if campaign.budget_approval == Approval.PENDING:
            raise InvalidStateError(_("The campaign's budget is awaiting approval already."))
        if not budget_needs_approval(campaign):
            raise InvalidStateError(_("This budget needs no approval: the campaign may start."))
        approval_submit(
            actor=actor, document=campaign, kind=KIND, facts=budget_facts(campaign),
            title=_("Campaign budget: %(name)s, %(amount)s")
            % {"name": campaign.name, "amount": format_money(campaign.budget)},
            amount=campaign.budget,
        )  # fmt: skip
        campaign, _changes = model_update(instance=campaign, data={"budget_approval": Approval.PENDING}, actor=actor)
    return campaign


def budget_on_decided(*, document: Campaign, outcome: str, actor: User | None, comment: str = "") -> None:
    """Called by the approval engine inside its transaction when the budget's request ends."""
    campaign = Campaign.objects.select_for_update().get(pk=document.pk)
    data: dict[str, Any]
    if outcome == "approved":
        data = {"budget_approval": Approval.APPROVED, "approved_budget": campaign.budget}
    elif outcome == "rejected":
        data = {"budget_approval": Approval.REJECTED}
    else:  # returned or withdrawn: a draft again, to change and submit again
        data = {"budget_approval": Approval.NONE}
    model_update(instance=campaign, data=data, actor=actor)


def budget_after_change(campaign: Campaign, new_budget: Decimal) -> dict[str, Any]:
    """What a budget change does to the approval: a raise above the approved amount asks for approval again."""
    if campaign.budget_approval == Approval.PENDING:
        raise InvalidStateError(_("The budget is awaiting approval: it changes once the request is decided."))
    if campaign.budget_approval == Approval.REJECTED or (
        campaign.approved_budget is not None and new_budget > campaign.approved_budget
    ):
        return {"budget_approval": Approval.NONE}
    return {}
