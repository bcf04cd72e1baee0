"""Keeping records' search text in step with their custom fields' definitions.

A record's `search_text` holds its searched custom values (definitions.searched_texts: active text fields every
reader sees) and is written when the record is saved. A change to a field's definition moves what should be in it
for records nobody saves: a field retired (its values must stop finding records), restored, or narrowed to some
roles (a search must not reveal what a reader may not see) or opened to all. Those changes queue
`custom_search_refresh` for the field, which the worker runs after commit over the records holding a value for it.
`guanxi search-rebuild` runs it over every record with custom values (after an upgrade that added fields to an
object's search text)."""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import import_string

from ..registry import registry
from . import definitions

log = logging.getLogger(__name__)
BATCH = 500


def searchable_targets() -> list[str]:
    """The objects whose search text holds custom values (those that name their search-text function)."""
    return [t.model for t in registry.custom_field_targets.values() if t.search_text]


def custom_search_refresh(*, target: str, code: str | None = None) -> int:
    """Recompute the search text of `target`'s records that hold a value for field `code` (every record with a
    custom value when None), in batches; returns how many records changed."""
    spec = registry.custom_field_targets.get(target)
    if spec is None or not spec.search_text:
        return 0
    compute = import_string(spec.search_text)
    definitions.forget()  # the definition just changed: read it afresh, whatever this process kept
    model = apps.get_model(target)
    rows = model._base_manager.exclude(custom={})  # soft-deleted records too: a restore brings them back as found
    if code is not None:
        rows = rows.filter(custom__has_key=code)
    related = [f.name for f in model._meta.concrete_fields if f.is_relation and f.name == "asset"]
    changed, after = 0, 0
    while True:
        batch = list(rows.filter(pk__gt=after).select_related(*related).order_by("pk")[:BATCH])
        if not batch:
            return changed
        after = batch[-1].pk
        stale = []
        for record in batch:
            text = compute(record)
            if text != getattr(record, spec.search_column):
                setattr(record, spec.search_column, text)
                stale.append(record)
        if stale:
            with transaction.atomic():
                model._base_manager.bulk_update(stale, [spec.search_column])
            changed += len(stale)


def custom_search_refresh_queue(*, target: str, code: str) -> None:
    """After the definition's change commits, ask the worker to refresh the field's records."""
    spec = registry.custom_field_targets.get(target)
    if spec is None or not spec.search_text:
        return

    def enqueue() -> None:
        from ..tasks import custom_search_refresh_run

        try:
            custom_search_refresh_run.enqueue(target=target, code=code)
        except Exception:  # the queue is down: refresh here rather than leave the records found by a retired value
            log.warning("could not queue the search refresh of %s.%s; running it now", target, code, exc_info=True)
            custom_search_refresh(target=target, code=code)

    transaction.on_commit(enqueue)
