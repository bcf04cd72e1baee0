"""New-customer review (录入审核) through the approval engine: the document kind's facts and summary, and the
default rule (data, registered in providers.py and seeded by the approval engine on a new database; editable
afterwards under Approval rules).

The default rule has no conditions and one 或签 step: a user holding the role department_manager or
department_assistant, from the applicant's department (walking up the department tree until a department has
one; see guanxi.approvals.selectors._by_codes). A step has one approver type, so the department's *named*
manager (Department.manager) is included only when they hold the department_manager role, which the default
roles give every department manager; an administrator who prefers the named manager changes the step to
"applicant's department manager" (the assistant is then no longer asked).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

REVIEW_KIND = "customer_review"

REVIEW_RULE: dict[str, Any] = {
    "seed_key": "customer_review_department",
    "kind": REVIEW_KIND,
    "name": gettext_noop("New customers — the department's manager or assistant"),
    "priority": 10,
    "conditions": [],
    "steps": [
        {
            "label": gettext_noop("Department manager or assistant"),
            "approver_type": "role",
            "codes": ["department_manager", "department_assistant"],
            "same_department": True,
            "mode": "any",
        }
    ],
}


def review_facts(customer: Any) -> dict[str, Any]:
    """What a rule condition of the new-customer review may test."""
    return {
        "department_id": customer.department_id,
        "source": customer.source or "",
        "kind": customer.kind,
        "level": customer.level,
    }


def review_summary(customer: Any) -> str:
    """One line for the inbox card: 企业 · 客户介绍 · B · 普通客户 (the applicant is shown beside it). No query:
    the inbox loads its documents without their relations."""
    parts = [customer.get_kind_display(), customer.get_source_display() if customer.source else ""]
    parts += [customer.get_level_display()]
    return " · ".join(str(p) for p in parts if p)
