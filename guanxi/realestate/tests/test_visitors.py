"""The sales office: data scope by project, the duty rotation (轮岗), visit registration with returns recognised by
the phone number, grading by the administrator's rules, and follow-ups as the customers app's records."""

from __future__ import annotations

import json

import pytest

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.customers.models import Customer, FollowUp
from guanxi.realestate import selectors, services, services_visits
from guanxi.realestate.models import GradeRule, ProjectMember, Unit, Visit, Visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(org, project):
    """The project's sales office: east_rep and east_rep2 on the rotation, team_rep a member off it; west_rep works
    on another project only."""
    admin = org["admin"]
    ProjectMember.objects.filter(project=project).exclude(user__username__in=["east_manager", "admin"]).delete()
    for name in ("east_rep", "east_rep2"):
        services_visits.project_member_set(actor=admin, project=project, user=org[name], on_rotation=True)
    services_visits.project_member_set(actor=admin, project=project, user=org["team_rep"])
    other = services.project_create(actor=admin, data={"name": "翠湖天地"})
    services_visits.project_member_set(actor=admin, project=other, user=org["west_rep"], on_rotation=True)
    project.other = other
    return project


def test_a_user_sees_only_the_projects_they_work_on(org, office):
    assert list(selectors.project_list(user=org["east_rep"])) == [office]
    assert list(selectors.project_list(user=org["west_rep"])) == [office.other]
    assert selectors.unit_list(user=org["west_rep"]).count() == 0
    assert selectors.unit_list(user=org["east_rep"]).count() == Unit.objects.filter(building__project=office).count()
    # sales management reaches all records: every project
    assert set(selectors.project_list(user=org["admin"])) == {office, office.other}


