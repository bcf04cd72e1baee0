"""Default approval rules are each document app's data (core.registry.DefaultApprovalRules); the engine seeds an
entry once, in the `migrate` run that applies the migration the entry names, so a new database starts with every
default and a default an administrator deletes stays deleted."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps

from guanxi.approvals.defaults import ensure_defaults, seed_registered_rules
from guanxi.approvals.models import ApprovalRule
from guanxi.core.registry import DefaultApprovalRules, registry
from guanxi.org.models import Position

pytestmark = pytest.mark.django_db

ENTRY = DefaultApprovalRules(
    key="test",
    rules=(
        {
            "seed_key": "test_doc_default",
            "kind": "test_doc",
            "name": "Test documents — manager, then the test officer",
            "priority": 10,
            "conditions": [{"fact": "amount", "op": "gte", "value": "100"}],
            "steps": [
                {"label": "Manager", "approver_type": "manager"},
                {"label": "Test officer", "approver_type": "position", "codes": ["test_officer"], "mode": "all"},
            ],
        },
    ),
    seeded_with=("approvals", "0005_request_rule_name_id"),
    positions={"test_officer": "测试专员"},
)


def _applied(app_label: str, name: str) -> list[tuple[Any, bool]]:
    return [(SimpleNamespace(app_label=app_label, name=name), False)]


@pytest.fixture
def only_the_test_entry(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "default_approval_rules", [ENTRY])


def test_the_migrate_run_applying_the_entrys_migration_seeds_its_rules_and_positions(only_the_test_entry: None):
    # when a migrate run applies some other migration, nothing is seeded
    assert (
        seed_registered_rules(plan=_applied("approvals", "0004_alter_approvalaction_options_and_more"), apps=apps) == 0
    )
    assert not ApprovalRule.objects.filter(seed_key="test_doc_default").exists()

    # when the run applies the entry's migration, the rule is created with its steps and the position it names
    assert seed_registered_rules(plan=_applied(*ENTRY.seeded_with), apps=apps) == 1

    rule = ApprovalRule.objects.get(seed_key="test_doc_default")
    assert (rule.kind, rule.priority, rule.conditions, rule.is_active) == (
        "test_doc",
        10,
        ENTRY.rules[0]["conditions"],
        True,
    )
    steps = [(s.order, s.label, s.approver_type, s.codes, s.same_department, s.mode) for s in rule.steps.all()]
    assert steps == [
        (0, "Manager", "manager", [], False, "any"),
        (1, "Test officer", "position", ["test_officer"], False, "all"),
    ]
    assert Position.objects.get(code="test_officer").name == "测试专员"


def test_a_deleted_default_stays_deleted_after_a_flush_or_a_later_migrate(only_the_test_entry: None):
    # given the seeded default, deleted by an administrator
    seed_registered_rules(plan=_applied(*ENTRY.seeded_with), apps=apps)
    ApprovalRule.objects.filter(seed_key="test_doc_default").delete()

    # when a later migrate applies other migrations, rolls the entry's migration back, or a flush re-emits the signal
    seeded = [
        seed_registered_rules(plan=_applied("org", "0003_permission_change_request"), apps=apps),
        seed_registered_rules(
            plan=[(SimpleNamespace(app_label="approvals", name=ENTRY.seeded_with[1]), True)], apps=apps
        ),
        seed_registered_rules(plan=None, apps=apps),
    ]

    # then it is not put back
    assert seeded == [0, 0, 0]
    assert not ApprovalRule.objects.filter(seed_key="test_doc_default").exists()


def test_ensure_defaults_puts_back_only_the_missing_rules(only_the_test_entry: None):
    # given the test entry seeded once
    assert ensure_defaults() == 1
    # when seeded again, nothing is added
    assert ensure_defaults() == 0
    assert ApprovalRule.objects.filter(seed_key="test_doc_default").count() == 1


def test_a_position_name_taken_under_another_code_gets_a_suffixed_name(only_the_test_entry: None):
    # given a position of the same name under another code
    Position.objects.create(code="officer", name="测试专员")
    # when the defaults are seeded
    ensure_defaults()
    # then the default position keeps its code and a name that does not clash
    assert Position.objects.get(code="test_officer").name == "测试专员（test_officer）"


def test_every_registered_entry_names_a_migration_and_its_own_seed_keys():
    names = {(m.app_label, m.name) for m in _all_migrations()}
    keys = [r["seed_key"] for entry in registry.default_approval_rules for r in entry.rules]
    assert len(keys) == len(set(keys))
    for entry in registry.default_approval_rules:
        assert entry.seeded_with in names, entry.key


def _all_migrations() -> list[Any]:
    from django.db.migrations.loader import MigrationLoader

    return list(MigrationLoader(None, ignore_no_migrations=True).disk_migrations.values())
