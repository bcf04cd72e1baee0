"""Assignment by rules (分单): matching, priority, round robin, least loaded, the cap. Expected owners
are worked out by hand in the comments."""

from __future__ import annotations

import pytest

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.sales.leads import services
from guanxi.sales.models import Lead, LeadAssignmentRule
from guanxi.sales.tests.factories import LeadFactory, RuleFactory

pytestmark = pytest.mark.django_db


def owners(leads: list[Lead]) -> list[str | None]:
    return [
        Lead.objects.get(pk=lead.pk).owner.username if Lead.objects.get(pk=lead.pk).owner else None for lead in leads
    ]


def give_open_leads(user, n: int) -> None:
    for _ in range(n):
        LeadFactory(owner=user, status=Lead.Status.ASSIGNED)


# --- matching --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("criteria", "lead", "expected"),
    [
        ({}, {"province": "", "industry": ""}, True),  # empty criteria match anything
        ({"provinces": ["广东"]}, {"province": "广东省"}, True),  # 省 suffix ignored
        ({"provinces": ["上海市"]}, {"province": " 上海 "}, True),
        ({"provinces": ["广西壮族自治区"]}, {"province": "广西"}, True),
        ({"provinces": ["广东"]}, {"province": "广西"}, False),
        ({"provinces": ["广东"]}, {"province": ""}, False),  # a region rule needs a region
        ({"industries": ["Manufacturing"]}, {"industry": "manufacturing"}, True),
        ({"industries": ["制造业"]}, {"industry": "零售"}, False),
        ({"sizes": ["large", "huge"]}, {"size": "huge"}, True),
        ({"sizes": ["large"]}, {"size": ""}, False),
        ({"sources": ["website"]}, {"source": "website"}, True),
        ({"sources": ["website"]}, {"source": "phone"}, False),
        (
            {"provinces": ["广东"], "sources": ["website"]},
            {"province": "广东", "source": "phone"},
            False,
        ),  # all must hold
    ],
)
def test_rule_matching(criteria, lead, expected):
    rule = LeadAssignmentRule(name="r", **criteria)
    assert services.rule_matches(rule, Lead(**lead)) is expected


# --- order of rules --------------------------------------------------------------------------
def test_rules_are_tried_in_priority_order_and_inactive_ones_are_skipped(org, south):
    # given: inactive rule first (would take everything), then 广东 → a, then a catch-all → b
    RuleFactory(name="off", priority=1, is_active=False, target_user=south["c"])
    RuleFactory(name="广东", priority=20, provinces=["广东"], target_user=south["a"])
    RuleFactory(name="catch-all", priority=30, target_user=south["b"])
    gd = LeadFactory(province="广东省")
    zj = LeadFactory(province="浙江省")
    nowhere = LeadFactory(province="")
    # when the system runs the rules
    outcomes = services.lead_assign_by_rules(actor=None)
    # then 广东 goes to a, everything else to b, nothing to c
    assert owners([gd, zj, nowhere]) == ["south_a", "south_b", "south_b"]
    assert [o.rule.name for o in outcomes] == ["广东", "catch-all", "catch-all"]
    assert all(Lead.objects.get(pk=x.pk).status == Lead.Status.ASSIGNED for x in (gd, zj, nowhere))


def test_only_unowned_new_or_valid_leads_are_touched(org, south):
    RuleFactory(target_user=south["a"])
    invalid = LeadFactory(status=Lead.Status.INVALID)
    owned = LeadFactory(status=Lead.Status.ASSIGNED, owner=south["b"])
    lost = LeadFactory(status=Lead.Status.LOST, lost_reason="无预算")
    valid = LeadFactory(status=Lead.Status.VALID)
    outcomes = services.lead_assign_by_rules(actor=None)
    assert [o.lead.pk for o in outcomes] == [valid.pk]
    assert owners([invalid, owned, lost, valid]) == [None, "south_b", None, "south_a"]


# --- distribution ----------------------------------------------------------------------------
def test_round_robin_cycles_through_the_team_by_id_and_remembers_where_it_stopped(org, south):
    # given a team rule with round robin; the team's business manager also holds leads.view, so he
    # takes turns too. By id: boss (created first) < a < b < c
    boss = south["boss"]
    rule = RuleFactory(target_department=south["team"], distribution="round_robin")
    first = [LeadFactory() for _ in range(5)]
    # when the rules run over 5 leads, oldest first
    services.lead_assign_by_rules(actor=None)
    # then boss, a, b, c, boss
    assert owners(first) == [boss.username, "south_a", "south_b", "south_c", boss.username]
    rule.refresh_from_db()
    assert rule.last_assigned_user == boss
    # and the next run continues with the member after boss: a
    later = LeadFactory()
    services.lead_assign_by_rules(actor=None)
    assert owners([later]) == ["south_a"]


