"""Default roles from the requirement documents. Data, not code paths: an admin edits them after
setup, and `roles_ensure_defaults` only creates the ones that are missing."""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

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

DEFAULT_ROLES: list[dict] = [
    {"code": "sales_rep", "name": N_("Sales rep"), "scope": DataScope.SELF, "permissions": _REP},
    {"code": "channel_rep", "name": N_("Channel rep"), "scope": DataScope.SELF, "permissions": _REP},
    {
        "code": "business_manager",
        "name": N_("Business manager"),
        "scope": DataScope.DEPARTMENT,
        "permissions": _REP + ["customers.assign", "customers.import", "tasks.assign"],
    },
    {
        "code": "department_manager",
        "name": N_("Department manager"),
        "scope": DataScope.DEPARTMENT_TREE,
        "permissions": _MANAGER,
    },
    {
        "code": "department_assistant",
        "name": N_("Department assistant"),
        "scope": DataScope.DEPARTMENT,
        "permissions": _REP + ["customers.approve", "customers.assign", "tasks.assign"],
    },
    {
        "code": "sales_management",
        "name": N_("Sales-management office"),
        "scope": DataScope.ALL,
        "permissions": _MANAGER + ["audit.view"],
    },
    {
        "code": "executive",
        "name": N_("Executive"),
        "scope": DataScope.ALL,
        "permissions": _READ_ALL + ["customers.export", "customers.approve", "contacts.export", "followups.export"],
    },
    {
        "code": "service_agent",
        "name": N_("Service agent"),
        "scope": DataScope.ALL,
        "permissions": _READ_ALL + ["followups.create", "followups.edit", "tasks.create", "tasks.edit"],
    },
    {
        "code": "marketing",
        "name": N_("Marketing"),
        "scope": DataScope.ALL,
        "permissions": ["customers.view", "contacts.view", "customers.export", "contacts.export"],
    },
    {
        "code": "finance",
        "name": N_("Finance"),
        "scope": DataScope.ALL,
        "permissions": ["customers.view", "contacts.view"],
    },
    {
        "code": "implementation",
        "name": N_("Implementation"),
        "scope": DataScope.ALL,
        "permissions": ["customers.view", "contacts.view", "tasks.view", "tasks.create", "tasks.edit"],
    },
    {"code": "administrator", "name": N_("Administrator"), "scope": DataScope.ALL, "permissions": "__all__"},
]
