"""What permission change requests register at start-up: the set-up step that seeds their default approval rules
(through the approval engine's port, since org cannot import the engine)."""

from __future__ import annotations

from guanxi.core.ports import APPROVAL_ENGINE
from guanxi.core.registry import registry


def seed_default_rules() -> int:
    """Seed the kind's default rules while it has none (`guanxi run`)."""
    from .defaults import DEFAULT_RULES

    return registry.port(APPROVAL_ENGINE).seed_rules(DEFAULT_RULES)


registry.add_setup_step(seed_default_rules)
