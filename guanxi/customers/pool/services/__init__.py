"""Every write of the public pool (公海), one module per topic; the names are re-exported here, so
`guanxi.customers.pool.services.<name>` keeps working: rules (the pool rules and the rule book), reclaim (the
periodic job with its warnings) and actions (returning, claiming and assigning customers).
Permission-checked, transactional, audited."""

from __future__ import annotations

from .actions import REASON_MAX, PoolActionResult, customer_return_to_pool, pool_assign, pool_claim
from .reclaim import NAMES_IN_SUMMARY, pool_reclaim_idle
from .rules import RULE_FIELDS, pool_rule_delete, pool_rule_save, pool_rulebook, pool_rules_ensure_default

__all__ = [
    "NAMES_IN_SUMMARY",
    "REASON_MAX",
    "RULE_FIELDS",
    "PoolActionResult",
    "customer_return_to_pool",
    "pool_assign",
    "pool_claim",
    "pool_reclaim_idle",
    "pool_rule_delete",
    "pool_rule_save",
    "pool_rulebook",
    "pool_rules_ensure_default",
]
