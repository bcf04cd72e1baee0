"""What membership and loyalty register at start-up: the loyalty permission module and its default grants, the
navigation entry, the customer 360 Membership tab, the worker's jobs (earning, tier review, expiry) and the
notification topic of tier changes."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from guanxi.approvals.kinds import DocumentKind, FactSpec, register_document_kind
from guanxi.core.registry import (
    CustomFieldTarget,
    DefaultApprovalRules,
    DefaultGrants,
    EventType,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    RecordTab,
    registry,
)
from guanxi.org.policies import register_module

register_module(
    "loyalty", _("Membership and loyalty"), ["view", "create", "edit", "delete", "export", "import", "admin"]
)

# The marketing department runs the programme (enrols members, redeems points and coupons); reps and managers read
# the members of the customers in their data scope; administering tiers and earning rules is
# loyalty.admin (the administrator, or whom they grant it). Point corrections are asked for with loyalty.edit and
# go through the approval engine (below).
_READ = ["loyalty.view"]
registry.add_default_grants(
    DefaultGrants(
        app="marketing.loyalty",
        grants_by_role={
            "marketing": ["loyalty.view", "loyalty.create", "loyalty.edit", "loyalty.delete", "loyalty.export"]
            + ["loyalty.import"],
            "sales_rep": _READ,
            "business_manager": _READ,
            "department_manager": _READ,
            "sales_management": _READ + ["loyalty.export"],
            "executive": _READ + ["loyalty.export"],
        },
    )
)

registry.add_nav(
    NavItem(
        key="members", label=_("Members"), url_name="marketing:member_list", icon="ti-id-badge-2", order=47,
        permission="loyalty.view", match_prefix="/marketing/members/", also_matches=("/marketing/coupons/",),
    )
)  # fmt: skip


def _membership_tab(request: Any, customer: Any) -> Any:
    from .views import customer_membership_tab

    return customer_membership_tab(request, customer)


registry.add_tab(
    RecordTab(model="customers.customer", key="membership", label=_("Membership"), render=_membership_tab, order=76)
)


def _earn() -> Any:
    from .earning import points_earn_due

    return points_earn_due()


def _review() -> Any:
    from .tiers import tiers_review

    return tiers_review()


def _expire() -> Any:
    from .ledger import points_expire_due

    return points_expire_due()


registry.add_periodic(PeriodicJob(key="loyalty_points_earn", every_minutes=60, run=_earn))
registry.add_periodic(PeriodicJob(key="loyalty_tiers_review", every_minutes=24 * 60, run=_review))
registry.add_periodic(PeriodicJob(key="loyalty_points_expire", every_minutes=24 * 60, run=_expire))

registry.add_notification_topic(
    NotificationTopic(
        key="loyalty", label=_("Membership tiers"), kinds=("loyalty_",),
        help=_("A member of your customers moved up or down a tier."), order=92,
    )
)  # fmt: skip


def _demo(**kwargs: Any) -> None:
    from .demo import loyalty_demo_build

    loyalty_demo_build(**kwargs)


registry.add_demo_step(_demo)


# Custom fields (自定义字段) on members: the enrol and edit forms, the member page, the list, export and the API.
registry.add_custom_field_target(
    CustomFieldTarget(model="marketing.member", label=_("Members"), module="loyalty", order=80)
)


# --- a manual points correction goes through the approval engine when a rule applies (loyalty.corrections) --------
def _correction_decided(**kwargs: Any) -> None:
    from .corrections import correction_on_decided

    correction_on_decided(**kwargs)


def _correction_url(correction: Any) -> str:
    return reverse("marketing:member_detail", args=[correction.member_id])


def _correction_summary(correction: Any) -> str:
    return f"{correction.member.display_name} · {correction.points:+d} · {correction.note}"


register_document_kind(
    DocumentKind(
        code="points_correction",
        label=_("Points correction"),
        model="marketing.pointscorrection",
        facts={
            "points": FactSpec(label=_("Points (either way)"), type="int"),
            "takes_away": FactSpec(label=_("Takes points away"), type="bool"),
        },
        on_decided=_correction_decided,
        url=_correction_url,
        summary=_correction_summary,
    )
)
# The default rule (data: the threshold and the approvers are edited under Approval rules): a correction of 500
# points or more, either way, is approved by the applicant's manager; a smaller one is applied at once.
registry.add_default_approval_rules(
    DefaultApprovalRules(
        key="loyalty",
        rules=(
            {
                "seed_key": "points_correction_manager",
                "kind": "points_correction",
                "name": gettext_noop("Points correction of 500 points or more — the applicant's manager"),
                "priority": 10,
                "conditions": [{"fact": "points", "op": "gte", "value": "500"}],
                "steps": [{"label": gettext_noop("Applicant's manager"), "approver_type": "manager"}],
            },
        ),
        seeded_with=("marketing", "0009_points_corrections"),
    )
)

from . import importers as _importers  # noqa: E402,F401  (spreadsheet import of members)


# --- business events (webhooks): a member enrolled (by hand, the API or an import) --------------------------------
def _member_out(obj: Any) -> dict[str, Any]:
    from guanxi.core.events import api_shape

    from .schemas import MemberOut

    return api_shape(MemberOut)(obj)


registry.add_event_type(
    EventType(key="member.enrolled", label=_("Member enrolled"), model="marketing.member", serialise=_member_out,
              order=80)
)  # fmt: skip
