"""Registration conflicts a manager may decide."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from ...models import Customer, RegistrationConflict


def _decider_q(user: User) -> Q:
    """Conflicts about customers the user may assign or approve (managers, assistants)."""
    q: Q | None = None
    for action in ("assign", "approve"):
        try:
            scoped = scope_queryset(user, Customer.objects.all(), action)
        except PermissionDeniedError:
            continue
        part = Q(customer__in=scoped.values("pk"))
        q = part if q is None else q | part
    if q is None:
        raise PermissionDeniedError(_("Only managers decide registration conflicts."))
    return q


def conflict_list(*, user: User, status: str | None = RegistrationConflict.Status.OPEN) -> QuerySet:
    """Registration conflicts the user may decide, newest first (`status` None or "all": every status)."""
    qs = RegistrationConflict.objects.filter(_decider_q(user))
    if status and status != "all":
        if status not in RegistrationConflict.Status.values:
            raise ValidationFailed(_("Unknown status."), fields={"status": [_("Choose open, joint or dismissed.")]})
        qs = qs.filter(status=status)
    return qs.select_related("customer__owner", "first_owner", "claimant", "decided_by").order_by("-created_at", "-id")


def conflict_get(*, user: User, pk: Any) -> RegistrationConflict:
    try:
        return conflict_list(user=user, status=None).get(pk=int(pk))
    except (RegistrationConflict.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it."))


def conflict_open_count(*, user: User) -> int:
    try:
        return conflict_list(user=user).count()
    except PermissionDeniedError:
        return 0
