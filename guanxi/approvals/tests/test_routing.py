"""Routing of the default rules (REQUIREMENTS §6) on worked examples, boundaries included, and the explanation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.approvals.models import ApprovalRule, ApprovalRuleStep
from guanxi.approvals.selectors import approval_route_explain
from guanxi.core.errors import ValidationFailed
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def route(kind: str, applicant: Any, **facts: Any) -> list[tuple[str, list[str]]]:
    plan = approval_route_explain(kind=kind, facts=facts, applicant=applicant)
    return [(mode, sorted(u.username for u in users)) for _label, mode, users in plan.steps]


VP_OR_PRESIDENT = ["impl_vp", "president", "rd_vp", "vp"]


@pytest.mark.parametrize("kind", ["quote", "special_price"])
@pytest.mark.parametrize(
    ("discount", "expected"),
    [
        ("1.00", ["east_manager"]),
        ("0.50", ["east_manager"]),  # exactly 5折: still the department manager
        ("0.4999", ["assistant"]),
        ("0.48", ["assistant"]),
        ("0.45", ["assistant"]),  # exactly 4.5折: still the president's assistant
        ("0.4499", VP_OR_PRESIDENT),
        ("0.30", VP_OR_PRESIDENT),
    ],
)
def test_discount_ladder_routes_to_the_right_person(
    org: Any, execs: Any, decisions: Any, kind: str, discount: str, expected: list[str]
) -> None:
    # given a rep of the east department (manager east_manager) asking for a discount
    # when the route is explained
    steps = route(kind, org["east_rep"], min_discount_rate=Decimal(discount), amount=Decimal("50000"))
    # then one "any one" step goes to the expected people
    assert steps == [("any", expected)]


def test_department_manager_walks_up_the_tree(org: Any, execs: Any, decisions: Any) -> None:
    # given a rep of a team without a manager, and the east manager submitting their own quote
    # when routed at 5折
    # then the team rep goes to the east manager, the east manager to the headquarters manager (president)
    assert route("quote", org["team_rep"], min_discount_rate=Decimal("0.5")) == [("any", ["east_manager"])]
    assert route("quote", org["east_manager"], min_discount_rate=Decimal("0.5")) == [("any", ["president"])]


def test_a_team_lead_is_not_the_department_manager(org: Any, execs: Any, decisions: Any) -> None:
    # given a team under the east department whose lead manages the team
    from guanxi.org.models import Department
    from guanxi.org.tests.factories import DepartmentFactory, UserFactory

    team = DepartmentFactory(name="华东一组", parent=org["east_rep"].department, kind=Department.Kind.TEAM)
    lead = UserFactory(username="team_lead", department=team, roles=["business_manager"])
    team.manager = lead
    team.save(update_fields=["manager"])
    rep = UserFactory(username="team_member", department=team, manager=lead, roles=["sales_rep"])
    # when the team's rep asks for 5折, then the department's manager decides, not the team lead
    assert route("quote", rep, min_discount_rate=Decimal("0.5")) == [("any", ["east_manager"])]
    # and a team with no department above it still has its lead
    lone = DepartmentFactory(name="独立小组", parent=None, kind=Department.Kind.TEAM)
    lone.manager = lead
    lone.save(update_fields=["manager"])
    loner = UserFactory(username="lone_member", department=lone, roles=["sales_rep"])
    assert route("quote", loner, min_discount_rate=Decimal("0.5")) == [("any", ["team_lead"])]


def test_applicant_never_approves_own_quote(org: Any, execs: Any, decisions: Any) -> None:
    # given the president's assistant submitting a 4.8折 quote (the only president's assistant)
    # when routed
    steps = route("quote", execs["assistant"], min_discount_rate=Decimal("0.48"))
    # then the step escalates to the assistant's department manager (the president), not to themself
    assert steps == [("any", ["president"])]
    # and a vice president's own 4折 quote goes to the other VPs and the president
    assert route("quote", execs["vp"], min_discount_rate=Decimal("0.4")) == [("any", ["impl_vp", "president", "rd_vp"])]


@pytest.mark.parametrize(
    ("amount", "discount", "standard", "small"),
    [
        ("200000", "0.46", True, True),  # exactly ¥200,000: the department manager alone
        ("150000.00", "0.80", True, True),
        ("200000.01", "0.46", True, False),
        ("100000", "0.45", True, False),  # exactly 4.5折 is not "above 4.5折"
        ("100000", "0.60", False, False),  # not the standard template
    ],
)
def test_contract_rule(
    org: Any, execs: Any, decisions: Any, amount: str, discount: str, standard: bool, small: bool
) -> None:
    # given a contract of the east rep
    # when routed
    steps = route(
        "contract",
        org["east_rep"],
        amount=Decimal(amount),
        min_discount_rate=Decimal(discount),
        standard_template=standard,
        department_id=org.east.pk,
    )
    # then a small standard contract goes to the department manager alone, any other is countersigned:
    # the sales-management manager first, then R&D VP, implementation VP and president all together
    if small:
        assert steps == [("any", ["east_manager"])]
    else:
        assert steps == [("any", ["smm"]), ("all", ["impl_vp", "president", "rd_vp"])]


def test_contract_without_the_template_fact_is_countersigned(org: Any, execs: Any, decisions: Any) -> None:
    # given a contract whose template flag is missing: the first rule's condition cannot hold
    steps = route("contract", org["east_rep"], amount=Decimal("1000"), min_discount_rate=Decimal("0.9"))
    # then it is countersigned
    assert steps[0] == ("any", ["smm"])


def test_execution_order_goes_to_the_business_manager_of_the_department(org: Any, execs: Any, decisions: Any) -> None:
    # given a business manager in the east department (and one in the west)
    UserFactory(username="west_bm", department=org.west, roles=["business_manager"])
    # then an east rep's order goes to the east one; the team rep's (team has none) walks up to east
    assert route("execution_order", org["east_rep"], amount=Decimal("1")) == [("any", ["east_bm"])]
    assert route("execution_order", org["team_rep"], amount=Decimal("1")) == [("any", ["east_bm"])]
    # and with nobody in the department or above, a business manager of one of its teams
    team_bm = UserFactory(username="team_bm", department=org.east_team, roles=["business_manager"])
    execs["east_bm"].roles.clear()
    assert route("execution_order", org["east_rep"], amount=Decimal("1")) == [("any", [team_bm.username])]


def test_expense_claim_goes_to_the_manager_then_finance(org: Any, execs: Any, decisions: Any) -> None:
    # given the east rep (manager east_manager) and a rep without a manager in the west department
    nomanager = UserFactory(username="loner", department=org.west)
    # then manager → finance; without a manager the department manager takes the first step
    assert route("expense_claim", org["east_rep"], amount=Decimal("300")) == [
        ("any", ["east_manager"]),
        ("any", ["finance"]),
    ]
    assert route("expense_claim", nomanager, amount=Decimal("300"))[0] == ("any", ["west_manager"])


def test_explanation_names_the_rule_and_reason(org: Any, execs: Any, decisions: Any) -> None:
    # given a 4.8折 quote
    with translation.override("en"):
        plan = approval_route_explain(
            kind="quote", facts={"min_discount_rate": Decimal("0.48")}, applicant=org["east_rep"]
        )
    # then the explanation says who and why, in the reader's language
    assert plan.explanation == (
        "This quote needs approval by President's assistant: Lowest discount 48% below 50% and at least 45%"
    )
    assert plan.rule.seed_key == "quote_president_assistant"
    # and in Chinese
    with translation.override("zh-hans"):
        plan = approval_route_explain(
            kind="quote", facts={"min_discount_rate": Decimal("0.48")}, applicant=org["east_rep"]
        )
    assert plan.explanation == "此报价需总裁助理审批：最低折扣 4.8折 低于 5折 且不低于 4.5折"
    with translation.override("zh-hans"):
        plan = approval_route_explain(
            kind="contract",
            facts={"amount": Decimal("300000"), "min_discount_rate": Decimal("0.6"), "standard_template": True},
            applicant=org["east_rep"],
        )
    assert plan.explanation == (
        "此合同需销售管理部经理（初步意见） → 研发副总裁、实施副总裁、总裁审查（会签）审批："
        "金额 ¥300,000.00 高于 ¥200,000.00"
    )


def test_explanation_of_a_catch_all_rule_says_why_the_earlier_rule_did_not_apply(
    org: Any, execs: Any, decisions: Any
) -> None:
    with translation.override("en"):
        plan = approval_route_explain(
            kind="contract",
            facts={"amount": Decimal("300000"), "min_discount_rate": Decimal("0.6"), "standard_template": True},
            applicant=org["east_rep"],
        )
    assert "Amount ¥300,000.00 above ¥200,000.00" in plan.explanation
    assert "(countersign)" in plan.explanation


def test_first_rule_by_priority_then_id_wins(org: Any, decisions: Any) -> None:
    # given two catch-all rules of the same priority, each to a different person
    one, two = UserFactory(username="one"), UserFactory(username="two")
    for person in (one, two):
        rule = ApprovalRule.objects.create(kind="test_doc", name=f"to {person}", priority=5, conditions=[])
        step = ApprovalRuleStep.objects.create(rule=rule, label="s", approver_type="users")
        step.users.set([person])
    # then the older rule (lower id) wins, every time
    for _ in range(3):
        assert route("test_doc", org["east_rep"]) == [("any", ["one"])]


def test_inactive_rules_and_unmatched_documents(org: Any, decisions: Any) -> None:
    # given only an inactive rule
    ApprovalRule.objects.create(kind="test_doc", name="off", priority=1, conditions=[], is_active=False)
    # then nothing matches: a clear error
    with pytest.raises(ValidationFailed, match="No approval rule"):
        route("test_doc", org["east_rep"])


def test_step_nobody_can_approve_is_named(org: Any, decisions: Any) -> None:
    # given a rule whose step asks for a position nobody holds
    rule = ApprovalRule.objects.create(kind="test_doc", name="r", priority=1, conditions=[])
    ApprovalRuleStep.objects.create(rule=rule, label="财务总监", approver_type="position", codes=["cfo"])
    with pytest.raises(ValidationFailed, match="财务总监"):
        route("test_doc", org["east_rep"])


def test_conditions_of_every_operator(org: Any, decisions: Any) -> None:
    # given rules on amount and the urgent flag
    target = UserFactory(username="target")
    rule = ApprovalRule.objects.create(
        kind="test_doc",
        name="r",
        priority=1,
        conditions=[
            {"fact": "amount", "op": "gt", "value": "10"},
            {"fact": "amount", "op": "lte", "value": "20"},
            {"fact": "amount", "op": "ne", "value": "15"},
            {"fact": "amount", "op": "in", "value": ["11", "12", "16"]},
            {"fact": "urgent", "op": "eq", "value": True},
        ],
    )
    ApprovalRuleStep.objects.create(rule=rule, label="s", approver_type="users").users.set([target])
    # then it matches only where every condition holds
    assert route("test_doc", org["east_rep"], amount="12", urgent=True) == [("any", ["target"])]
    misses = [{"amount": "15", "urgent": True}, {"amount": "12", "urgent": False}, {"amount": "13", "urgent": True}]
    for facts in misses:
        with pytest.raises(ValidationFailed):
            route("test_doc", org["east_rep"], **facts)
    with pytest.raises(ValidationFailed):  # an unreadable amount never matches
        route("test_doc", org["east_rep"], amount="twelve", urgent=True)


@given(rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_discount_lands_on_exactly_the_ladder_rule(org: Any, execs: Any, decisions: Any, rate: Decimal) -> None:
    # given any lowest discount between 0 and 1 (4 places)
    plan = approval_route_explain(kind="quote", facts={"min_discount_rate": rate}, applicant=org["east_rep"])
    # then the rule is the one the requirement's thresholds name, with no gap and no overlap
    expected = (
        "quote_dept_manager"
        if rate >= Decimal("0.5")
        else "quote_president_assistant"
        if rate >= Decimal("0.45")
        else "quote_vp_or_president"
    )
    assert plan.rule.seed_key == expected


def test_a_yes_no_fact_reads_as_the_documents_answer() -> None:
    # given a rule condition "standard template is yes" and a contract that is not on the standard template
    from django.utils import translation

    from guanxi.approvals.kinds import FactSpec
    from guanxi.approvals.selectors import describe_condition

    specs = {"standard_template": FactSpec("Standard template", "bool")}
    condition = {"fact": "standard_template", "op": "eq", "value": True}
    # when the engine explains it, then it states the answer, not "no is not yes"
    with translation.override("en"):
        assert (
            describe_condition(condition, {"standard_template": False}, specs, negate=True) == "Standard template: no"
        )
    with translation.override("zh-hans"):
        assert describe_condition(condition, {"standard_template": True}, specs) == "Standard template：是"
