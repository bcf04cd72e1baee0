"""Default roles from the requirement documents. Data, not code paths: an admin edits them after
setup, and `roles_ensure_defaults` only creates the ones that are missing."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from .models import DataScope

_REP = [
    "customers.view",
    "customers.create",
    "customers.edit",
    "customers.export",
    "contacts.view",
    "contacts.create",
    "contacts.edit",
    "followups.view",
    "followups.create",
    "followups.edit",
    "tasks.view",
    "tasks.create",
    "tasks.edit",
]
_MANAGER = _REP + [
    "customers.delete",
    "customers.assign",
    "customers.approve",
    "customers.import",
    "contacts.delete",
    "contacts.export",
    "followups.export",
    "tasks.assign",
    "tasks.delete",
]
_READ_ALL = ["customers.view", "contacts.view", "followups.view", "tasks.view"]
# Leads (商机线索): reps work the leads they own; front desk / marketing and business managers enter,
# screen and assign them (screening needs "assign"; leads without an owner are visible to "assign").
_LEADS_REP = ["leads.view", "leads.edit"]
_LEADS_ROUTER = ["leads.view", "leads.create", "leads.edit", "leads.assign"]
_LEADS_MANAGER = _LEADS_ROUTER + ["leads.delete", "leads.export", "leads.import"]
# Opportunities (销售机会): reps work their own deals; managers also delete, reassign and confirm closings.
_OPP_REP = ["opportunities.view", "opportunities.create", "opportunities.edit"]
_OPP_MANAGER = _OPP_REP + ["opportunities.delete", "opportunities.assign", "opportunities.approve"]

DEFAULT_ROLES: list[dict] = [
    {
        "code": "sales_rep",
        "name": gettext_noop("Sales rep"),
        "scope": DataScope.SELF,
        "permissions": _REP + _LEADS_REP + _OPP_REP,
    },
    {
        "code": "channel_rep",
        "name": gettext_noop("Channel rep"),
        "scope": DataScope.SELF,
        "permissions": _REP + _LEADS_REP + _OPP_REP,
    },
    {
        "code": "business_manager",
        "name": gettext_noop("Business manager"),
        "scope": DataScope.DEPARTMENT,
        "permissions": _REP + ["customers.assign", "customers.import", "tasks.assign"] + _LEADS_MANAGER + _OPP_MANAGER,
    },
    {
        "code": "department_manager",
        "name": gettext_noop("Department manager"),
        "scope": DataScope.DEPARTMENT_TREE,
        "permissions": _MANAGER + _LEADS_MANAGER + _OPP_MANAGER,
    },
    {
        "code": "department_assistant",
        "name": gettext_noop("Department assistant"),
        "scope": DataScope.DEPARTMENT,
        "permissions": _REP + ["customers.approve", "customers.assign", "tasks.assign"] + _LEADS_ROUTER,
    },
    {
        "code": "sales_management",
        "name": gettext_noop("Sales-management office"),
        "scope": DataScope.ALL,
        "permissions": _MANAGER
        + ["audit.view"]
        + _LEADS_MANAGER
        + ["opportunities.view", "opportunities.export", "opportunities.approve"],
    },
    {
        "code": "executive",
        "name": gettext_noop("Executive"),
        "scope": DataScope.ALL,
        "permissions": _READ_ALL
        + [
            "customers.export",
            "customers.approve",
            "contacts.export",
            "followups.export",
            "leads.view",
            "leads.export",
            "opportunities.view",
            "opportunities.export",
        ],
    },
    {
        "code": "service_agent",
        "name": gettext_noop("Service agent"),
        "scope": DataScope.ALL,
        "permissions": _READ_ALL + ["followups.create", "followups.edit", "tasks.create", "tasks.edit", "leads.create"],
    },
    {
        "code": "marketing",
        "name": gettext_noop("Marketing"),
        "scope": DataScope.ALL,
        "permissions": ["customers.view", "contacts.view", "customers.export", "contacts.export"]
        + _LEADS_ROUTER
        + ["leads.import", "leads.export"],
    },
    {
        "code": "finance",
        "name": gettext_noop("Finance"),
        "scope": DataScope.ALL,
        "permissions": ["customers.view", "contacts.view"],
    },
    {
        "code": "implementation",
        "name": gettext_noop("Implementation"),
        "scope": DataScope.ALL,
        "permissions": ["customers.view", "contacts.view", "tasks.view", "tasks.create", "tasks.edit"],
    },
    {"code": "administrator", "name": gettext_noop("Administrator"), "scope": DataScope.ALL, "permissions": "__all__"},
]
