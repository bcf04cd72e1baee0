"""Every write to leads and their assignment rules. Permission-checked, transactional, audited; notifications and
job enqueues happen in the same transaction or after commit. Callers import from `guanxi.sales.leads.services`."""

from guanxi.core.errors import ThrottledError  # (HTTP 429; re-exported for the lead views)

from ._common import ASSIGNABLE, CONVERTIBLE, LOSABLE, SCREENABLE
from .assignment import (
    RuleOutcome,
    lead_assign,
    lead_assign_by_rules,
    lead_set_owner,
    region_key,
    rule_candidates,
    rule_matches,
)
from .conversion import Conversion, lead_convert
from .lifecycle import (
    INLINE_STATUSES,
    lead_bulk_delete,
    lead_create,
    lead_delete,
    lead_lose,
    lead_mark_following,
    lead_screen,
    lead_set_status,
    lead_update,
    leads_hand_over,
)
from .rules import assignment_rule_create, assignment_rule_delete, assignment_rule_move, assignment_rule_update
from .web import web_lead_submit, web_lead_throttle

__all__ = [
    "ASSIGNABLE",
    "CONVERTIBLE",
    "INLINE_STATUSES",
    "LOSABLE",
    "SCREENABLE",
    "Conversion",
    "RuleOutcome",
    "ThrottledError",
    "assignment_rule_create",
    "assignment_rule_delete",
    "assignment_rule_move",
    "assignment_rule_update",
    "lead_assign",
    "lead_assign_by_rules",
    "lead_bulk_delete",
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_lose",
    "lead_mark_following",
    "lead_screen",
    "lead_set_owner",
    "lead_set_status",
    "lead_update",
    "leads_hand_over",
    "region_key",
    "rule_candidates",
    "rule_matches",
    "web_lead_submit",
    "web_lead_throttle",
]
