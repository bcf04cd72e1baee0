"""What real-estate sales register with lower apps at start-up: their permission modules and default grants, the
navigation (shown only where the installation switched the app on), the hold-expiry job and the demo step."""

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
    DefaultRoles,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    registry,
)
from guanxi.customers.dedupe.services import FkMove
from guanxi.org.policies import register_module

from . import roles
from .dictionaries import REALESTATE_DICTIONARIES
from .feature import enabled

# Role administration shows these modules only where the installation switched the app on.
# "all_projects": every project, not only those the user works on (data scope by project, selectors.py).
register_module(
    "re_properties", _("Real-estate units"),
    ["view", "create", "edit", "delete", "export", "release", "import", "all_projects"], enabled=enabled,
)  # fmt: skip
register_module("re_pricing", _("Real-estate pricing"), ["view", "edit", "approve"], enabled=enabled)
# The transaction chain (selection, small deposit, subscription, contract) and its collections (receipts, refunds).
register_module("re_sales", _("Real-estate trades"), ["view", "create", "edit", "cancel", "export"], enabled=enabled)
register_module("re_collections", _("Real-estate collections"), ["view", "create", "refund", "export"],
                enabled=enabled)  # fmt: skip
# Visitors (来访): register visits, grade, follow up; "admin" sets up the duty rotation and the grading rules.
register_module(
    "re_visitors", _("Sales-office visitors"), ["view", "create", "edit", "export", "admin"], enabled=enabled
)

# The default roles' grants in the app's modules, and the app's own four roles (roles.py), the latter created only
# where the installation switched the app on.
registry.add_default_grants(DefaultGrants(app="realestate", grants_by_role=roles.GRANTS_BY_ROLE))
registry.add_default_roles(DefaultRoles(app="realestate", roles=roles.ROLES, enabled=enabled))

registry.add_default_dictionaries(REALESTATE_DICTIONARIES)
# The questionnaire (问卷) is the custom fields an administrator gives this object (budget, layout wanted, …).
registry.add_custom_field_target(
    CustomFieldTarget(
        model="realestate.visitor", label=_("Sales-office visitors"), module="re_visitors", order=80, enabled=enabled
    )
)

registry.add_nav(
    NavItem(
        key="realestate", label=_("Properties"), url_name="realestate:project_list", icon="ti-building",
        order=45, permission="re_properties.view", match_prefix="/realestate/", enabled=enabled,
    )
)  # fmt: skip


registry.add_nav(
    NavItem(
        key="realestate_visitors", label=_("Visitors"), url_name="realestate:visitor_list", icon="ti-door-enter",
        order=46, permission="re_visitors.view", match_prefix="/realestate/visit", enabled=enabled,
    )
)  # fmt: skip


def _expire_holds() -> Any:
    if not enabled():
        return 0
    from .services import holds_expire

    return holds_expire()


registry.add_periodic(PeriodicJob(key="realestate_hold_expiry", every_minutes=60, run=_expire_holds))


def _expire_deposits() -> Any:
    if not enabled():
        return 0
    from .trades import deposits_expire

    return deposits_expire()


def _remind_arrears() -> Any:
    if not enabled():
        return 0
    from .receipts import arrears_remind

    return arrears_remind()


registry.add_notification_topic(
    NotificationTopic(
        key="realestate_sales",
        label=_("Real-estate sales"),
        kinds=("re_deposit_expired", "re_arrears"),
        help=_("Small deposits of your buyers that expired, and their payments in arrears."),
        order=85,
    )
)

# Small deposits lapse the day after their expiry (hourly, like holds); arrears are reminded daily.
registry.add_periodic(PeriodicJob(key="realestate_deposit_expiry", every_minutes=60, run=_expire_deposits))
registry.add_periodic(PeriodicJob(key="realestate_arrears_reminders", every_minutes=24 * 60, run=_remind_arrears))


def _demo(**kwargs: Any) -> None:
    if not enabled():
        return
    from .demo import realestate_demo_build

    realestate_demo_build(**kwargs)


registry.add_demo_step(_demo)


def _demo_visits(**kwargs: Any) -> None:
    if not enabled():
        return
    from .demo_visits import realestate_visits_demo_build

    realestate_visits_demo_build(**kwargs)


registry.add_demo_step(_demo_visits)  # after the project and its trades


# --- batch price adjustments go through the approval engine ---------------------------------------------
def _adjustment_decided(**kwargs: Any) -> None:
    from .adjustments import adjustment_on_decided

    adjustment_on_decided(**kwargs)


