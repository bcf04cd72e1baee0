"""Default roles from the requirement documents. Data, not code paths: an admin edits them after
setup, and `roles_ensure_defaults` only creates the ones that are missing.

The roles and their grants in the modules org registers (customers, contacts, follow-ups, tasks, audit) are here;
each higher app registers its modules' grants with its providers (core.registry.DefaultGrants), and
`default_roles()` puts them together."""

from __future__ import annotations

from typing import Any

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
DEFAULT_ROLES: list[dict[str, Any]] = [
    {
        "code": "sales_rep",
        "name": gettext_noop("Sales rep"),
        "scope": DataScope.SELF,
        "permissions": _REP,
    },
    {
        "code": "channel_rep",
        "name": gettext_noop("Channel rep"),
        "scope": DataScope.SELF,
        "permissions": _REP,
    },
    {
        "code": "business_manager",
        "name": gettext_noop("Business manager"),
        "scope": DataScope.DEPARTMENT,
        "permissions": _REP + ["customers.assign", "customers.import", "tasks.assign"],
    },
    {
        "code": "department_manager",
        "name": gettext_noop("Department manager"),
        "scope": DataScope.DEPARTMENT_TREE,
        "permissions": _MANAGER,
    },
    {
        "code": "department_assistant",
        "name": gettext_noop("Department assistant"),
        "scope": DataScope.DEPARTMENT,
        "permissions": _REP + ["customers.approve", "customers.assign", "tasks.assign"],
    },
    {
        "code": "sales_management",
        "name": gettext_noop("Sales-management office"),
        "scope": DataScope.ALL,
        "permissions": _MANAGER + ["audit.view"],
    },
    {
        "code": "executive",
        "name": gettext_noop("Executive"),
        "scope": DataScope.ALL,
        "permissions": _READ_ALL + ["customers.export", "customers.approve", "contacts.export", "followups.export"],
    },
    {
        "code": "service_agent",
        "name": gettext_noop("Service agent"),
        "scope": DataScope.ALL,
        "permissions": _READ_ALL + ["followups.create", "followups.edit", "tasks.create", "tasks.edit"],
    },
    {
        "code": "service_manager",
        "name": gettext_noop("Service manager"),
        "scope": DataScope.ALL,
        "permissions": _READ_ALL + ["followups.create", "followups.edit", "tasks.create", "tasks.edit", "tasks.assign"],
    },
    {
        "code": "marketing",
        "name": gettext_noop("Marketing"),
        "scope": DataScope.ALL,
        "permissions": ["customers.view", "contacts.view", "customers.export", "contacts.export"],
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


def default_roles() -> list[dict[str, Any]]:
    """The default roles with the grants every installed app registers for its modules (core.registry's
    DefaultGrants: sales, commerce, billing, …) added to org's own, and the roles switched-on apps own themselves
    (DefaultRoles: real estate's agent, sales manager, finance, planning); read when the roles are seeded or
    upgraded."""
    from guanxi.core.registry import registry

    # The roles apps own (core.registry's DefaultRoles), where the installation switched the app on.
    owned = [dict(r) for app in registry.default_roles if app.enabled is None or app.enabled() for r in app.roles]
    roles = []
    for spec in DEFAULT_ROLES + owned:
        if isinstance(spec["permissions"], list):
            extra = [p for grants in registry.default_grants for p in grants.grants_by_role.get(spec["code"], ())]
            spec = {**spec, "permissions": list(dict.fromkeys(list(spec["permissions"]) + extra))}
        roles.append(spec)
    return roles


def default_grants(spec: dict[str, Any]) -> set[str]:
    """The permissions a default role holds in the current defaults (every known one for the administrator)."""
    from .policies import all_permissions

    known = set(all_permissions())
    return known if spec["permissions"] == "__all__" else set(spec["permissions"]) & known