def test_round_robin_over_reps_only(org, south):
    # given the manager left the team: only a, b, c share the leads
    south["boss"].department = org.hq
    south["boss"].save()
    RuleFactory(target_department=south["team"])
    leads = [LeadFactory() for _ in range(4)]
    services.lead_assign_by_rules(actor=None)
    assert owners(leads) == ["south_a", "south_b", "south_c", "south_a"]


def test_least_loaded_picks_the_rep_with_fewest_open_leads_ties_by_id(org, south):
    # given open loads a=2, b=0, c=1 (boss out of the team) and a least-loaded rule
    south["boss"].department = org.hq
    south["boss"].save()
    give_open_leads(south["a"], 2)
    give_open_leads(south["c"], 1)
    LeadFactory(owner=south["b"], status=Lead.Status.CONVERTED)  # closed: no load
    RuleFactory(target_department=south["team"], distribution="least_loaded")
    leads = [LeadFactory() for _ in range(4)]
    services.lead_assign_by_rules(actor=None)
    # then: b(0) → b; loads a2 b1 c1 → b (tie with c, lower id); a2 b2 c1 → c; a2 b2 c2 → a
    assert owners(leads) == ["south_b", "south_b", "south_c", "south_a"]


def test_the_cap_skips_full_reps_and_falls_through_to_the_next_rule(org, south):
    # given a team rule capped at 2 open leads: a has 2, b has 1, c has 2 (boss out of the team),
    # and behind it an overflow rule to the business manager
    boss = south["boss"]
    boss.department = org.hq
    boss.save()
    give_open_leads(south["a"], 2)
    give_open_leads(south["b"], 1)
    give_open_leads(south["c"], 2)
    RuleFactory(priority=10, target_department=south["team"], max_open_leads=2)
    RuleFactory(priority=20, target_user=boss, name="overflow")
    leads = [LeadFactory() for _ in range(2)]
    outcomes = services.lead_assign_by_rules(actor=None)
    # then b takes one (1 → 2), after that the team is full and the overflow rule takes the next
    assert owners(leads) == ["south_b", boss.username]
    assert [o.rule.name for o in outcomes][1] == "overflow"


def test_when_everyone_is_at_the_cap_the_lead_waits_and_the_business_managers_are_told(org, south):
    # given every team member (a, b, c and the manager) at the cap of 1
    for key in ("a", "b", "c", "boss"):
        give_open_leads(south[key], 1)
    RuleFactory(target_department=south["team"], max_open_leads=1)
    lead = LeadFactory()
    # when the system runs the rules
    outcomes = services.lead_assign_by_rules(actor=None)
    # then the lead stays unassigned and new, the outcome says why
    assert outcomes[0].reason == "at_capacity" and outcomes[0].user is None
    lead.refresh_from_db()
    assert lead.owner is None and lead.status == Lead.Status.NEW
    # and the team's manager (its business manager, holding leads.assign) is warned
    note = Notification.objects.get(kind="lead_unassigned")
    assert note.recipient == south["boss"] and note.level == "warning"


def test_lead_matching_no_rule_stays_in_the_queue_without_warnings(org, south):
    RuleFactory(provinces=["北京"], target_user=south["a"])
    lead = LeadFactory(province="上海")
    outcomes = services.lead_assign_by_rules(actor=None)
    assert outcomes[0].reason == "no_rule"
    assert Lead.objects.get(pk=lead.pk).owner is None
    assert not Notification.objects.filter(kind="lead_unassigned").exists()


def test_inactive_or_blind_members_never_get_leads(org, south):
    # given c closed his account and the team has a member without leads.view
    south["c"].is_active = False
    south["c"].save()
    from guanxi.org.tests.factories import UserFactory

    UserFactory(username="south_clerk", department=south["team"], roles=["finance"])
    south["boss"].department = org.hq
    south["boss"].save()
    RuleFactory(target_department=south["team"])
    leads = [LeadFactory() for _ in range(3)]
    services.lead_assign_by_rules(actor=None)
    assert owners(leads) == ["south_a", "south_b", "south_a"]


