"""Housekeeping the worker runs daily: purge old idempotency records and empty the recycle bin after retention."""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext_noop

from .i18n import Message
from .models import AuditLog, BusinessModel, IdempotencyRecord
from .services import audit_record

log = logging.getLogger(__name__)
# Rows purged per model and night: the rest wait for the next night.
BATCH = 10_000


def idempotency_records_purge(*, now: dt.datetime | None = None) -> int:
    """Idempotency keys protect against retries, which happen within minutes; keep a day's worth."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.GUANXI_IDEMPOTENCY_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def recycle_bin_purge(*, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Hard-delete records that have been in the recycle bin longer than the retention period.

    Models are purged from the highest app down, so a deleted opportunity goes before its deleted customer.
    A row that cannot go (something still refers to it: a live opportunity protects its customer) is skipped
    on its own, each row in its own savepoint, and reported — in the log, in the result's "skipped" counts
    and in an audit line administrators read — instead of failing the rest of the batch. One audit row per
    model records what was purged (the rows' own history stays in the trail).
    Returns {"purged": {model: n}, "skipped": {model: n}}.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.GUANXI_RECYCLE_BIN_DAYS)
    purged: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for model in reversed(apps.get_models()):
        if not issubclass(model, BusinessModel):
            continue
        label = model._meta.label
        ids = list(model.all_objects.filter(deleted_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            continue
        try:
            with transaction.atomic():
                model.all_objects.filter(pk__in=ids).delete()
                _audit_purged(label, ids, cutoff)
            purged[label] = len(ids)
            continue
        except (ProtectedError, RestrictedError, IntegrityError):
            pass  # something refers to some of them: go row by row
        gone, kept, reasons = _purge_one_by_one(model, ids)
        if gone:
            with transaction.atomic():
                _audit_purged(label, gone, cutoff)
            purged[label] = len(gone)
        if kept:
            skipped[label] = len(kept)
            log.warning("recycle bin: could not purge %s %s (still referenced): %s", len(kept), label, kept[:20])
            audit_record(
                actor=None,
                action=AuditLog.Action.OTHER,
                message=Message(
                    gettext_noop("recycle bin: kept %(count)s %(model)s that other records still refer to"),
                    {"count": len(kept), "model": label},
                ),
                changes={"skipped_ids": kept[:200], "referenced_by": sorted(reasons)},
            )
    return {"purged": purged, "skipped": skipped}


def _purge_one_by_one(model: type[BusinessModel], ids: list[int]) -> tuple[list[int], list[int], set[str]]:
    """Delete each row in its own savepoint: (deleted ids, kept ids, labels of the models that kept them)."""
    gone: list[int] = []
    kept: list[int] = []
    reasons: set[str] = set()
    for pk in ids:
        try:
            with transaction.atomic():
                model.all_objects.filter(pk=pk).delete()
            gone.append(pk)
        except ProtectedError as exc:
            kept.append(pk)
            reasons.update(obj._meta.label for obj in exc.protected_objects)
        except RestrictedError as exc:
            kept.append(pk)
            reasons.update(obj._meta.label for obj in exc.restricted_objects)
        except IntegrityError:
            kept.append(pk)
            reasons.add("database constraint")
    return gone, kept, reasons


def _audit_purged(label: str, ids: list[int], cutoff: dt.datetime) -> None:
    audit_record(
        actor=None,
        action=AuditLog.Action.DELETE,
        message=Message(
            gettext_noop("recycle bin: purged %(count)s %(model)s deleted before %(date)s"),
            {"count": len(ids), "model": label, "date": f"{cutoff:%Y-%m-%d}"},
        ),
        changes={"ids": ids[:200]},
    )


def housekeeping_run() -> dict[str, object]:
    return {"idempotency_records": idempotency_records_purge(), "recycle_bin": recycle_bin_purge()}
