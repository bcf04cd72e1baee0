"""The default approval rules of the requirement documents (REQUIREMENTS §6), as plain data.

Seeded once by a data migration (get or create by `seed_key`, so it is idempotent) and editable afterwards.
Names and step labels are English msgids, shown translated (`gettext_noop` marks them for makemessages).

Source (seeds, 客户商务管理): 销售部门经理和渠道部门经理的报价优惠幅度最高为5折, 总裁助理的报价优惠幅度最高为4.5折,
4.5折以下的优惠必须报副总裁或总裁审批. 小额合同(金额≤20万)同时项目折扣在4.5折以上, 且使用公司标准合同文本的,
业务部门经理可直接处理; 超出以上范围的, 则采取合同审查会签, 销售管理部经理应对合同条款提出初步意见, 并提交研发副总裁、
实施服务副总裁和总裁审查. The three reviewers receive the contract together, so they are one 会签 ("all") step after
the sales-management manager's step.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

# code → Chinese name (positions are named in Chinese in this company; get or create by code).
POSITIONS: dict[str, str] = {
    "president": "总裁",
    "vice_president": "副总裁",
    "president_assistant": "总裁助理",
    "rd_vp": "研发副总裁",
    "implementation_vp": "实施副总裁",
    "sales_management_manager": "销售管理部经理",
}

# Every vice president may approve what "a vice president or the president" may approve.
_VP_OR_PRESIDENT = ["vice_president", "rd_vp", "implementation_vp", "president"]


def _discount_ladder(kind: str, names: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [
        {
            "seed_key": f"{kind}_dept_manager",
            "kind": kind,
            "name": names[0],
            "priority": 10,
            "conditions": [{"fact": "min_discount_rate", "op": "gte", "value": "0.50"}],
            "steps": [{"label": gettext_noop("Department manager"), "approver_type": "department_manager"}],
        },
        {
            "seed_key": f"{kind}_president_assistant",
            "kind": kind,
            "name": names[1],
            "priority": 20,
            "conditions": [
                {"fact": "min_discount_rate", "op": "lt", "value": "0.50"},
                {"fact": "min_discount_rate", "op": "gte", "value": "0.45"},
            ],
            "steps": [
                {
                    "label": gettext_noop("President's assistant"),
                    "approver_type": "position",
                    "codes": ["president_assistant"],
                }
            ],
        },
        {
            "seed_key": f"{kind}_vp_or_president",
            "kind": kind,
            "name": names[2],
            "priority": 30,
            "conditions": [{"fact": "min_discount_rate", "op": "lt", "value": "0.45"}],
            "steps": [
                {
                    "label": gettext_noop("Vice president or president"),
                    "approver_type": "position",
                    "codes": _VP_OR_PRESIDENT,
                }
            ],
        },
    ]


DEFAULT_RULES: list[dict[str, Any]] = [
    *_discount_ladder(
        "quote",
        (
            gettext_noop("Quote discount down to 5折 — department manager"),
            gettext_noop("Quote discount down to 4.5折 — president's assistant"),
            gettext_noop("Quote discount below 4.5折 — a vice president or the president"),
        ),
    ),
    {
        "seed_key": "contract_small_standard",
        "kind": "contract",
        "name": gettext_noop("Contract ≤ ¥200,000, discount above 4.5折, standard template — department manager"),
        "priority": 10,
        "conditions": [
            {"fact": "amount", "op": "lte", "value": "200000"},
            {"fact": "min_discount_rate", "op": "gt", "value": "0.45"},
            {"fact": "standard_template", "op": "eq", "value": True},
        ],
        "steps": [{"label": gettext_noop("Department manager"), "approver_type": "department_manager"}],
    },
    {
        "seed_key": "contract_countersign",
        "kind": "contract",
        "name": gettext_noop("Other contracts — countersign (会签)"),
        "priority": 20,
        "conditions": [],
        "steps": [
            {
                "label": gettext_noop("Sales-management manager (first comments)"),
                "approver_type": "position",
                "codes": ["sales_management_manager"],
            },
            {
                "label": gettext_noop("R&D VP, implementation VP and president review"),
                "approver_type": "position",
                "codes": ["rd_vp", "implementation_vp", "president"],
                "mode": "all",
            },
        ],
    },
    *_discount_ladder(
        "special_price",
        (
            gettext_noop("Special price down to 5折 — department manager"),
            gettext_noop("Special price down to 4.5折 — president's assistant"),
            gettext_noop("Special price below 4.5折 — a vice president or the president"),
        ),
    ),
    {
        "seed_key": "execution_order_business_manager",
        "kind": "execution_order",
        "name": gettext_noop("Execution order — business manager of the department"),
        "priority": 10,
        "conditions": [],
        "steps": [
            {
                "label": gettext_noop("Business manager"),
                "approver_type": "role",
                "codes": ["business_manager"],
                "same_department": True,
            }
        ],
    },
    {
        "seed_key": "expense_claim_manager_finance",
        "kind": "expense_claim",
        "name": gettext_noop("Expense claim — manager, then finance"),
        "priority": 10,
        "conditions": [],
        "steps": [
            {"label": gettext_noop("Manager"), "approver_type": "manager"},
            {"label": gettext_noop("Finance"), "approver_type": "role", "codes": ["finance"]},
        ],
    },
]


def seed_defaults(rule_model: Any, step_model: Any, position_model: Any) -> int:
    """Create the missing default positions and rules (by code / seed_key); returns rules created."""
    for code, name in POSITIONS.items():
        if not position_model.objects.filter(code=code).exists():
            # A position with the same name but another code keeps its code; ours gets a suffixed name.
            taken = position_model.objects.filter(name=name).exists()
            position_model.objects.create(code=code, name=f"{name}（{code}）" if taken else name)
    created = 0
    for spec in DEFAULT_RULES:
        if rule_model.objects.filter(seed_key=spec["seed_key"]).exists():
            continue
        seed_rule(spec, rule_model, step_model)
        created += 1
    return created


def seed_rule(spec: dict[str, Any], rule_model: Any, step_model: Any) -> Any:
    """Create one rule of the DEFAULT_RULES shape with its steps (the caller checks it is missing)."""
    rule = rule_model.objects.create(
        seed_key=spec["seed_key"],
        kind=spec["kind"],
        name=spec["name"],
        priority=spec["priority"],
        conditions=spec["conditions"],
        is_active=True,
    )
    for order, step in enumerate(spec["steps"]):
        step_model.objects.create(
            rule=rule,
            order=order,
            label=step["label"],
            approver_type=step["approver_type"],
            codes=step.get("codes", []),
            same_department=step.get("same_department", False),
            mode=step.get("mode", "any"),
        )
    return rule


def ensure_kind_rules(specs: list[dict[str, Any]]) -> int:
    """Seed a lower app's default rules for one document kind (its set-up step calls this through the
    APPROVAL_ENGINE port): only while the kind has no rule at all, so a default an administrator deleted
    or replaced stays as they left it. Returns the rules created."""
    from .models import ApprovalRule, ApprovalRuleStep

    kinds = {spec["kind"] for spec in specs}
    if ApprovalRule.objects.filter(kind__in=kinds).exists():
        return 0
    for spec in specs:
        seed_rule(spec, ApprovalRule, ApprovalRuleStep)
    return len(specs)


def ensure_defaults() -> int:
    """Seed the missing defaults on the current database (tests that flush tables call this; the data migration
    seeds a new database). Not a start-up step: a default rule an administrator deleted stays deleted."""
    from django.apps import apps

    return seed_defaults(
        apps.get_model("approvals", "ApprovalRule"),
        apps.get_model("approvals", "ApprovalRuleStep"),
        apps.get_model("org", "Position"),
    )
