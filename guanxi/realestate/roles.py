"""Real estate's own default roles (the sales office's four jobs), created by org with its default roles only where
the installation switched the app on (core.registry's DefaultRoles), and the grants org's default roles get in the
app's modules (DefaultGrants).

Each of the four works on the projects they are members of (data scope by project: none holds "Every project",
re_properties.all_projects); within them the role's data scope applies:

- 置业顾问 the agent (own records): receives visitors, follows them up, reads units, prices and purchase plans, and
  carries their own buyers' trades from the selection through the small deposit and subscription to the contract;
- 销售经理 the sales manager (all records of their projects): the agents' work, plus releasing and holding units,
  prices, cancelling a trade (退房/换房), the sales office's rotation and grading rules, exports;
- 财务 finance (all records of their projects): reads the trades and keeps the money: receipts, refunds;
- 策划/营销 planning (all records of their projects): sets the projects up — buildings and units, imports, prices,
  batch price adjustments, release — and reads the visitors and the sales, without selling or taking money.

Approving a batch price adjustment stays with sales management; a manager's special discount above the threshold goes to
the sales manager (re_sales_manager): the default approval rules, data an administrator edits (providers.py)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from guanxi.org.models import DataScope

# Org's default roles in the app's modules. Sales reps are the sales office's agents: they read units, prices and
# purchase plans; department managers (the sales manager) release and hold units and set prices; sales management
# also approves; finance reads prices. Agents carry a trade from the selection to the contract and take the small
# deposit; cancelling one (退房/换房) is the manager's; finance keeps the receipts and refunds. Sales management,
# finance and executives see every project.
AGENT = ["re_properties.view", "re_pricing.view", "re_sales.view", "re_sales.create", "re_sales.edit",
         "re_collections.view", "re_visitors.view", "re_visitors.create", "re_visitors.edit"]  # fmt: skip
MANAGER = AGENT + ["re_properties.create", "re_properties.edit", "re_properties.export", "re_properties.release",
                   "re_properties.import", "re_pricing.edit", "re_sales.cancel", "re_sales.export",
                   "re_collections.create", "re_collections.export", "re_visitors.export",
                   "re_visitors.admin"]  # fmt: skip
FINANCE = ["re_properties.view", "re_pricing.view", "re_sales.view", "re_sales.export", "re_collections.view",
           "re_collections.create", "re_collections.refund", "re_collections.export", "re_visitors.view"]  # fmt: skip
PLANNING = ["re_properties.view", "re_properties.create", "re_properties.edit", "re_properties.import",
            "re_properties.export", "re_properties.release", "re_pricing.view", "re_pricing.edit", "re_sales.view",
            "re_visitors.view", "re_visitors.export", "re_visitors.admin"]  # fmt: skip
EVERY_PROJECT = "re_properties.all_projects"

GRANTS_BY_ROLE = {
    "sales_rep": AGENT,
    "business_manager": AGENT,
    "department_manager": MANAGER,
    "sales_management": MANAGER
    + ["re_properties.delete", "re_pricing.approve", "re_collections.refund", EVERY_PROJECT],
    "executive": [
        "re_properties.view",
        "re_pricing.view",
        "re_sales.view",
        "re_collections.view",
        "re_properties.export",
        "re_visitors.view",
        EVERY_PROJECT,
    ],  # fmt: skip
    "finance": FINANCE + [EVERY_PROJECT],
}

# The customers app's records the sales office works with: the buyer is a customer (a person registered at the
# visit, or on the spot when a trade starts), followed up with the customers app's follow-ups and tasks.
_CUSTOMERS_OF_AGENT = ["customers.view", "customers.create", "customers.edit", "contacts.view", "contacts.create",
                       "contacts.edit", "followups.view", "followups.create", "followups.edit", "tasks.view",
                       "tasks.create", "tasks.edit"]  # fmt: skip
_CUSTOMERS_OF_MANAGER = _CUSTOMERS_OF_AGENT + ["customers.assign", "customers.export", "followups.export",
                                               "tasks.assign"]  # fmt: skip
_READ_CUSTOMERS = ["customers.view", "contacts.view", "followups.view"]

ROLES = (
    {
        "code": "re_agent",
        "name": gettext_noop("Sales-office agent"),
        "scope": DataScope.SELF,
        "permissions": AGENT + _CUSTOMERS_OF_AGENT,
    },
    {
        "code": "re_sales_manager",
        "name": gettext_noop("Real-estate sales manager"),
        "scope": DataScope.ALL,
        "permissions": MANAGER + _CUSTOMERS_OF_MANAGER,
    },
    {
        "code": "re_finance",
        "name": gettext_noop("Real-estate finance"),
        "scope": DataScope.ALL,
        "permissions": FINANCE + ["customers.view", "contacts.view"],
    },
    {
        "code": "re_planning",
        "name": gettext_noop("Real-estate planning"),
        "scope": DataScope.ALL,
        "permissions": PLANNING + _READ_CUSTOMERS,
    },
)
