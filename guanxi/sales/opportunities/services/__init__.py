"""Every write to opportunities, their stage documents and the pipeline set-up (pipelines, stages, lost reasons,
competitors). Permission-checked, transactional, audited. Callers import from `guanxi.sales.opportunities.services`."""

from .bulk import opportunity_bulk_delete, opportunity_bulk_move_stage, opportunity_bulk_transfer
from .documents import DOCUMENT_EXTENSIONS, opportunity_document_add, opportunity_document_delete
from .export import EXPORT_TYPES, funnel_export, opportunity_export
from .lifecycle import (
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
from .pipelines import (
    STAGE_REQUIRED_FIELD_CHOICES,
    competitor_save,
    lost_reason_save,
    pipeline_save,
    stage_save,
)
from .search_text import opportunity_search_text

__all__ = [
    "DOCUMENT_EXTENSIONS",
    "EXPORT_TYPES",
    "STAGE_REQUIRED_FIELD_CHOICES",
    "competitor_save",
    "default_pipeline",
    "first_open_stage",
    "funnel_export",
    "lost_reason_save",
    "opportunities_hand_over",
    "opportunity_add_task",
    "opportunity_assign",
    "opportunity_bulk_delete",
    "opportunity_bulk_move_stage",
    "opportunity_bulk_transfer",
    "opportunity_close",
    "opportunity_confirm_close",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_document_add",
    "opportunity_document_delete",
    "opportunity_export",
    "opportunity_log_follow_up",
    "opportunity_move_stage",
    "opportunity_reopen",
    "opportunity_search_text",
    "opportunity_update",
    "pipeline_save",
    "stage_save",
]
