"""Automatic assignment: the first matching rule's team, in turn or by load, skipping the inactive, the away and
those at their cap; the explanation stored on the ticket; the rules an administrator edits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.approvals.models import ApprovalDelegation
from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.org.tests.factories import UserFactory
from guanxi.service.assignment import assignment_rule_save
from guanxi.service.models import AssignmentRule

from .factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(people):
    a3 = UserFactory(username="agent3", department=people.hq, roles=["service_agent"])
    return [people["agent"], people["agent2"], a3]


def _rule(people, team, **data):
    values = {"name": "理赔组", "users": [u.pk for u in team], "method": "round_robin", **data}
    return assignment_rule_save(actor=people["admin"], data=values)


def test_round_robin_hands_tickets_out_in_turn_and_explains(people, customer, team):
    _rule(people, team, types=["claim"])
    owners = [make_ticket(people["east_rep"], customer).owner for _ in range(4)]
    assert owners == [team[0], team[1], team[2], team[0]]
    ticket = make_ticket(people["east_rep"], customer)
    assert ticket.status == "assigned" and "理赔组" in ticket.assignment_note
    assert Notification.objects.filter(recipient=team[1], kind="ticket_assigned").exists()
    assert AuditLog.objects.filter(object_id=str(ticket.pk), changes__has_key="owner").exists()


def test_a_ticket_no_rule_matches_waits_unassigned(people, customer, team):
    _rule(people, team, types=["complaint"])
    ticket = make_ticket(people["east_rep"], customer, type="repair")
    assert ticket.owner is None and ticket.status == "new"
    assert ticket.assignment_note


def test_conditions_on_channel_level_and_province_and_the_first_rule_wins(people, customer, team):
    customer.province = "北京"
    customer.save(update_fields=["province"])
    _rule(people, [team[2]], name="上海", provinces=["上海"], order=1)
    _rule(people, [team[1]], name="北京电话", provinces=["北京"], channels=["phone"], order=2)
    _rule(people, [team[0]], name="其余", order=3)
    assert make_ticket(people["east_rep"], customer, channel="phone").owner == team[1]
    assert make_ticket(people["east_rep"], customer, channel="email").owner == team[0]


def test_least_loaded_skips_the_away_the_inactive_and_those_at_their_cap(people, customer, team):
    rule = _rule(people, team, method="least_loaded", cap=2)
    today = timezone.localdate()
    ApprovalDelegation.objects.create(
        user=team[0], delegate=team[1], start_date=today - dt.timedelta(days=1), end_date=today + dt.timedelta(days=3)
    )
    first = make_ticket(people["east_rep"], customer)
    assert first.owner == team[1]
    second = make_ticket(people["east_rep"], customer)
    assert second.owner == team[2]  # team[1] holds one, team[2] none
    make_ticket(people["east_rep"], customer)
    make_ticket(people["east_rep"], customer)  # both now at the cap of 2
    full = make_ticket(people["east_rep"], customer)
    assert full.owner is None
    assert "(away)" in full.assignment_note and "cap" in full.assignment_note
    team[2].is_active = False
    team[2].save(update_fields=["is_active"])
    rule.refresh_from_db()
    assert "(inactive)" in make_ticket(people["east_rep"], customer).assignment_note


def test_manual_reassignment_is_stored_with_its_reason(people, customer, team):
    _rule(people, team)
    from guanxi.service import services

    ticket = make_ticket(people["east_rep"], customer)
    ticket = services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=team[2], note="熟悉该客户")
    ticket.refresh_from_db()
    assert ticket.owner == team[2] and ticket.assignment_note == "熟悉该客户"


def test_only_an_administrator_edits_rules_and_a_team_is_required(people, team):
    with pytest.raises(PermissionDeniedError):
        assignment_rule_save(actor=people["service_manager"], data={"name": "x", "users": [team[0].pk]})
    with pytest.raises(ValidationFailed) as err:
        assignment_rule_save(actor=people["admin"], data={"name": "x"})
    assert "department" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        assignment_rule_save(actor=people["admin"], data={"name": "x", "users": [team[0].pk], "types": ["nope"]})
    assert "types" in err.value.fields


def test_the_rule_pages(client, people, team):
    client.force_login(people["admin"])
    assert client.get(reverse("service:rule_list")).status_code == 200
    form = {"name": "投诉组", "order": "5", "is_active": "on", "types": ["complaint"], "users": [str(team[0].pk)]}
    response = client.post(reverse("service:rule_create"), {**form, "method": "least_loaded", "cap": "3"})
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert rule.types == ["complaint"] and rule.cap == 3 and list(rule.users.all()) == [team[0]]
    assert client.get(reverse("service:rule_edit", args=[rule.pk])).status_code == 200
    bad = client.post(reverse("service:rule_edit", args=[rule.pk]), {"name": "", "users": [str(team[0].pk)]})
    assert bad.status_code == 400
    client.force_login(people["service_manager"])
    assert client.get(reverse("service:rule_list")).status_code == 403
    assert client.post(reverse("service:rule_delete", args=[rule.pk])).status_code == 403
    assert AssignmentRule.objects.exists()
