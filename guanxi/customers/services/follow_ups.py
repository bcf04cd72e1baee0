"""Follow-up records (跟进记录) with their attachments; each moves the customer's last contact forward."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.inputs import pick
from guanxi.core.services import check_version, model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from ..models import Attachment, Customer, FollowUp
from ._common import _customer_for

FOLLOW_UP_FIELDS = {"occurred_at", "method", "contact", "content", "result", "next_step", "next_follow_up_on"}


def attachments_check(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    """Refuse a file over the attachment size limit (follow-ups and opportunity documents share it)."""
    files = list(files)
    for f in files:
        if f.size and f.size > settings.GUANXI_ATTACHMENT_MAX_BYTES:
            raise ValidationFailed(
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": f.name, "mb": settings.GUANXI_ATTACHMENT_MAX_BYTES // 2**20},
                fields={"attachments": [_("File too large.")]},
            )
    return files


def _touch_customer_contact(customer: Customer, follow_up: FollowUp) -> None:
    """A follow-up moves the customer's last contact forward (never back) and sets its next follow-up."""
    updates: dict[str, Any] = {}
    if customer.last_contact_at is None or follow_up.occurred_at > customer.last_contact_at:
        updates["last_contact_at"] = follow_up.occurred_at
        updates["pool_warning"] = 0  # the public-pool clock restarts, so do its warnings
    if follow_up.next_follow_up_on and follow_up.occurred_at >= (customer.last_contact_at or follow_up.occurred_at):
        updates["next_follow_up_on"] = follow_up.next_follow_up_on
    if customer.status == Customer.Status.POTENTIAL:
        updates["status"] = Customer.Status.FOLLOWING
    if updates:
        Customer.objects.filter(pk=customer.pk).update(**updates, updated_at=timezone.now())
        for k, v in updates.items():
            setattr(customer, k, v)


def follow_up_create(
    *, actor: User, customer: Customer, data: dict[str, Any], attachments: Iterable[UploadedFile] = ()
) -> FollowUp:
    """Log an interaction; the customer's last contact time moves to it."""
    customer = _customer_for(actor, customer.pk, "followups.create")
    data = pick(data, FOLLOW_UP_FIELDS)
    contact = data.get("contact")
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationFailed(
            _("That contact belongs to another customer."),
            fields={"contact": [_("Choose a contact of this customer.")]},
        )
    if data.get("occurred_at") and data["occurred_at"] > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed(
            _("A follow-up cannot be in the future."),
            fields={"occurred_at": [_("A follow-up cannot be in the future.")]},
        )
    files = attachments_check(attachments)
    with transaction.atomic():
        follow_up = FollowUp(customer=customer, author=actor, **data)
        model_create(instance=follow_up, actor=actor)
        for f in files:
            Attachment.objects.create(
                follow_up=follow_up, file=f, name=(f.name or "file")[:200], size=f.size or 0, uploaded_by=actor
            )
        _touch_customer_contact(customer, follow_up)
    return follow_up


def _own_follow_up(actor: User, follow_up: FollowUp, action: str) -> FollowUp:
    follow_up = get_scoped_or_404(actor, FollowUp.objects.all(), follow_up.pk, action)
    if follow_up.author_id != actor.pk:
        raise PermissionDeniedError(_("Only the author may change a follow-up record."))
    return follow_up


def follow_up_update(
    *, actor: User, follow_up: FollowUp, data: dict[str, Any], expected_version: int | None = None
) -> FollowUp:
    """Correct one's own follow-up record (nobody edits another person's records)."""
    follow_up = _own_follow_up(actor, follow_up, "edit")
    check_version(follow_up, expected_version)
    data = pick(data, FOLLOW_UP_FIELDS)
    with transaction.atomic():
        follow_up, changes = model_update(instance=follow_up, data=data, actor=actor, expected_version=expected_version)
        if "occurred_at" in changes or "next_follow_up_on" in changes:
            _touch_customer_contact(follow_up.customer, follow_up)
    return follow_up


def follow_up_delete(*, actor: User, follow_up: FollowUp, expected_version: int | None = None) -> None:
    follow_up = _own_follow_up(actor, follow_up, "delete")
    check_version(follow_up, expected_version)
    with transaction.atomic():
        soft_delete(instance=follow_up, actor=actor, expected_version=expected_version)
