"""Background jobs of the core: notification e-mail and the periodic-job runner."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def notification_email_send(notification_id: int) -> bool:
    from .services import notification_send_email

    return notification_send_email(notification_id=notification_id)


@task()
def periodic_job_run(job_key: str, period: str) -> Any:
    from .scheduler import periodic_job_execute

    return periodic_job_execute(job_key=job_key, period=period)


@task()
def custom_search_refresh_run(target: str, code: str) -> int:
    """A custom field's definition changed what search finds: recompute its records' search text."""
    from .custom_fields.search_refresh import custom_search_refresh

    return custom_search_refresh(target=target, code=code)
