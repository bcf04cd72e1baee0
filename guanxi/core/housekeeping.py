"""Housekeeping the worker runs daily: purge old idempotency records and empty the recycle bin after retention."""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from .models import AuditLog, BusinessModel, IdempotencyRecord
from .services import audit_record

log = logging.getLogger(__name__)


def idempotency_records_purge(*, now: dt.datetime | None = None) -> int:
    """Idempotency keys protect against retries, which happen within minutes; keep a day's worth."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.GUANXI_IDEMPOTENCY_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def recycle_bin_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Hard-delete records that have been in the recycle bin longer than the retention period.

    One audit row per model records how many were purged (the rows' own history stays in the trail).
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.GUANXI_RECYCLE_BIN_DAYS)
    purged: dict[str, int] = {}
    for model in apps.get_models():
        if not issubclass(model, BusinessModel):
            continue
        qs = model.all_objects.filter(deleted_at__lt=cutoff)
        ids = list(qs.values_list("pk", flat=True)[:10_000])
        if not ids:
            continue
        try:
            with transaction.atomic():
                model.all_objects.filter(pk__in=ids).delete()
                audit_record(
                    actor=None,
                    action=AuditLog.Action.DELETE,
                    message=f"recycle bin: purged {len(ids)} {model._meta.label} deleted before {cutoff:%Y-%m-%d}",
                    changes={"ids": ids[:200]},
                )
        except (ProtectedError, RestrictedError) as exc:
            log.warning("could not purge %s: %s", model._meta.label, exc)
            continue
        purged[model._meta.label] = len(ids)
    return purged


def housekeeping_run() -> dict[str, object]:
    return {"idempotency_records": idempotency_records_purge(), "recycle_bin": recycle_bin_purge()}