def test_a_denied_write_on_another_project_changes_nothing(client, org, office):
    unit = Unit.objects.filter(building__project=office).first()
    services.units_release(actor=org["admin"], unit_ids=[unit.pk])
    west_manager = org["west_manager"]
    ProjectMember.objects.create(project=office.other, user=west_manager)
    with pytest.raises(PermissionDeniedError):
        services.unit_update(actor=west_manager, unit=unit, data={"orientation": "N"})
    assert services.units_release(actor=west_manager, unit_ids=[u.pk for u in Unit.objects.all()]) == 0
    client.force_login(west_manager)
    r = client.post(f"/api/v1/realestate/units/{unit.pk}/hold", json.dumps({"reason": "x"}),
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 404
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE and unit.orientation == "S"
    with pytest.raises(PermissionDeniedError):
        services_visits.visit_register(
            actor=org["west_rep"], project=office, data={"phone": "13800138000", "name": "王"}
        )
    assert not Visitor.objects.exists() and not Customer.objects.filter(phone="13800138000").exists()


def test_the_rotation_gives_first_visitors_in_turn_and_skips_the_absent(org, office):
    admin = org["admin"]
    agents = []
    for i in range(3):
        visit = services_visits.visit_register(
            actor=admin, project=office, data={"phone": f"1390000000{i}", "name": f"客户{i}", "source": "walk_in"}
        )
        agents.append(visit.agent.username)
    assert agents == ["east_rep", "east_rep2", "east_rep"]
    services_visits.project_member_absent(actor=org["east_rep2"], project=office, user=org["east_rep2"], absent=True)
    visit = services_visits.visit_register(actor=admin, project=office, data={"phone": "13900000009", "name": "赵"})
    assert visit.agent == org["east_rep"]  # east_rep2 is away: skipped


def test_a_return_visit_is_recognised_by_the_phone_however_it_is_written(org, office):
    rep = org["east_rep"]
    first = services_visits.visit_register(actor=rep, project=office, data={"phone": "138 0013 8000", "name": "李雷"})
    again = services_visits.visit_register(actor=org["east_rep2"], project=office, data={"phone": "+86-13800138000"})
    assert not first.is_return and again.is_return
    visitor = Visitor.objects.get()
    assert visitor.visit_count == 2 and again.agent == first.agent == visitor.agent
    assert Customer.objects.filter(name="李雷").count() == 1 and visitor.customer.owner == first.agent
    assert Visit.objects.count() == 2


def test_a_known_customer_becomes_a_visitor_without_a_second_customer(org, office):
    from guanxi.customers.services.customers import customer_create

    data = {"kind": "individual", "name": "韩梅梅", "phone": "13611112222"}
    known = customer_create(actor=org["east_rep"], data=data)
    visit = services_visits.visit_register(actor=org["admin"], project=office, data={"phone": "136-1111-2222"})
    assert visit.visitor.customer == known and Customer.objects.count() == 1


def test_bad_input_names_the_field_and_changes_nothing(org, office):
    rep = org["east_rep"]
    for data, field in (
        ({"phone": "12", "name": "x"}, "phone"),
        ({"phone": "13900001111"}, "name"),
        ({"phone": "13900001111", "name": "x", "source": "nowhere"}, "source"),
        ({"phone": "13900001111", "name": "x", "party_size": "0"}, "party_size"),
        ({"phone": "13900001111", "name": "x", "agent": org["west_rep"].pk}, "agent"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services_visits.visit_register(actor=rep, project=office, data=data)
        assert field in exc.value.fields
    assert not Visitor.objects.exists() and not Customer.objects.exists()


def test_grading_follows_the_rules_an_administrator_edits(org, office):
    admin = org["admin"]
    visit = services_visits.visit_register(actor=admin, project=office, data={"phone": "13700000001", "name": "周"})
    assert visit.visitor.grade == "C"
    services_visits.grade_rule_save(actor=admin, data={
        "name": "复访即B", "grade": "B", "priority": 20, "conditions": [{"fact": "visits", "op": "gte", "value": 2}],
    })  # fmt: skip
    rule_a = services_visits.grade_rule_save(actor=admin, project=office, data={
        "name": "老带新复访", "grade": "A", "priority": 10,
        "conditions": [{"fact": "visits", "op": "gte", "value": 2},
                       {"fact": "source", "op": "eq", "value": "referral"}],
    })  # fmt: skip
    services_visits.visit_register(actor=admin, project=office, data={"phone": "13700000001"})
    visitor = Visitor.objects.get()
    assert visitor.grade == "B"
    visitor = services_visits.visitor_update(actor=admin, visitor=visitor, data={"source": "referral"})
    assert visitor.grade == "A" and visitor.graded_by_rule == rule_a
    rule_a.conditions = [{"fact": "visits", "op": "gte", "value": 3}]
    services_visits.grade_rule_save(actor=admin, rule=rule_a, project=office, data={
        "name": rule_a.name, "grade": "A", "priority": 10, "conditions": rule_a.conditions,
    })  # fmt: skip
    visitor.refresh_from_db()
    assert visitor.grade == "B"  # regraded at once
    with pytest.raises(PermissionDeniedError):
        services_visits.grade_rule_save(actor=org["east_rep"], data={"name": "x", "grade": "A", "conditions": []})
    assert GradeRule.objects.count() == 2


def test_a_follow_up_is_a_follow_up_record_of_the_customer(org, office):
    rep = org["east_rep"]
    visit = services_visits.visit_register(actor=rep, project=office, data={"phone": "13500000001", "name": "吴"})
    follow_up = services_visits.visitor_follow_up(
        actor=rep, visitor=visit.visitor, data={"content": "电话回访，周末带家人复访", "method": "phone"}
    )
    assert FollowUp.objects.get() == follow_up and follow_up.customer == visit.visitor.customer
    with pytest.raises(PermissionDeniedError):
        services_visits.visitor_follow_up(actor=org["west_rep"], visitor=visit.visitor, data={"content": "x"})
    assert FollowUp.objects.count() == 1


def test_the_demo_builds_a_sales_office_with_graded_and_returning_visitors(org, project):
    from types import SimpleNamespace

    from django.utils import timezone

    from guanxi.customers.services.customers import customer_create
    from guanxi.realestate.demo_visits import realestate_visits_demo_build
    from guanxi.realestate.models import Trade

    buyer = customer_create(actor=org["admin"], data={"kind": "individual", "name": "买家", "phone": "13012345678"})
    unit = Unit.objects.filter(building__project=project).first()
    Trade.objects.create(number="T1", project=project, unit=unit, customer=buyer, agent=org["east_rep"])
    users = {
        "admin": org["admin"],
        "zhangwei": org["east_rep"],
        "lina": org["east_rep2"],
        "zhouli": org["east_manager"],
    }
    realestate_visits_demo_build(result=SimpleNamespace(users=users), gen=None, now=timezone.now(), progress=print)
    visitors = Visitor.objects.filter(project=project)
    assert visitors.count() == 17 and visitors.filter(visit_count__gt=1).count() >= 6
    assert {v.grade for v in visitors} >= {"B", "C"} and GradeRule.objects.count() == 3
    assert visitors.get(customer=buyer).visit_count == 2 and FollowUp.objects.count() == 16


def test_who_registers_a_visit_the_rotation_gives_a_colleague_returns_to_the_form_not_to_a_404(client, org, office):
    # given two agents on the rotation, the next visitor being east_rep's, and east_rep2 at the reception desk
    assert services_visits.agent_next(project=office, lock=False) == org["east_rep"]
    receptionist = org["east_rep2"]
    client.force_login(receptionist)
    # when east_rep2 registers the first visit of a stranger
    response = client.post("/realestate/visits/new/", {"project": office.pk, "phone": "13900001111", "name": "钱先生",
                                                       "source": "walk_in"}, follow=True)  # fmt: skip
    # then the visit is east_rep's, and east_rep2 is back on the registration form with the message naming the agent
    visit = Visit.objects.get(visitor__customer__phone="13900001111")
    assert visit.agent == org["east_rep"]
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith("/realestate/visits/new/")
    assert "钱先生" in response.content.decode()
