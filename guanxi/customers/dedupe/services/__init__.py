"""Writes for duplicate protection (查重, 先录先得), one module per topic; the names are re-exported here, so
`guanxi.customers.dedupe.services.<name>` keeps working:

- keys: the match keys, synced by the customer and contact services, rebuilt by imports and merges;
- check: `dedupe_enforce`, which customer_create/customer_update run, and the conflicts it queues;
- conflicts: recording a registration conflict and a manager's decision on it;
- merge: merging duplicates and undoing a merge, with the movers other apps register (`FkMove`);
- rules: what a match on each key does.

Imports call `selectors.dedupe_find_matches_bulk` and then `customer_keys_rebuild`.
"""

from __future__ import annotations

from .check import (
    MAX_PENDING,
    DuplicateBlocked,
    DuplicateWarning,
    dedupe_enforce,
    registration_conflicts_flush,
    registration_conflicts_forget,
)
from .conflicts import DECISIONS, registration_conflict_decide, registration_conflict_record
from .contact_merge import CONTACT_MERGE_FIELDS, CONTACT_TARGET, contact_merge
from .keys import BATCH, KEY_FIELDS, contact_keys_delete, contact_keys_sync, customer_keys_rebuild, customer_keys_sync
from .merge import (
    CORE_MOVERS,
    MERGE_FIELDS,
    MERGE_STAYS,
    FkMove,
    customer_merge,
    customer_merge_undo,
    merge_movers,
)
from .rules import dedupe_rules_update

__all__ = [
    "CONTACT_MERGE_FIELDS",
    "CONTACT_TARGET",
    "contact_merge",
    "BATCH",
    "CORE_MOVERS",
    "DECISIONS",
    "KEY_FIELDS",
    "MAX_PENDING",
    "MERGE_FIELDS",
    "MERGE_STAYS",
    "DuplicateBlocked",
    "DuplicateWarning",
    "FkMove",
    "contact_keys_delete",
    "contact_keys_sync",
    "customer_keys_rebuild",
    "customer_keys_sync",
    "customer_merge",
    "customer_merge_undo",
    "dedupe_enforce",
    "dedupe_rules_update",
    "merge_movers",
    "registration_conflict_decide",
    "registration_conflict_record",
    "registration_conflicts_flush",
    "registration_conflicts_forget",
]
