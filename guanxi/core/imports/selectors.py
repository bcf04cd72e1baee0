"""Reads of the import engine: a user's own import jobs, the importers they may use, report rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError
from guanxi.core.models import ImportJob
from guanxi.core.registry import registry

from .base import Action, Importer

LIST_FIELDS = (
    "id", "kind", "file_name", "status", "mode", "total_rows", "processed_rows", "created_count",
    "updated_count", "rejected_count", "created_at", "finished_at", "error", "user_id",
)  # fmt: skip

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser as User  # AUTH_USER_MODEL (org.User)


def importers_for(*, user: User) -> list[Importer]:
    """The importers this user may use, in registration order."""
    return [imp for imp in registry.importers.values() if imp.permitted(user)]


def importer_labels() -> dict[str, str]:
    return {kind: str(imp.label) for kind, imp in registry.importers.items()}


def import_job_list(*, user: User) -> QuerySet[ImportJob]:
    """The user's own imports, newest first (without the large report)."""
    return ImportJob.objects.filter(user=user).only(*LIST_FIELDS).order_by("-created_at", "-id")


def import_job_get(*, user: User, pk: Any, with_report: bool = True) -> ImportJob:
    """One of the user's own imports; anyone else's is 404."""
    qs = ImportJob.objects.filter(user=user)
    if not with_report:
        qs = qs.only(*LIST_FIELDS)
    try:
        return qs.get(pk=int(pk))
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it."))


def report_rows(job: ImportJob, *, limit: int | None = 200, action: str = "") -> list[dict[str, Any]]:
    """Rows of a job's dry-run or result report, as dicts for templates and the API."""
    rows = job.report.get("rows") or []
    out = []
    for row, act, label, reasons, target in rows:
        if action and act != action:
            continue
        out.append(
            {
                "row": row,
                "action": act,
                "action_label": str(Action.LABELS.get(act, act)),
                "label": label,
                "reasons": reasons,
                "target_id": target,
            }
        )
        if limit is not None and len(out) >= limit:
            break
    return out
