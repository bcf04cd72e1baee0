"""What a backup holds, measured the same way on SQLite and PostgreSQL: rows and a content hash per table,
and every uploaded file with its size and SHA-256.

A table's hash reads its rows through the ORM in primary-key order and encodes every value canonically
(datetimes in UTC, decimals without trailing zeros, JSON with sorted keys, bytes in hex), so the same data
gives the same hash on either database — which is what lets a restore, and a move between vendors, prove
that nothing was lost or changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.storage import Storage
from django.db import connections, models
from django.db.migrations.recorder import MigrationRecorder

CHUNK = 64 * 1024
_INTEGER_PK = (models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField)


def canonical_value(value: Any) -> Any:
    """A JSON value that means the same on every database for one column value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value else "0"
        return text
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"{value // dt.timedelta(microseconds=1)}us"
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def backed_up_models() -> list[type[models.Model]]:
    """Every table Django manages, many-to-many tables included, in a stable order."""
    found = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    return sorted(found, key=lambda m: m._meta.db_table)


def table_rows(model: type[models.Model], using: str) -> Iterator[tuple[Any, ...]]:
    fields = [f.attname for f in model._meta.concrete_fields]
    qs = model._base_manager.using(using).values_list(*fields)
    pk = model._meta.pk
    if isinstance(pk, _INTEGER_PK) and not isinstance(pk, models.ForeignKey):
        yield from qs.order_by(pk.attname).iterator(chunk_size=2000)
        return
    # Text and UUID keys sort differently per database (collations): order them here, by code point.
    pk_index = fields.index(pk.attname)
    yield from sorted(qs, key=lambda row: str(canonical_value(row[pk_index])))


def table_digest(model: type[models.Model], using: str = "default") -> dict[str, Any]:
    digest = hashlib.sha256()
    count = 0
    for row in table_rows(model, using):
        line = json.dumps([canonical_value(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        digest.update(line.encode())
        digest.update(b"\n")
        count += 1
    return {"rows": count, "sha256": digest.hexdigest()}


def table_digests(using: str = "default") -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "sha256": hex}} for every table Django manages that exists in the database."""
    existing = set(connections[using].introspection.table_names())
    return {m._meta.db_table: table_digest(m, using) for m in backed_up_models() if m._meta.db_table in existing}


def migration_state(using: str = "default") -> dict[str, list[str]]:
    """{app: [applied migration names]}: the schema the data belongs to."""
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    state: dict[str, list[str]] = {}
    for app, name in recorder.migration_qs.order_by("app", "name").values_list("app", "name"):
        state.setdefault(app, []).append(name)
    return state


def storage_names(storage: Storage, *, skip_prefixes: tuple[str, ...] = ()) -> list[str]:
    """Every file name in a storage (any backend with listdir), sorted."""
    names: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            dirs, files = storage.listdir(folder)
        except FileNotFoundError:  # a local media folder nobody has uploaded into yet
            continue
        for d in dirs:
            pending.append(f"{folder}/{d}" if folder else d)
        for f in files:
            name = f"{folder}/{f}" if folder else f
            if not name.startswith(skip_prefixes):
                names.append(name)
    return sorted(names)


def file_sha256(fileobj: Any) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def storage_file_digest(storage: Storage, name: str) -> dict[str, Any]:
    with storage.open(name, "rb") as fh:
        size, sha = file_sha256(fh)
    return {"name": name, "size": size, "sha256": sha}
