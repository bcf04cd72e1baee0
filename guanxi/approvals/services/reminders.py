"""Reminders to approvers whose step waits longer than the policy allows (the hourly periodic job)."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from guanxi.core.errors import NotFoundError
from guanxi.core.i18n import Message
from guanxi.core.services import notify

from ..models import ApprovalAction, ApprovalAssignment, ApprovalRequest, ApprovalSettings, ApprovalStep
from ._engine import _document_of, _document_url, _language_of, _record_action


def approval_send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the approvers of steps waiting longer than the policy's hours, once per step per day."""
    now = now or timezone.now()
    hours = ApprovalSettings.current().reminder_after_hours
    due = ApprovalStep.objects.filter(
        status=ApprovalStep.Status.PENDING,
        request__status=ApprovalRequest.Status.PENDING,
        started_at__lte=now - dt.timedelta(hours=hours),
    ).filter(models.Q(last_reminded_at__isnull=True) | models.Q(last_reminded_at__lte=now - dt.timedelta(hours=24)))
    sent = 0
    day = timezone.localdate(now).isoformat()
    for step in due.select_related("request", "request__content_type"):
        request = step.request
        with transaction.atomic():
            try:
                document = _document_of(request)
            except NotFoundError:
                continue
            url = _document_url(request, document)
            waiting_hours = int((now - step.started_at).total_seconds() // 3600) if step.started_at else hours
            for assignment in step.assignments.filter(decision=ApprovalAssignment.Decision.PENDING).select_related(
                "user"
            ):
                with _language_of(assignment.user):
                    note = notify(
                        recipient=assignment.user,
                        kind="approval_reminder",
                        title=Message(
                            gettext_noop("Waiting for your approval for %(hours)s hours: %(title)s"),
                            {"hours": waiting_hours, "title": request.title},
                        ),
                        body=request.explanation,
                        url=url,
                        level="warning",
                        dedupe_key=f"approval-remind:{step.pk}:{assignment.user_id}:{day}",
                    )
                sent += note is not None
            step.last_reminded_at = now
            step.save(update_fields=["last_reminded_at"])
            _record_action(request=request, step=step, actor=None, action=ApprovalAction.Action.REMIND, at=now)
    return sent
