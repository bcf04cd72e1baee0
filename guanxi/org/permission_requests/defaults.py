"""The default approval rules of permission change requests, as data (seeded by org's set-up step through the
approval engine's port, APPROVAL_ENGINE.seed_rules, while the kind has no rule; editable under Approval rules).

权限变更须经审批 (REQUIREMENTS §11): the applicant's manager approves. A request that grants the right to administer
users and roles needs an administrator as well, so a manager alone can never make someone an administrator.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

KIND = "permission_change"

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "seed_key": "permission_change_grants_admin",
        "kind": KIND,
        "name": gettext_noop("Permission change granting administration — manager, then an administrator"),
        "priority": 10,
        "conditions": [{"fact": "grants_admin", "op": "eq", "value": True}],
        "steps": [
            {"label": gettext_noop("Manager"), "approver_type": "manager"},
            {"label": gettext_noop("Administrator"), "approver_type": "role", "codes": ["administrator"]},
        ],
    },
    {
        "seed_key": "permission_change_manager",
        "kind": KIND,
        "name": gettext_noop("Permission change — the applicant's manager"),
        "priority": 20,
        "conditions": [],
        "steps": [{"label": gettext_noop("Manager"), "approver_type": "manager"}],
    },
]
