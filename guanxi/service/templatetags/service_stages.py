"""`{% stage_panel record %}`: the staged tasks panel of a ticket's or an asset's page — the stage reached, its
tasks, "next stage", or the templates to start — drawn for the reader (their permission to edit the record)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from guanxi.org.policies import has_permission

from ..models import Ticket
from ..stages.services import stage_runs_for, templates_for

register = template.Library()


@register.simple_tag(takes_context=True)
def stage_panel(context: Any, record: Any) -> str:
    request = context["request"]
    target = "ticket" if isinstance(record, Ticket) else "asset"
    runs = stage_runs_for(record)
    offered = templates_for(record)
    if not runs and not offered:
        return ""
    can_edit = has_permission(request.user, "tickets.edit" if target == "ticket" else "assets.edit")
    current = next((r for r in runs if r.finished_at is None), None)
    return render_to_string(
        "service/stages/_panel.html",
        {"record": record, "target": target, "runs": runs, "current": current, "offered": offered,
         "can_edit": can_edit and (target != "ticket" or record.is_open)},
        request=request,
    )  # fmt: skip
