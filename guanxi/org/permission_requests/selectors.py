"""Reads of permission change requests: one request, the requests a user may see, whom a user may ask for, and
the facts the approval rules test."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.ports import APPROVAL_ENGINE
from guanxi.core.registry import registry

from ..models import PermissionChangeRequest, Role, User
from ..policies import has_permission, subordinate_ids

ADMIN = "org.admin"


def request_facts(request: PermissionChangeRequest) -> dict[str, Any]:
    """What a rule condition of the kind "permission_change" may test."""
    grants_admin = any(ADMIN in (r.permissions or []) for r in request.add_roles.all())
    return {"grants_admin": grants_admin, "department_id": request.user.department_id}


def _visible_q(user: User) -> Q:
    return Q(requested_by=user) | Q(user=user)


def permission_change_requests_for(*, user: User) -> QuerySet[PermissionChangeRequest]:
    """The requests a user asked for or is the subject of; every request for an administrator. Newest first."""
    qs = PermissionChangeRequest.objects.select_related("user", "requested_by").prefetch_related(
        "add_roles", "remove_roles"
    )
    if not has_permission(user, ADMIN):
        qs = qs.filter(_visible_q(user))
    return qs.order_by("-created_at", "-id")


def permission_change_request_get(*, user: User, pk: Any) -> PermissionChangeRequest:
    """One request, for its applicant, its subject, an administrator or anyone on its approval (404 otherwise)."""
    try:
        request = PermissionChangeRequest.objects.select_related("user", "requested_by").get(pk=int(pk))
    except (PermissionChangeRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(_("Not found, or you may not see it.")) from None
    visible = (
        user.pk in (request.requested_by_id, request.user_id)
        or has_permission(user, ADMIN)
        or bool(registry.port(APPROVAL_ENGINE).involves(user=user, document=request))
    )
    if not visible:
        raise NotFoundError(_("Not found, or you may not see it."))
    return request


def requestable_users(*, user: User) -> QuerySet[User]:
    """Whom the user may ask a permission change for: themselves and their staff; anyone for an administrator."""
    qs = User.objects.filter(is_active=True).select_related("department").order_by("name", "username")
    if has_permission(user, ADMIN):
        return qs
    return qs.filter(pk__in={user.pk} | subordinate_ids(user))


def requestable_roles() -> QuerySet[Role]:
    """Every role (with its data scope), default roles first."""
    return Role.objects.order_by("-is_system", "name")


def roles_by_codes(*, codes: list[str], field: str) -> list[Role]:
    """Roles named by code in a request; unknown codes name the field."""
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    found = {r.code: r for r in Role.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        msg = _("Unknown role: %(codes)s") % {"codes": ", ".join(missing)}
        raise ValidationFailed(msg, fields={field: [msg]})
    return [found[c] for c in wanted]