def _adjustment_url(adjustment: Any) -> str:
    return reverse("realestate:adjustment_detail", args=[adjustment.pk])


def _adjustment_summary(adjustment: Any) -> str:
    return f"{adjustment.project} · {adjustment.change_label} · {adjustment.reason}"


register_document_kind(
    DocumentKind(
        code="re_price_adjustment",
        label=_("Price adjustment"),
        model="realestate.priceadjustment",
        facts={
            "percent": FactSpec(label=_("Change in percent"), type="decimal"),
            "units": FactSpec(label=_("Units"), type="int"),
            "amount": FactSpec(label=_("Change of the total prices"), type="decimal"),
        },
        on_decided=_adjustment_decided,
        url=_adjustment_url,
        summary=_adjustment_summary,
    )
)
# The default rule (data, editable under Approval rules): sales management approves every adjustment.
registry.add_default_approval_rules(
    DefaultApprovalRules(
        key="realestate",
        rules=(
            {
                "seed_key": "re_price_adjustment_sales_management",
                "kind": "re_price_adjustment",
                "name": gettext_noop("Price adjustment — sales management"),
                "priority": 10,
                "conditions": [],
                "steps": [
                    {"label": gettext_noop("Sales management"), "approver_type": "role", "codes": ["sales_management"]},
                ],
            },
        ),
        seeded_with=("realestate", "0002_price_adjustments"),
    )
)


# --- a subscription whose discount a rule asks about goes through the approval engine ---------------------------
def _subscription_decided(**kwargs: Any) -> None:
    from .subscriptions import subscription_on_decided

    subscription_on_decided(**kwargs)


def _subscription_url(subscription: Any) -> str:
    return reverse("realestate:trade_detail", args=[subscription.trade_id])


def _subscription_summary(subscription: Any) -> str:
    from guanxi.core.money import format_cny

    trade = subscription.trade
    return f"{trade.unit} · {trade.customer} · {format_cny(subscription.agreed_price)}"


register_document_kind(
    DocumentKind(
        code="re_subscription",
        label=_("Subscription"),
        model="realestate.subscription",
        facts={
            "special_off_percent": FactSpec(label=_("Manager's special discount, percent off"), type="decimal"),
            "rate": FactSpec(label=_("Overall price rate (0.95 = 9.5折)"), type="decimal"),
            "amount_off": FactSpec(label=_("Amount off the list price"), type="decimal", format="money"),
        },
        on_decided=_subscription_decided,
        url=_subscription_url,
        summary=_subscription_summary,
    )
)
# The default rule (data, editable under Approval rules): a manager's special discount taking more than 1 % off
# needs the approval of the sales office's sales manager (the re_sales_manager role, roles.py; migration 0006 moved
# an installation's earlier default from sales management); a subscription without one needs none.
SPECIAL_DISCOUNT_RULE = {
    "seed_key": "re_subscription_special_discount",
    "kind": "re_subscription",
    "name": gettext_noop("Subscription with a special discount above 1 % — real-estate sales manager"),
    "priority": 10,
    "conditions": [{"fact": "special_off_percent", "op": "gt", "value": "1"}],
    "steps": [
        {"label": gettext_noop("Real-estate sales manager"), "approver_type": "role", "codes": ["re_sales_manager"]},
    ],
}
registry.add_default_approval_rules(
    DefaultApprovalRules(
        key="realestate_sales",
        rules=(SPECIAL_DISCOUNT_RULE,),
        seeded_with=("realestate", "0003_sales_chain"),
    )
)

from . import importers as _importers  # noqa: E402,F401,I001  (spreadsheet import of units)


# --- custom fields (自定义字段) on units: offered only where the installation switched real estate on ------------
registry.add_custom_field_target(
    CustomFieldTarget(model="realestate.unit", label=_("Real-estate units"), module="re_properties", order=90,
                      enabled=enabled)
)  # fmt: skip


# --- customer merges: a merged buyer's trades and visits follow the survivor (one visitor per project stays) ------
registry.add_merge_mover(FkMove("real-estate trades", "realestate.Trade"))
registry.add_merge_mover(FkMove("sales-office visitors", "realestate.Visitor", unique_with=("project",)))

from .metrics import METRICS as _METRICS  # noqa: E402  (the real-estate figures analytics reads)

for _metric in _METRICS:
    registry.add_metric(_metric)
