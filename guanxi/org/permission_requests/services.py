"""Writes of permission change requests: asking (which submits the request to the approval engine) and what
happens when the engine decides (the change applied on approval, nothing on any other outcome)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.ports import APPROVAL_ENGINE
from guanxi.core.registry import registry
from guanxi.core.services import audit_record, model_create, model_update, notify

from ..models import PermissionChangeRequest, Role, User
from ..policies import forget_cached_grants, has_permission, subordinate_ids
from ..services import ADMIN_PERMISSION, _ensure_an_admin_remains
from .defaults import KIND
from .selectors import request_facts

REASON_MAX = 2000


def _may_request_for(actor: User, user: User) -> bool:
    """For oneself, for one's staff (down the manager chain), or anyone as an administrator."""
    return user.pk == actor.pk or user.pk in subordinate_ids(actor) or has_permission(actor, ADMIN_PERMISSION)


def permission_change_request_create(
    *, actor: User, user: User, add_roles: Iterable[Role], remove_roles: Iterable[Role], reason: str
) -> PermissionChangeRequest:
    """Ask for roles to be granted to and/or taken from `user`, and submit the request for approval.

    Nothing about the user's roles changes until the request is approved. Raises PermissionDeniedError when the
    actor may not ask for this user, ValidationFailed naming the field for a request that changes nothing, and
    ConflictError while another request for the same user is in approval.
    """
    if not _may_request_for(actor, user):
        raise PermissionDeniedError(_("You may request permission changes only for yourself and your staff."))
    current = set(user.roles.values_list("pk", flat=True))
    add = {r.pk: r for r in add_roles if r.pk not in current}
    remove = {r.pk: r for r in remove_roles if r.pk in current}
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not user.is_active:
        errors["user"] = [_("This user is inactive.")]
    if set(add) & set(remove):
        errors["remove_roles"] = [_("A role cannot be granted and taken away at once.")]
    if not add and not remove:
        errors["add_roles"] = [_("Choose a role to grant that the user lacks, or one to take away that they hold.")]
    if not reason:
        errors["reason"] = [_("Please give the reason for the change.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most 2000 characters.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one open request per user, even in a race
        if PermissionChangeRequest.objects.filter(user=user, status=PermissionChangeRequest.Status.PENDING).exists():
            raise ConflictError(_("A permission change for this user is already in approval."))
        request = model_create(
            instance=PermissionChangeRequest(user=user, requested_by=actor, reason=reason),
            actor=actor,
            m2m={"add_roles": list(add.values()), "remove_roles": list(remove.values())},
        )
        registry.port(APPROVAL_ENGINE).submit(
            actor=actor, document=request, kind=KIND, facts=request_facts(request), title=str(request)
        )
    return request


def permission_change_request_decided(
    *, document: PermissionChangeRequest, outcome: str, actor: User, comment: str, **_kwargs: Any
) -> None:
    """The approval engine's on_decided (inside its transaction): on approval apply the change to the user's roles
    (a permission-change audit row, the user told); on rejection, return or withdrawal nothing but the status."""
    request = document
    now = timezone.now()
    if outcome == PermissionChangeRequest.Status.APPROVED:
        user = User.objects.select_for_update().get(pk=request.user_id)
        old = sorted(user.roles.values_list("code", flat=True))
        added, removed = list(request.add_roles.all()), list(request.remove_roles.all())
        user.roles.add(*added)
        user.roles.remove(*removed)
        new = sorted(user.roles.values_list("code", flat=True))
        audit_record(
            actor=actor,
            action=AuditLog.Action.PERMISSION,
            obj=user,
            changes={"roles": [old, new]},
            message=Message(
                gettext_noop("Roles changed by the approved permission change request #%(number)s"),
                {"number": request.pk},
            ),
        )
        _ensure_an_admin_remains()
        forget_cached_grants(user)
        with translation.override(user.language or None):
            names = "、".join(str(r) for r in user.roles.order_by("name"))
        notify(
            recipient=user,
            kind="permission_change",
            title=Message(gettext_noop("Your roles were changed: %(roles)s"), {"roles": names or "—"}),
            body=request.reason,
        )
    model_update(instance=request, data={"status": outcome, "decided_at": now}, actor=actor)
