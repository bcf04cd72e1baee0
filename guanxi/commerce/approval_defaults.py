"""The default approval rules of commerce's documents (REQUIREMENTS §6): quotes, special-price requests, contracts
and execution orders, with the positions their steps name. Data, registered with the approval engine in
providers.py (core.registry.DefaultApprovalRules), which seeds them once on a new database (get or create by
`seed_key`) and leaves them editable under Approval rules. Names and step labels are English msgids, shown
translated (`gettext_noop` marks them for makemessages).

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
]
