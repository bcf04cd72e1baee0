"""Seeding the default approval rules: each app registers the rules of the documents it owns with its providers
(core.registry.DefaultApprovalRules: commerce's quotes, contracts and execution orders, billing's expense claims,
customers' new-customer review), and this module writes them, with the positions their steps name.

A rule is created once, when missing by its `seed_key`, in the `migrate` run that applies the migration its entry
names (`seeded_with`), so a new database starts with every default and a default an administrator later deletes
stays deleted: `migrate` calls `seed_registered_rules` through post_migrate (apps.py), never `guanxi run`. Names and
step labels are English msgids, shown translated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from guanxi.core.registry import DefaultApprovalRules, registry


def seed_positions(positions: dict[str, str], position_model: Any) -> None:
    """Create the missing positions by code; a position with the same name but another code keeps its code, and
    ours gets a suffixed name."""
    for code, name in positions.items():
        if not position_model.objects.filter(code=code).exists():
            taken = position_model.objects.filter(name=name).exists()
            position_model.objects.create(code=code, name=f"{name}（{code}）" if taken else name)


def seed_rule(spec: Any, rule_model: Any, step_model: Any) -> Any:
    """Create one rule of the DefaultApprovalRules shape with its steps (the caller checks it is missing)."""
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


def seed_defaults(entries: Iterable[DefaultApprovalRules], *, apps: Any) -> int:
    """Create the entries' missing positions and rules (by code / seed_key) with the models of `apps` (the
    migration state in post_migrate, or the installed apps); returns the rules created."""
    rule_model = apps.get_model("approvals", "ApprovalRule")
    step_model = apps.get_model("approvals", "ApprovalRuleStep")
    position_model = apps.get_model("org", "Position")
    created = 0
    for entry in entries:
        seed_positions(dict(entry.positions), position_model)
        for spec in entry.rules:
            if not rule_model.objects.filter(seed_key=spec["seed_key"]).exists():
                seed_rule(spec, rule_model, step_model)
                created += 1
    return created


def seed_registered_rules(*, plan: list[tuple[Any, bool]] | None = None, apps: Any = None, **kwargs: Any) -> int:
    """post_migrate: seed the registered defaults whose migration this `migrate` run applied, in the order the
    plan applied those migrations (a new database gets every default, in the order the old data migrations wrote
    them); nothing on a run that applied none of them, on a rollback, or after a flush (`plan` None)."""
    applied = [(m.app_label, m.name) for m, backwards in plan or [] if not backwards]
    due = [e for name in applied for e in registry.default_approval_rules if e.seeded_with == name]
    return seed_defaults(due, apps=apps) if due else 0


def ensure_defaults() -> int:
    """Seed every registered default that is missing on the current database (conftest.py calls this after a
    transactional test's flush emptied every table; `migrate` seeds a new database)."""
    from django.apps import apps

    return seed_defaults(registry.default_approval_rules, apps=apps)


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
