"""What the marketing app registers with lower apps at start-up: its permission module and default grants,
navigation, the customer 360 tab (consent per contact and channel), global search for segments and its demo
step."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from guanxi.approvals.kinds import DocumentKind, FactSpec, register_document_kind
from guanxi.core.registry import (
    DefaultApprovalRules,
    DefaultGrants,
    MailboxHandler,
    Metric,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    RecordTab,
    SearchSource,
    registry,
)
from guanxi.customers.dedupe.services import FkMove
from guanxi.org.policies import register_module

register_module("marketing", _("Marketing"), ["view", "create", "edit", "delete", "export", "admin", "view_personal"])

# The marketing department plans and runs the work; managers and executives read it; reps read segments (to
# know who is targeted) and record consent through the contacts they may edit (contacts.edit). Registrants' numbers
# and addresses (marketing.view_personal) are the marketing department's (and each event owner's): others see them
# masked (marketing.privacy).
_READ = ["marketing.view"]
registry.add_default_grants(
    DefaultGrants(
        app="marketing",
        grants_by_role={
            "marketing": ["marketing.view", "marketing.create", "marketing.edit", "marketing.delete",
                          "marketing.export", "marketing.view_personal"],
            "sales_rep": _READ,
            "business_manager": _READ,
            "department_manager": _READ,
            "sales_management": _READ + ["marketing.export"],
            "executive": _READ + ["marketing.export"],
        },
    )
)  # fmt: skip

registry.add_nav(
    NavItem(
        key="campaigns", label=_("Campaigns"), url_name="marketing:campaign_list", icon="ti-speakerphone", order=45,
        permission="marketing.view", match_prefix="/marketing/campaigns/",
    )
)  # fmt: skip
registry.add_nav(
    NavItem(
        key="events", label=pgettext_lazy("marketing event", "Events"), url_name="marketing:event_list",
        icon="ti-calendar-event", order=45,
        permission="marketing.view", match_prefix="/marketing/events/",
    )
)  # fmt: skip
registry.add_nav(
    NavItem(
        key="care", label=_("Customer care"), url_name="marketing:care", icon="ti-gift", order=47,
        permission="marketing.view", match_prefix="/marketing/care/",
    )
)  # fmt: skip
registry.add_nav(
    NavItem(
        key="segments", label=_("Segments"), url_name="marketing:segment_list", icon="ti-filter", order=46,
        permission="marketing.view", match_prefix="/marketing/",
    )
)  # fmt: skip


def _send_due() -> Any:
    from .campaigns import campaigns_send_due

    return campaigns_send_due()


# Every minute, one batch of each sending campaign (its channel's rate per minute): resumable by construction.
registry.add_periodic(PeriodicJob(key="marketing_campaign_send", every_minutes=1, run=_send_due))


def _confirmations_due() -> Any:
    from .confirmations import confirmations_due

    return confirmations_due()


# Event registration confirmations: those whose queued task was lost or whose send failed (retried with a pause).
registry.add_periodic(PeriodicJob(key="marketing_event_confirmations", every_minutes=1, run=_confirmations_due))


def _bounce_mailboxes() -> Any:
    from .channels.bounces import bounce_mailboxes

    return bounce_mailboxes()


def _bounce_file(**kwargs: Any) -> str:
    from .channels.bounces import bounce_file

    return bounce_file(**kwargs)


# Bounce reports (DSN) in the bounce mailbox (GUANXI_BOUNCE_IMAP_*): core's mail poll hands them over; a hard bounce
# marks the campaign delivery bounced and suppresses the address.
registry.add_mailbox_handler(MailboxHandler(key="marketing_bounces", mailboxes=_bounce_mailboxes, file=_bounce_file))


def _greetings_due() -> Any:
    from .care import greetings_due

    return greetings_due()


# Care greetings: every five minutes the day's recipients are recorded (once: the rows are unique per contact,
# occasion and day) and a batch of them is sent, so they all go out on the day, however late the worker starts.
registry.add_periodic(PeriodicJob(key="marketing_care_greetings", every_minutes=5, run=_greetings_due))


def _care_plans() -> Any:
    from .care_plans import care_plans_run

    return care_plans_run()


# VIP care plans: schedule the next visits, calls and gifts, complete those followed up, flag the overdue.
registry.add_periodic(PeriodicJob(key="marketing_care_plans", every_minutes=60, run=_care_plans))
registry.add_notification_topic(
    NotificationTopic(
        key="care", label=_("Customer care"), kinds=("care_overdue",),
        help=_("Care visits, calls and gifts of your team that are overdue."), order=60,
    )
)  # fmt: skip


def _marketing_tab(request: Any, customer: Any) -> Any:
    from .views import customer_marketing_tab

    return customer_marketing_tab(request, customer)


registry.add_tab(
    RecordTab(
        model="customers.customer",
        key="marketing",
        label=pgettext_lazy("record tab", "Marketing"),
        render=_marketing_tab,
        order=75,
    )
)


def _care_tab(request: Any, customer: Any) -> Any:
    from .views_care import customer_care_tab

    return customer_care_tab(request, customer)


registry.add_tab(RecordTab(model="customers.customer", key="care", label=_("Care"), render=_care_tab, order=77))


def _lead_campaign(request: Any, lead: Any) -> Any:
    from .views_campaigns import lead_campaign_panel

    return lead_campaign_panel(request, lead)


# The lead page's panel: the campaign or event it came from and the campaigns its deal is attributed to.
registry.add_tab(RecordTab(model="sales.lead", key="campaign", label=_("Campaign"), render=_lead_campaign, order=10))


def _segment_rows(*, user: Any, query: str, limit: int) -> Any:
    from guanxi.org.policies import has_permission

    from .models import Segment

    if not has_permission(user, "marketing.view"):
        return []
    return Segment.objects.filter(name__icontains=query).order_by("name")[:limit]


def _segment_hit(s: Any) -> dict[str, Any]:
    return {
        "kind": "segment",
        "title": s.name,
        "subtitle": s.get_kind_display(),
        "url": reverse("marketing:segment_detail", args=[s.pk]),
    }


registry.add_search(
    SearchSource(
        key="segments", label=_("Segments"), rows=_segment_rows, fields=("name", "kind"), hit=_segment_hit, order=90
    )
)


def _campaign_cost(**kwargs: Any) -> Any:
    from .attribution import campaign_cost

    return campaign_cost(**kwargs)


def _campaign_won(**kwargs: Any) -> Any:
    from .attribution import campaign_won_amount

    return campaign_won_amount(**kwargs)


def _campaign_roi(**kwargs: Any) -> Any:
    from .attribution import campaign_roi

    return campaign_roi(**kwargs)


def _campaign_records(**kwargs: Any) -> str:
    return reverse("marketing:campaign_list") + "?scene=all"


registry.add_metric(
    Metric(
        key="campaign_cost", label=_("Campaign cost"), unit="money", compute=_campaign_cost,
        records=_campaign_records, groupings=("total", "owner"), permission="marketing.view",
        help=_("The actual cost of the campaigns started in the period."), order=90,
    )
)  # fmt: skip
registry.add_metric(
    Metric(
        key="campaign_won_amount", label=_("Won amount from campaigns"), unit="money", compute=_campaign_won,
        records=_campaign_records, groupings=("total", "owner"), permission="marketing.view",
        help=_("Won deals attributed (last touch) to the campaigns started in the period: opened within 90 days "
               "after a campaign reached the customer."),
        order=91,
    )
)  # fmt: skip
registry.add_metric(
    Metric(
        key="campaign_roi", label=_("Campaign ROI"), unit="percent", compute=_campaign_roi,
        records=_campaign_records, groupings=("total", "owner"), permission="marketing.view",
        help=_("(Won amount from campaigns − their cost) ÷ their cost, for the campaigns started in the period."),
        order=92,
    )
)  # fmt: skip


def _demo(**kwargs: Any) -> None:
    from .demo import marketing_demo_build

    marketing_demo_build(**kwargs)


registry.add_demo_step(_demo)


def _care_demo(**kwargs: Any) -> None:
    from .demo_care import care_demo_build

    care_demo_build(**kwargs)


registry.add_demo_step(_care_demo)


# --- a campaign's budget goes through the approval engine when a rule applies (marketing.budget) ----------------
def _budget_decided(**kwargs: Any) -> None:
    from .budget import budget_on_decided

    budget_on_decided(**kwargs)


def _campaign_url(campaign: Any) -> str:
    return reverse("marketing:campaign_detail", args=[campaign.pk])


def _campaign_summary(campaign: Any) -> str:
    from guanxi.core.money import format_money

    return f"{campaign.name} · {campaign.get_channel_display()} · {format_money(campaign.budget)}"


register_document_kind(
    DocumentKind(
        code="campaign_budget",
        label=_("Campaign budget"),
        model="marketing.campaign",
        facts={
            "budget": FactSpec(label=_("Budget"), type="decimal", format="money"),
            "channel": FactSpec(label=_("Channel"), type="str"),
        },
        on_decided=_budget_decided,
        url=_campaign_url,
        summary=_campaign_summary,
    )
)
# The default rule (data: the threshold and the approvers are edited under Approval rules): a budget of ¥10,000 or
# more is approved by the applicant's manager; a smaller one needs no approval.
registry.add_default_approval_rules(
    DefaultApprovalRules(
        key="marketing",
        rules=(
            {
                "seed_key": "campaign_budget_manager",
                "kind": "campaign_budget",
                "name": gettext_noop("Campaign budget of ¥10,000 or more — the applicant's manager"),
                "priority": 10,
                "conditions": [{"fact": "budget", "op": "gte", "value": "10000"}],
                "steps": [{"label": gettext_noop("Applicant's manager"), "approver_type": "manager"}],
            },
        ),
        seeded_with=("marketing", "0003_campaign_budget_approval"),
    )
)


# --- customer merges: memberships and care follow the survivor, without a second membership or plan place -------
registry.add_merge_mover(FkMove("members", "marketing.Member", unique_with=("contact",)))  # one per customer, contact
registry.add_merge_mover(FkMove("care plan places", "marketing.CarePlanMember", unique_with=("plan",)))
registry.add_merge_mover(FkMove("care tasks", "marketing.CareTask", unique_with=("plan", "kind", "due_on")))

from . import importers as _importers  # noqa: E402,F401  (spreadsheet import into static lists)