# --- effects of an assignment ----------------------------------------------------------------
def test_rule_assignment_is_audited_and_notifies_each_assignee_once(org, south):
    RuleFactory(name="华南分单", target_user=south["a"])
    leads = [LeadFactory() for _ in range(2)]
    services.lead_assign_by_rules(actor=None)
    entry = AuditLog.objects.filter(action=AuditLog.Action.TRANSFER, object_id=str(leads[0].pk)).get()
    assert entry.actor is None and "华南分单" in entry.message
    assert entry.changes["owner"] == [None, str(south["a"])]
    notes = Notification.objects.filter(recipient=south["a"], kind="lead_assigned")
    assert notes.count() == 1 and "2" in notes.get().title


def test_a_manager_runs_the_rules_only_on_leads_in_reach(org, south):
    # given an east lead owned by nobody and a rule; a rep may not run the rules
    RuleFactory(target_user=south["a"])
    lead = LeadFactory()
    with pytest.raises(PermissionDeniedError):
        services.lead_assign_by_rules(actor=org["east_rep"])
    assert Lead.objects.get(pk=lead.pk).owner is None
    # when the east assistant runs them (owner-less leads are in reach of leads.assign)
    outcomes = services.lead_assign_by_rules(actor=org["east_assistant"], lead_ids=[lead.pk])
    # then the lead is assigned, with the assistant recorded as assigner
    assert outcomes[0].user == south["a"]
    lead.refresh_from_db()
    assert lead.assigned_by == org["east_assistant"] and lead.assigned_rule is not None


# --- rule administration ---------------------------------------------------------------------
def test_rule_needs_exactly_one_target_and_known_choices(org, south):
    admin = org["east_assistant"]
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_rule_create(actor=admin, data={"name": "x"})
    assert "target_user" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_rule_create(
            actor=admin, data={"name": "x", "target_user": south["a"], "target_department": south["team"]}
        )
    assert "target_department" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_rule_create(actor=admin, data={"name": "x", "target_user": south["a"], "sizes": ["giant"]})
    assert "sizes" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.assignment_rule_create(actor=admin, data={"name": "x", "target_user": org["nobody"]})
    assert "target_user" in exc.value.fields
    assert not LeadAssignmentRule.objects.exists()


def test_rule_lists_accept_chinese_separators_and_new_rules_go_last(org, south):
    first = services.assignment_rule_create(
        actor=org["east_assistant"], data={"name": "一", "target_user": south["a"], "provinces": "广东、广西，福建"}
    )
    second = services.assignment_rule_create(
        actor=org["east_assistant"], data={"name": "二", "target_user": south["b"]}
    )
    assert first.provinces == ["广东", "广西", "福建"]
    assert second.priority > first.priority


def test_moving_a_rule_renumbers_the_order(org, south):
    a = RuleFactory(name="A", priority=5, target_user=south["a"])
    b = RuleFactory(name="B", priority=7, target_user=south["b"])
    c = RuleFactory(name="C", priority=100, target_user=south["c"])
    services.assignment_rule_move(actor=org["east_assistant"], rule=c, direction="up")
    order = list(LeadAssignmentRule.objects.values_list("name", "priority"))
    assert order == [("A", 10), ("C", 20), ("B", 30)]
    assert {a.pk, b.pk, c.pk} == set(LeadAssignmentRule.objects.values_list("pk", flat=True))


def test_a_rep_may_not_edit_rules_and_nothing_changes(org, south):
    rule = RuleFactory(name="原名", target_user=south["a"])
    with pytest.raises(PermissionDeniedError):
        services.assignment_rule_update(actor=org["east_rep"], rule=rule, data={"name": "改名"})
    with pytest.raises(PermissionDeniedError):
        services.assignment_rule_create(actor=org["east_rep"], data={"name": "新", "target_user": south["a"]})
    rule.refresh_from_db()
    assert rule.name == "原名" and rule.version == 1 and LeadAssignmentRule.objects.count() == 1


def test_rule_update_bumps_version_and_refuses_stale_writes(org, south):
    from guanxi.core.errors import PreconditionFailedError

    rule = RuleFactory(name="原名", target_user=south["a"])
    rule = services.assignment_rule_update(actor=org["east_assistant"], rule=rule, data={"max_open_leads": 5})
    assert rule.version == 2 and rule.max_open_leads == 5
    with pytest.raises(PreconditionFailedError):
        services.assignment_rule_update(actor=org["east_assistant"], rule=rule, data={"name": "x"}, expected_version=1)
    rule.refresh_from_db()
    assert rule.name == "原名"
