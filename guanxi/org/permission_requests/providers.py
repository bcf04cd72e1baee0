"""What permission change requests register at start-up: the set-up step that seeds their default approval rules
(through the approval engine's hook, which org cannot import)."""

from __future__ import annotations

from guanxi.core.registry import registry


def seed_default_rules() -> int:
    """Seed the kind's default rules while it has none (`guanxi run`; a no-op without the approval engine)."""
    seed = registry.hooks.get("approval_rules_seed")
    if seed is None:
        return 0
    from .defaults import DEFAULT_RULES

    return int(seed(DEFAULT_RULES))


registry.add_setup_step(seed_default_rules)
