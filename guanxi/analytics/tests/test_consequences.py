"""The league's consequences in automatic lead assignment (000 §十二.4), through sales' ASSIGNMENT_PREFERENCES port:
switched off by default; the top first; the bottom for consecutive months left out; the explanation names the rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from guanxi.analytics.models import LeaguePolicy, LeaguePublication
from guanxi.core.models import AuditLog
from guanxi.sales.leads.services.assignment import lead_assign_by_rules
from guanxi.sales.tests.factories import LeadFactory, RuleFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def setup(org: Any, monkeypatch: Any) -> Any:
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    # east has east_rep, east_rep2 (and the manager and assistant, who hold leads.view too)
    RuleFactory(name="华东分配", target_department=org.east, distribution="round_robin", is_active=True)
    for month, top, bottom in (
        (dt.date(2026, 11, 1), "east_rep2", "east_rep"),
        (dt.date(2026, 10, 1), "east_rep2", "east_rep"),
    ):
        LeaguePublication.objects.create(month=month, kind="staff", top=[org[top].pk], bottom=[org[bottom].pk])
    return org


def _rules(**flags: Any) -> None:
    policy = LeaguePolicy.current()
    for key, value in flags.items():
        setattr(policy, key, value)
    policy.save()


def test_switched_off_the_league_changes_nothing(setup: Any) -> None:
    leads = [LeadFactory() for _ in range(6)]
    owners = {o.user.pk for o in lead_assign_by_rules(actor=None, lead_ids=[lead.pk for lead in leads])}
    assert setup["east_rep"].pk in owners


def test_the_top_of_last_month_gets_the_leads_first(setup: Any) -> None:
    _rules(priority_rule=True)
    leads = [LeadFactory() for _ in range(3)]
    outcomes = lead_assign_by_rules(actor=None, lead_ids=[lead.pk for lead in leads])
    assert {o.user.pk for o in outcomes} == {setup["east_rep2"].pk}
    message = AuditLog.objects.filter(action=AuditLog.Action.TRANSFER).order_by("-pk").first().message
    assert "华东分配" in message and "2026-11" in message


def test_the_bottom_two_months_running_is_left_out(setup: Any) -> None:
    _rules(exclusion_rule=True, exclusion_months=2)
    leads = [LeadFactory() for _ in range(8)]
    outcomes = lead_assign_by_rules(actor=None, lead_ids=[lead.pk for lead in leads])
    assert setup["east_rep"].pk not in {o.user.pk for o in outcomes if o.user}
    assert all(o.user for o in outcomes)
    message = AuditLog.objects.filter(action=AuditLog.Action.TRANSFER).order_by("-pk").first().message
    assert "2" in message and "华东分配" in message


def test_one_month_at_the_bottom_is_not_enough_for_three(setup: Any) -> None:
    _rules(exclusion_rule=True, exclusion_months=3)  # September was not published: nobody is left out
    leads = [LeadFactory() for _ in range(8)]
    outcomes = lead_assign_by_rules(actor=None, lead_ids=[lead.pk for lead in leads])
    assert setup["east_rep"].pk in {o.user.pk for o in outcomes if o.user}
