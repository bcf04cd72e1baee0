"""Every write to leads, assignment rules and opportunities. Permission-checked, transactional,
audited; notifications and job enqueues happen in the same transaction or after commit.

One package, the usual names: callers import from `guanxi.sales.services`.
"""

from ._common import ASSIGNABLE, CONVERTIBLE, LOSABLE, SCREENABLE, ThrottledError
from .assignment import RuleOutcome, lead_assign, lead_assign_by_rules, region_key, rule_candidates, rule_matches
from .documents import DOCUMENT_EXTENSIONS, opportunity_document_add, opportunity_document_delete
from .leads import (
    Conversion,
    lead_convert,
    lead_create,
    lead_delete,
    lead_lose,
    lead_mark_following,
    lead_screen,
    lead_update,
    leads_hand_over,
)
from .opportunities import (
    default_pipeline,
    first_open_stage,
    opportunities_hand_over,
    opportunity_add_task,
    opportunity_assign,
    opportunity_close,
    opportunity_confirm_close,
    opportunity_create,
    opportunity_delete,
    opportunity_log_follow_up,
    opportunity_move_stage,
    opportunity_reopen,
    opportunity_update,
)
from .opportunity_export import opportunity_export
from .pipelines import (
    STAGE_REQUIRED_FIELD_CHOICES,
    competitor_save,
    lost_reason_save,
    pipeline_save,
    stage_save,
)
from .rules import assignment_rule_create, assignment_rule_delete, assignment_rule_move, assignment_rule_update
from .web import web_lead_submit, web_lead_throttle

__all__ = [
    "STAGE_REQUIRED_FIELD_CHOICES",
    "DOCUMENT_EXTENSIONS",
    "opportunity_document_add",
    "opportunity_document_delete",
    "competitor_save",
    "lost_reason_save",
    "pipeline_save",
    "stage_save",
    "ASSIGNABLE",
    "CONVERTIBLE",
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
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_lose",
    "lead_mark_following",
    "lead_screen",
    "lead_update",
    "default_pipeline",
    "first_open_stage",
    "opportunity_add_task",
    "opportunities_hand_over",
    "opportunity_assign",
    "opportunity_close",
    "opportunity_confirm_close",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_export",
    "opportunity_log_follow_up",
    "opportunity_move_stage",
    "opportunity_reopen",
    "opportunity_update",
    "leads_hand_over",
    "region_key",
    "rule_candidates",
    "rule_matches",
    "web_lead_submit",
    "web_lead_throttle",
]
