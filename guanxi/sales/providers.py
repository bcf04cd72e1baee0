"""What the sales app registers with lower apps at start-up: its permission modules (leads, opportunities) and
their default grants, the demo company's deals and the customer-merge movers; each room (leads/, opportunities/,
targets/) registers the rest in its own providers.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import (
    CustomFieldTarget,
    DefaultGrants,
    registry,
)
from guanxi.org.policies import register_module

register_module("leads", _("Leads"), ["view", "create", "edit", "delete", "export", "import", "assign"])

# The default roles' grants in leads and opportunities (org/roles.py holds the roles themselves).
# Leads (商机线索): reps work the leads they own; front desk / marketing and business managers enter,
# screen and assign them (screening needs "assign"; leads without an owner are visible to "assign").
_LEADS_REP = ["leads.view", "leads.edit"]
_LEADS_ROUTER = ["leads.view", "leads.create", "leads.edit", "leads.assign"]
_LEADS_MANAGER = _LEADS_ROUTER + ["leads.delete", "leads.export", "leads.import"]
# Opportunities (销售机会): reps work their own deals; managers also delete, reassign and confirm closings.
_OPP_REP = ["opportunities.view", "opportunities.create", "opportunities.edit"]
_OPP_MANAGER = _OPP_REP + [
    "opportunities.delete",
    "opportunities.assign",
    "opportunities.approve",
    "opportunities.export",
    "opportunities.import",
]
# 部门经理或销售助理…进行关闭确认: the department assistant reads the department's deals and confirms closings.
_OPP_ASSISTANT = ["opportunities.view", "opportunities.approve"]
registry.add_default_grants(
    DefaultGrants(
        app="sales",
        grants_by_role={
            "sales_rep": _LEADS_REP + _OPP_REP,
            "channel_rep": _LEADS_REP + _OPP_REP,
            "business_manager": _LEADS_MANAGER + _OPP_MANAGER,
            "department_manager": _LEADS_MANAGER + _OPP_MANAGER,
            "department_assistant": _LEADS_ROUTER + _OPP_ASSISTANT,
            "sales_management": _LEADS_MANAGER
            + ["opportunities.view", "opportunities.export", "opportunities.approve"],
            "executive": ["leads.view", "leads.export", "opportunities.view", "opportunities.export"],
            "service_agent": ["leads.create"],
            "marketing": _LEADS_ROUTER + ["leads.import", "leads.export"],
        },
    )
)


# --- opportunities (销售机会) ----------------------------------------------------------------------
register_module(
    "opportunities",
    _("Opportunities"),
    ["view", "create", "edit", "delete", "export", "import", "assign", "approve"],
)

# Each room registers its own entries: leads, opportunities (with the funnel and the sales settings), targets.
from .leads import providers as _leads_providers  # noqa: E402,F401
from .opportunities import providers as _opportunities_providers  # noqa: E402,F401
from .targets import providers as _targets_providers  # noqa: E402,F401


# The demo company's opportunities, targets, forecast and leads (after the customers; before quotes and contracts).
def _demo(**kwargs: Any) -> None:
    from .demo import demo_opportunities
    from .leads.demo import demo_leads

    demo_opportunities(**kwargs)
    kwargs["result"].counts["leads"] = demo_leads(users=kwargs["result"].users, now=kwargs["now"])


registry.add_demo_step(_demo)

# --- customer merges: rows of this app that point at a merged-away customer move to the survivor ---------
from guanxi.customers.dedupe.services import FkMove  # noqa: E402

registry.add_merge_mover(FkMove("opportunities", "sales.Opportunity"))
registry.add_merge_mover(FkMove("converted_leads", "sales.Lead", "converted_customer"))


def _register_dictionaries() -> None:
    from .dictionaries import SALES_DICTIONARIES

    registry.add_default_dictionaries(SALES_DICTIONARIES)


_register_dictionaries()


# --- metrics analytics reads (leads, opportunities, pipeline, won and lost, funnel progress) -----------------
from .metrics import METRICS as _SALES_METRICS  # noqa: E402

for _metric in _SALES_METRICS:
    registry.add_metric(_metric)

# Custom fields (自定义字段) on leads and opportunities; an opportunity's may be required from a stage on.
registry.add_custom_field_target(
    CustomFieldTarget(
        model="sales.lead", label=_("Leads"), module="leads", order=30,
        search_text="guanxi.sales.leads.services.lifecycle.lead_search_text",
    )
)  # fmt: skip
registry.add_custom_field_target(
    CustomFieldTarget(
        model="sales.opportunity", label=_("Opportunities"), module="opportunities", order=40, by_stage=True,
        search_text="guanxi.sales.opportunities.services.search_text.opportunity_record_search_text",
        search_column="own_search_text",
    )
)  # fmt: skip
