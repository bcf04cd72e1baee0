"""What the import engine registers at start-up (imported from guanxi/core/providers.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import FileKind, JobRecovery, NotificationTopic, PeriodicJob, registry


def _fail_stale() -> Any:
    from .services import import_jobs_fail_stale

    return {"failed": import_jobs_fail_stale()}


def _recover_lost(*, worker_ids: frozenset[str], now: Any) -> int:
    from .services import import_jobs_recover_lost

    return import_jobs_recover_lost(worker_ids=worker_ids, now=now)


registry.add_periodic(PeriodicJob(key="imports_fail_stale", every_minutes=15, run=_fail_stale))
registry.add_job_recovery(JobRecovery(key="imports", recover=_recover_lost))


def _import_job_get(*, user: Any, pk: Any) -> Any:
    from .selectors import import_job_get

    return import_job_get(user=user, pk=pk, with_report=False)


registry.add_file_kind(
    FileKind(
        key="import-file",
        model="core.importjob",
        field="file",
        label=_("Import file"),
        get=_import_job_get,
        file_name=lambda job: job.file_name,
    )
)

registry.add_notification_topic(
    NotificationTopic(
        key="imports",
        label=_("Imports"),
        kinds=("import_done", "import_failed"),
        help=_("An import finished or failed."),
        order=90,
    )
)
