"""The portable section of a backup: every row of every table as JSON lines, loadable on either vendor.

    {"model": "customers.customer", "fields": ["id", "created_at", ...]}   a table starts
    [1, "2026-12-05T02:00:00.123456+00:00", ...]                             one row per line

Values are written losslessly (datetimes to the microsecond, decimals as text, bytes as base64) and read
back through each field's own `to_python`, then inserted as they are (ids kept, `auto_now` not re-applied),
so the loaded tables measure exactly as the manifest says (manifest.table_digests).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connections, models
from django.utils.duration import duration_string

from .manifest import backed_up_models, table_rows


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def portable_data_write(path: Path, using: str) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for model in backed_up_models():
            fields = [f.attname for f in model._meta.concrete_fields]
            out.write(json.dumps({"model": model._meta.label_lower, "fields": fields}) + "\n")
            for row in table_rows(model, using):
                out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")


class _Table:
    def __init__(self, label: str, attnames: list[str], using: str):
        self.model: type[models.Model] = apps.get_model(label)
        by_attname = {f.attname: f for f in self.model._meta.concrete_fields}
        self.fields = [by_attname[name] for name in attnames]
        self.using = using
        self.batch: list[models.Model] = []

    def add(self, values: list[Any]) -> None:
        data = {f.attname: (None if v is None else f.to_python(v)) for f, v in zip(self.fields, values, strict=True)}
        self.batch.append(self.model(**data))

    def flush(self) -> None:
        if not self.batch:
            return
        size = max(1, connections[self.using].ops.bulk_batch_size(self.fields, self.batch))
        manager = self.model._base_manager.using(self.using)
        for start in range(0, len(self.batch), size):
            # raw=True: the values go in as they are (no auto_now, no defaults), as loaddata's raw saves do.
            manager._insert(self.batch[start : start + size], fields=self.fields, using=self.using, raw=True)  # type: ignore[attr-defined]
        self.batch.clear()


def portable_data_load(path: Path, using: str = "default") -> int:
    """Insert every row of the portable section into the (empty, migrated) database; returns the row count.

    Tables the database keeps by triggers from others (a model with `kept_by_triggers`, such as the board's
    totals) are loaded last, as the backup has them: loading the deals' rows has fired the triggers, whose rows
    are dropped first (the backup's rows are the same totals, written when they were)."""
    count = _load(path, using, kept=False)
    for model in apps.get_models():
        if _is_kept(model):
            model._base_manager.using(using).all().delete()
    return count + _load(path, using, kept=True)


def _load(path: Path, using: str, *, kept: bool) -> int:
    """The rows of the tables kept by triggers (kept=True), or of every other table."""
    count = 0
    table: _Table | None = None
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if isinstance(item, dict):
                if table is not None:
                    table.flush()
                model = apps.get_model(item["model"])
                table = _Table(item["model"], item["fields"], using) if _is_kept(model) == kept else None
                continue
            if table is None:  # a row of a table loaded in the other pass
                continue
            table.add(item)
            count += 1
            if len(table.batch) >= 2000:
                table.flush()
    if table is not None:
        table.flush()
    return count


def _is_kept(model: Any) -> bool:
    return bool(getattr(model, "kept_by_triggers", False))
