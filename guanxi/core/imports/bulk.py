"""Bulk writes for importers: many rows in one prepared INSERT (or UPDATE) statement, and their audit rows.

Django's bulk_create compiles a new multi-row INSERT for every ~30 rows of a wide table on SQLite
(999 parameters per statement) and prepares every value of every field through the field API; for
100k customers that costs far more than the database work. `insert_rows` instead takes plain dicts,
converts only the values that need it (dates, JSON, lazy text) and runs one prepared single-row
INSERT with executemany — the same statement the benchmark's raw baseline uses. Primary keys are
reserved up front so the caller gets them back: on SQLite from the table's maximum inside the
caller's write transaction (which holds SQLite's only write lock), on PostgreSQL from the sequence.
Other databases fall back to bulk_create. Values go through the same conversions as the ORM, and
callers validate rows with the model fields' own validation before they get here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router
from django.utils import timezone

from guanxi.core import context
from guanxi.core.i18n import Message, stored_message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_value, custom_changes

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser as User  # AUTH_USER_MODEL (org.User)

CHUNK = 5000
_SAME = (str, int, bool)
_PLAIN_TYPES = {
    "CharField", "TextField", "SlugField", "EmailField", "URLField", "BooleanField", "IntegerField",
    "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "PositiveBigIntegerField", "ForeignKey", "OneToOneField", "AutoField", "BigAutoField",
}  # fmt: skip


def chunks(seq: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _converter(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """value → what the database driver gets, as field.get_db_prep_save would give it."""
    prep = field.get_db_prep_save
    if field.get_internal_type() in _PLAIN_TYPES:

        def plain(value: Any) -> Any:
            # str, int, bool and None need no conversion for these fields; anything else (lazy text,
            # a model instance) goes the ORM's way.
            return value if value is None or type(value) in _SAME else prep(value, connection)

        return plain
    seen: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        if value is None:
            return None
        try:  # dates and times repeat a lot in a spreadsheet: convert each distinct one once
            return seen[value]
        except KeyError:
            seen[value] = result = prep(value, connection)
            return result
        except TypeError:  # unhashable (JSON)
            return prep(value, connection)

    return converted


def _defaults(model: type[models.Model], now: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            out[f.attname] = now
        elif f.has_default():
            out[f.attname] = f.get_default()
        elif f.null:
            out[f.attname] = None
        else:
            out[f.attname] = "" if f.empty_strings_allowed else None
    return out


def _reserve_ids(model: type[models.Model], count: int, connection: Any) -> list[int] | None:
    """`count` new primary keys, or None when this database has no fast path."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            if not connection.in_atomic_block:
                raise RuntimeError("insert_rows needs a transaction on SQLite (it holds the write lock)")
            cur.execute(f"SELECT COALESCE(MAX({qn(pk)}), 0) FROM {qn(table)}")  # noqa: S608 (quoted model names)
            top = cur.fetchone()[0]
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cur.fetchone()
            base = max(top, row[0] if row else 0)
            return list(range(base + 1, base + count + 1))
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return sorted(r[0] for r in cur.fetchall())
    return None


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert new rows given as {field attname: value} (left-out fields get their defaults); returns
    their primary keys in order. Must run inside a transaction."""
    if not rows:
        return []
    db = router.db_for_write(model)
    connection = connections[db]
    now = timezone.now()
    defaults = _defaults(model, now)
    ids = _reserve_ids(model, len(rows), connection)
    if ids is None:  # portable fallback
        objs = model._default_manager.bulk_create([model(**{**defaults, **r}) for r in rows], batch_size=500)
        return [o.pk for o in objs]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    position = {f.attname: i for i, f in enumerate(fields, start=1)}
    converter = {f.attname: _converter(f, connection) for f in fields}
    plain = {f.attname for f in fields if f.get_internal_type() in _PLAIN_TYPES}
    # Each row starts as a copy of the converted defaults; only the fields it gives are converted.
    template = [None] + [converter[f.attname](defaults[f.attname]) for f in fields]
    qn = connection.ops.quote_name
    columns = [str(model._meta.pk.column)] + [str(f.column) for f in fields]
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608 (model names)
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    plan: dict[tuple[str, ...], list[tuple[int, Callable[[Any], Any], str, bool]]] = {}
    with connection.cursor() as cur, _search_index_deferred(connection, model) as fill_search_index:
        for start in range(0, len(rows), CHUNK):
            params = []
            for pk, r in zip(ids[start : start + CHUNK], rows[start : start + CHUNK], strict=True):
                keys = tuple(r)
                steps = plan.get(keys)
                if steps is None:
                    unknown = set(keys) - set(position)
                    if unknown:
                        raise ValueError(f"unknown fields for {model.__name__}: {sorted(unknown)}")
                    steps = plan[keys] = [(position[k], converter[k], k, k in plain) for k in keys]
                values = template.copy()
                values[0] = pk
                for i, conv, name, is_plain in steps:
                    v = r[name]
                    values[i] = v if is_plain and type(v) is str else conv(v)
                params.append(values)
            cur.executemany(sql, params)
        fill_search_index(ids[0], ids[-1])
    return ids


@contextmanager
def _search_index_deferred(connection: Any, model: type[models.Model]) -> Iterator[Callable[[int, int], None]]:
    """On SQLite, fill the table's FTS search indexes (core.dbvendor: `<table>_<column>_fts`, kept in step
    by an AFTER INSERT trigger) with one INSERT…SELECT for all new rows instead of the trigger once per
    row, about five times faster. The trigger is dropped and re-created inside the caller's transaction,
    so no other connection ever sees it missing; if anything fails, the rollback restores it."""
    if connection.vendor != "sqlite":
        yield lambda first, last: None
        return
    table = model._meta.db_table
    pk = str(model._meta.pk.column)
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name LIKE %s",
            [table, f"{table}%_fts_ai"],
        )
        triggers = [(name, sql) for name, sql in cur.fetchall() if sql and name.endswith("_fts_ai")]
        indexes = []
        for name, sql in triggers:
            fts = name[: -len("_ai")]
            column = fts[len(table) + 1 : -len("_fts")]
            indexes.append((fts, column, sql))
            cur.execute(f"DROP TRIGGER {qn(name)}")

    def fill(first: int, last: int) -> None:
        with connection.cursor() as cur:
            for fts, column, _sql in indexes:
                cur.execute(
                    f"INSERT INTO {qn(fts)}(rowid, {qn(column)}) "  # noqa: S608 (quoted model names)
                    f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} WHERE {qn(pk)} BETWEEN %s AND %s",
                    [first, last],
                )

    yield fill
    with connection.cursor() as cur:
        for _fts, _column, sql in indexes:
            cur.execute(sql)


def update_rows(model: type[models.Model], changes: list[tuple[int, dict[str, Any]]], *, bump_version: bool) -> int:
    """Set fields of existing rows: [(pk, {attname: value})]. Rows changing the same fields share one
    prepared UPDATE run with executemany; `bump_version` adds version = version + 1."""
    if not changes:
        return 0
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    by_fields: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for pk, values in changes:
        by_fields[tuple(sorted(values))].append((pk, values))
    fields = {f.attname: f for f in model._meta.concrete_fields}
    with connection.cursor() as cur:
        for names, group in by_fields.items():
            converters = [_converter(fields[n], connection) for n in names]
            sets = [f"{qn(str(fields[n].column))} = %s" for n in names]
            if bump_version:
                sets.append(f"{qn('version')} = {qn('version')} + 1")
            table, pk_column = qn(model._meta.db_table), qn(str(model._meta.pk.column))
            sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {pk_column} = %s"  # noqa: S608 (quoted model names)
            for part in chunks(group, CHUNK):
                cur.executemany(
                    sql,
                    [
                        [conv(values[n]) for n, conv in zip(names, converters, strict=True)] + [pk]
                        for pk, values in part
                    ],
                )
    return len(changes)


def audit_bulk(
    *,
    actor: User | None,
    action: str,
    model: type[models.Model],
    items: Iterable[tuple[int, str, dict[str, Any], int | None]],
    message: str | Message = "",
) -> int:
    """One audit row per (object id, object text, changes, customer id), written in bulk: the rows
    `audit_record` writes, without one INSERT each."""
    ctx = context.current()
    text, message_id, message_params = stored_message(message)
    base = {
        "at": timezone.now(),
        "actor_id": actor.pk if actor is not None and actor.pk else None,
        "action": action,
        "content_type_id": ContentType.objects.get_for_model(model).pk,
        "message": text[:500],
        "message_id": message_id[:500],
        "message_params": message_params,
        "ip": ctx.ip,
        "request_id": ctx.request_id,
    }
    rows = [
        {**base, "object_id": str(pk), "object_repr": text[:300], "changes": changes, "customer_id": customer_id}
        for pk, text, changes, customer_id in items
    ]
    insert_rows(AuditLog, rows)
    return len(rows)


def created_changes(data: dict[str, Any]) -> dict[str, list[Any]]:
    """The audit `changes` of a new record: every non-empty value as [None, value] (custom values one per field)."""
    changes = {
        k: [None, v if type(v) in _SAME else audit_value(v)]
        for k, v in data.items()
        if v not in (None, "", False) and k != "custom"
    }
    return changes | custom_changes(None, data.get("custom"))
