"""REST endpoints of permission change requests: ask (submitted for approval at once), list mine, read one.
Approving is the approval engine's (POST /api/v1/approvals/{id}/approve)."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.core.api import WRITE_ERRORS, PageParams, error_responses, idempotent, paginate
from guanxi.org.current import current_user

from ..selectors import users_by_ids
from . import selectors, services
from .schemas import PermissionRequestIn, PermissionRequestOut, PermissionRequestPage

router = Router(tags=["Permission change requests"])


@router.post("/permission-requests", response={201: PermissionRequestOut, **WRITE_ERRORS}, summary="Request a change")
@idempotent
def permission_request_create(request: HttpRequest, payload: PermissionRequestIn) -> object:
    """Ask for roles to be granted or taken away (for yourself, your staff, or anyone as org.admin). The request
    goes to approval at once; the roles change only when it is approved."""
    actor = current_user(request)
    subject = (
        actor
        if payload.user_id in (None, actor.pk)
        else users_by_ids(user=actor, ids=[payload.user_id], field="user_id")[0]
    )
    created = services.permission_change_request_create(
        actor=actor,
        user=subject,
        add_roles=selectors.roles_by_codes(codes=payload.add_roles, field="add_roles"),
        remove_roles=selectors.roles_by_codes(codes=payload.remove_roles, field="remove_roles"),
        reason=payload.reason,
    )
    return Status(201, created)


@router.get("/permission-requests", response={200: PermissionRequestPage, **error_responses(401, 422)}, summary="List")
def permission_request_list(request: HttpRequest, page: Query[PageParams]) -> object:
    """The requests you asked for or that change your roles (every request for org.admin), newest first."""
    return paginate(selectors.permission_change_requests_for(user=current_user(request)), page)


@router.get(
    "/permission-requests/{int:request_id}",
    response={200: PermissionRequestOut, **error_responses(401, 404)},
    summary="Read one",
)
def permission_request_get(request: HttpRequest, request_id: int) -> object:
    return selectors.permission_change_request_get(user=current_user(request), pk=request_id)
