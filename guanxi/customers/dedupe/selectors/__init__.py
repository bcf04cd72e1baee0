"""Reads for duplicate protection (查重), one module per topic; the names are re-exported here, so
`guanxi.customers.dedupe.selectors.<name>` keeps working: matching (the rules, "would this be a duplicate?" for
one entry and in bulk for imports), scan (duplicate groups), conflicts (registration conflicts a manager may
decide) and merges.

Matches against customers the reader may not see never reveal them: such a match says "already
registered by another rep" with no name, owner or id (see Match.visible).
"""

from __future__ import annotations

from .conflicts import conflict_get, conflict_list, conflict_open_count
from .matching import (
    BLOCK,
    BULK_CHUNK,
    CHECK_FIELDS,
    DEFAULT_RULES,
    DEFAULT_SIMILARITY,
    FIELD_OF_KIND,
    FUZZY_CANDIDATES,
    FUZZY_RESULTS,
    OFF,
    WARN,
    DedupeResult,
    Match,
    dedupe_check,
    dedupe_check_field,
    dedupe_find_matches_bulk,
    dedupe_rule_list,
    dedupe_rules,
    require_entry_right,
)
from .merges import (
    MAX_MERGE,
    contact_merge_candidates,
    merge_candidates,
    merge_customer_names,
    merge_get,
    merge_list,
)
from .scan import SCAN_LIMIT, DuplicateGroup, dedupe_scan

__all__ = [
    "BLOCK",
    "BULK_CHUNK",
    "CHECK_FIELDS",
    "DEFAULT_RULES",
    "DEFAULT_SIMILARITY",
    "contact_merge_candidates",
    "FIELD_OF_KIND",
    "FUZZY_CANDIDATES",
    "FUZZY_RESULTS",
    "MAX_MERGE",
    "OFF",
    "SCAN_LIMIT",
    "WARN",
    "DedupeResult",
    "DuplicateGroup",
    "Match",
    "conflict_get",
    "conflict_list",
    "conflict_open_count",
    "dedupe_check",
    "dedupe_check_field",
    "dedupe_find_matches_bulk",
    "dedupe_rule_list",
    "dedupe_rules",
    "dedupe_scan",
    "merge_candidates",
    "merge_customer_names",
    "merge_get",
    "merge_list",
    "require_entry_right",
]
