"""The sales app's models, one app (label `sales`) in three rooms: leads/, opportunities/ and targets/ each
declare their own; Django finds them all here. Migration 0004 names `opportunity_document_path` in this module."""

from guanxi.sales.leads.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    UNASSIGNED_STATUSES,
    Lead,
    LeadAssignmentRule,
)
from guanxi.sales.opportunities.models import (
    Competitor,
    LostReason,
    Opportunity,
    OpportunityActivity,
    OpportunityContact,
    OpportunityDocument,
    OpportunityLine,
    OpportunityStageTotal,
    Pipeline,
    Stage,
    StageChange,
    opportunity_document_path,
)
from guanxi.sales.targets.models import ForecastSnapshot, PeriodKind, SalesTarget

__all__ = [
    "CLOSED_STATUSES",
    "OPEN_STATUSES",
    "UNASSIGNED_STATUSES",
    "Competitor",
    "ForecastSnapshot",
    "Lead",
    "LeadAssignmentRule",
    "LostReason",
    "Opportunity",
    "OpportunityActivity",
    "OpportunityContact",
    "OpportunityDocument",
    "OpportunityLine",
    "OpportunityStageTotal",
    "PeriodKind",
    "Pipeline",
    "SalesTarget",
    "Stage",
    "StageChange",
    "opportunity_document_path",
]
