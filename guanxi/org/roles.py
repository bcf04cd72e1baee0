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
_OPP_MANAGER = _OPP_REP + [
    "opportunities.delete",
    "opportunities.assign",
    "opportunities.approve",
    "opportunities.export",
]
# 部门经理或销售助理…进行关闭确认: the department assistant reads the department's deals and confirms closings.
_OPP_ASSISTANT = ["opportunities.view", "opportunities.approve"]

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
        "permissions": _REP
        + ["customers.approve", "customers.assign", "tasks.assign"]
        + _LEADS_ROUTER
        + _OPP_ASSISTANT,
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

# Money (guanxi/billing): payment plans and payments, invoices, expense claims. Reps see their own contracts'
# money and claim their own expenses; managers their department's; finance records money for everything;
# executives and the sales-management office read all of it.
_MONEY_READ = ["payments.view", "invoices.view"]
_CLAIMS_OWN = ["expenses.view", "expenses.create", "expenses.edit"]
_BILLING_GRANTS: dict[str, list[str]] = {
    "sales_rep": _MONEY_READ + _CLAIMS_OWN,
    "channel_rep": _MONEY_READ + _CLAIMS_OWN,
    "business_manager": _MONEY_READ + ["payments.edit"] + _CLAIMS_OWN,
    "department_manager": _MONEY_READ + ["payments.export", "invoices.export"] + _CLAIMS_OWN + ["expenses.export"],
    "department_assistant": _MONEY_READ + _CLAIMS_OWN,
    "sales_management": _MONEY_READ + ["payments.export", "invoices.export", "expenses.view", "expenses.export"],
    "executive": _MONEY_READ + ["payments.export", "invoices.export", "expenses.view", "expenses.export"],
    "finance": ["payments.view", "payments.create", "payments.edit", "payments.export", "payments.approve"]
    + ["invoices.view", "invoices.create", "invoices.edit", "invoices.export"]
    + _CLAIMS_OWN
    + ["expenses.approve", "expenses.export"],
}
for _role in DEFAULT_ROLES:
    if isinstance(_role["permissions"], list):
        _role["permissions"] = _role["permissions"] + _BILLING_GRANTS.get(_role["code"], [])

# Quote to cash (guanxi/commerce): reps quote and contract for their own customers; managers also approve;
# business staff issue execution and implementation orders and keep the catalogue; finance reads contracts;
# implementation staff work the implementation orders they are on.
_COMMERCE_REP = ["products.view", "quotes.view", "quotes.create", "quotes.edit", "quotes.delete"] + [
    "contracts.view",
    "contracts.create",
    "contracts.edit",
]
_COMMERCE_READ_ALL = ["products.view", "quotes.view", "quotes.export", "quotes.approve", "contracts.view"] + [
    "contracts.export",
    "contracts.approve",
    "orders.view",
    "implementation.view",
]
_COMMERCE_ORDERS = ["orders.view", "orders.create", "orders.edit", "orders.delete"] + [
    "implementation.view",
    "implementation.create",
    "implementation.edit",
]
_CATALOGUE_ADMIN = ["products.view", "products.create", "products.edit", "products.delete", "products.export"] + [
    "products.import",
    "products.admin",
]
_COMMERCE_GRANTS: dict[str, list[str]] = {
    "sales_rep": _COMMERCE_REP,
    "channel_rep": _COMMERCE_REP,
    "business_manager": _COMMERCE_REP + _COMMERCE_ORDERS + _CATALOGUE_ADMIN,
    "department_manager": _COMMERCE_REP + _COMMERCE_READ_ALL + ["contracts.delete"],
    "department_assistant": ["products.view", "quotes.view", "contracts.view"],
    "sales_management": _COMMERCE_READ_ALL + _CATALOGUE_ADMIN,
    "executive": _COMMERCE_READ_ALL,
    "finance": ["products.view", "contracts.view", "orders.view"],
    "implementation": ["products.view", "implementation.view", "implementation.edit"],
}
for _role in DEFAULT_ROLES:
    if isinstance(_role["permissions"], list):
        _role["permissions"] = list(dict.fromkeys(_role["permissions"] + _COMMERCE_GRANTS.get(_role["code"], [])))


def default_grants(spec: dict) -> set[str]:
    """The permissions a default role holds in the current defaults (every known one for the administrator)."""
    from .policies import all_permissions

    known = set(all_permissions())
    return known if spec["permissions"] == "__all__" else set(spec["permissions"]) & known
