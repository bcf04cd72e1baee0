"""What the customer views share beyond the list toolkit (guanxi.org.lists.params has the list parameters)."""

from __future__ import annotations

TIMELINE_KINDS = {"followup", "task", "change"}
