"""`guanxi search-rebuild`: recompute the search text of every record with custom values (after an upgrade that
made an object's custom text fields searched; the worker keeps it current after that)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute the search text of every record that has custom field values."

    def handle(self, *args: Any, **opts: Any) -> None:
        from guanxi.core.custom_fields.search_refresh import custom_search_refresh, searchable_targets

        for target in searchable_targets():
            changed = custom_search_refresh(target=target)
            self.stdout.write(f"{target}: {changed}")
