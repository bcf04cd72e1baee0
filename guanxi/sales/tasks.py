"""Background jobs of the sales app (django-tasks). Each wraps one service and takes ids."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def lead_assign_by_rules_run(lead_ids: list[int]) -> dict[str, Any]:
    """Run the assignment rules on new leads (enqueued after a web lead is committed)."""
    from .leads.services import lead_assign_by_rules

    outcomes = lead_assign_by_rules(actor=None, lead_ids=lead_ids)
    return {
        "assigned": {str(o.lead.pk): o.user.pk for o in outcomes if o.user is not None},
        "unassigned": {str(o.lead.pk): o.reason for o in outcomes if o.user is None},
    }
