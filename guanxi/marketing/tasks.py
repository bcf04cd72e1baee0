"""Background jobs of the marketing app (the periodic ones are registered in providers.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def registration_confirmation_send(registration_id: int) -> bool | None:
    """An event registration's confirmation, queued after the registration commits (marketing.confirmations)."""
    from .confirmations import registration_confirmation_send as send

    return send(registration_id=registration_id)
