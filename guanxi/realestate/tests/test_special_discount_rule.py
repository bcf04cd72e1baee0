"""The default approval rule of a manager's special discount names the sales office's sales manager: a new database
is seeded with it, and migration 0006 moves an installation's earlier default (sales management) to it, leaving a
rule an administrator changed as they left it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from guanxi.approvals.defaults import seed_rule
from guanxi.approvals.models import ApprovalRule, ApprovalRuleStep

pytestmark = pytest.mark.django_db

move = importlib.import_module("guanxi.realestate.migrations.0006_special_discount_sales_manager")
KEY = "re_subscription_special_discount"


def _steps(rule):
    return [(s.approver_type, s.label, s.codes) for s in rule.steps.all()]


def test_a_new_database_has_the_sales_managers_rule():
    rule = ApprovalRule.objects.get(seed_key=KEY)
    assert rule.conditions == [{"fact": "special_off_percent", "op": "gt", "value": "1"}]
    assert _steps(rule) == [("role", "Real-estate sales manager", ["re_sales_manager"])]


def _old_default(**step):
    ApprovalRule.objects.filter(seed_key=KEY).delete()
    spec = {"seed_key": KEY, "kind": "re_subscription", "name": move.OLD[0], "priority": 10,
            "conditions": [{"fact": "special_off_percent", "op": "gt", "value": "1"}],
            "steps": [{"label": move.OLD[1], "approver_type": "role", "codes": move.OLD[2], **step}]}  # fmt: skip
    return seed_rule(spec, ApprovalRule, ApprovalRuleStep)


def test_the_migration_moves_the_earlier_default_to_the_sales_manager_and_back():
    rule = _old_default()
    move.forwards(apps, None)
    rule.refresh_from_db()
    assert (rule.name, _steps(rule)) == (move.NEW[0], [("role", move.NEW[1], move.NEW[2])])
    move.backwards(apps, None)
    rule.refresh_from_db()
    assert (rule.name, _steps(rule)) == (move.OLD[0], [("role", move.OLD[1], move.OLD[2])])


def test_the_migration_leaves_a_rule_an_administrator_changed():
    rule = _old_default(codes=["sales_management", "finance"])
    move.forwards(apps, None)
    rule.refresh_from_db()
    assert (rule.name, _steps(rule)) == (move.OLD[0], [("role", move.OLD[1], ["sales_management", "finance"])])
