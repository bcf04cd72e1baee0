"""REST endpoints: the current user, the user directory, departments, API tokens, notifications."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.core.api import PageParams, error_responses, paginate
from guanxi.core.services import notification_mark_read
from guanxi.org.current import current_user

from . import access_selectors, selectors
from .models import User
from .permission_requests.api import router as permission_requests_router
from .schemas import (
    AccessLogFilters,
    AccessLogPage,
    DepartmentFilters,
    DepartmentOut,
    DepartmentPage,
    MarkReadIn,
    MarkReadOut,
    MeOut,
    NotificationFilters,
    NotificationPage,
    NotificationSettingsIn,
    NotificationSettingsOut,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    UnreadCountOut,
    UserFilters,
    UserOut,
    UserPage,
)
from .services import api_token_create, api_token_revoke
from .webhooks.api import router as webhooks_router

router = Router()
router.add_router("", permission_requests_router)
router.add_router("", webhooks_router)

ME = ["Me"]
USERS = ["Users"]
DEPARTMENTS = ["Departments"]
TOKENS = ["API tokens"]
NOTIFICATIONS = ["Notifications"]
ACCESS_LOG = ["Access log"]


# --- me --------------------------------------------------------------------------------------
@router.get("/me", response={200: MeOut, **error_responses(401)}, tags=ME, summary="The signed-in user")
def me(request: HttpRequest) -> object:
    """The user behind the token or session, with roles and the permissions they grant."""
    return selectors.me_get(user=current_user(request))


# --- users -----------------------------------------------------------------------------------
@router.get("/users", response={200: UserPage, **error_responses(401, 422)}, tags=USERS, summary="List users")
def user_list(request: HttpRequest, filters: Query[UserFilters], page: Query[PageParams]) -> object:
    """Active colleagues (administrators also see closed accounts); partner users see their own organisation."""
    qs = selectors.directory_user_list(user=current_user(request), q=filters.q or "", department_id=filters.department)
    return paginate(qs, page)


@router.get(
    "/users/{int:user_id}", response={200: UserOut, **error_responses(401, 404)}, tags=USERS, summary="Get a user"
)
def user_get(request: HttpRequest, user_id: int) -> object:
    return selectors.directory_user_get(user=current_user(request), pk=user_id)


# --- departments -----------------------------------------------------------------------------
@router.get(
    "/departments",
    response={200: DepartmentPage, **error_responses(401, 422)},
    tags=DEPARTMENTS,
    summary="List departments",
)
def department_list(request: HttpRequest, filters: Query[DepartmentFilters], page: Query[PageParams]) -> object:
    """The department tree in order (each row names its `parent_id`); filter by `parent` to walk one level."""
    qs = selectors.directory_department_list(user=current_user(request), parent_id=filters.parent, roots=filters.roots)
    return paginate(qs, page)


@router.get(
    "/departments/{int:department_id}",
    response={200: DepartmentOut, **error_responses(401, 404)},
    tags=DEPARTMENTS,
    summary="Get a department",
)
def department_get(request: HttpRequest, department_id: int) -> object:
    return selectors.directory_department_get(user=current_user(request), pk=department_id)


# --- API tokens ------------------------------------------------------------------------------
@router.get("/tokens", response={200: list[TokenOut], **error_responses(401)}, tags=TOKENS, summary="List my tokens")
def token_list(request: HttpRequest) -> object:
    """Your API tokens (the secrets themselves are never shown again)."""
    return list(selectors.api_token_list(user=current_user(request)))


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **error_responses(400, 401, 403, 422)},
    tags=TOKENS,
    summary="Create a token",
)
def token_create(request: HttpRequest, payload: TokenCreateIn) -> object:
    """Create a personal API token. The `secret` is in this response only; the server keeps a hash.

    Not idempotent by design: storing the response for replay would store the secret."""
    token, secret = api_token_create(
        actor=current_user(request),
        name=payload.name,
        read_only=payload.read_only,
        expires_at=payload.expires_at,
    )
    token.secret = secret  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete(
    "/tokens/{int:token_id}",
    response={204: None, **error_responses(401, 403, 404)},
    tags=TOKENS,
    summary="Revoke a token",
)
def token_revoke(request: HttpRequest, token_id: int) -> object:
    token = selectors.api_token_get(user=current_user(request), pk=token_id)
    api_token_revoke(actor=current_user(request), token=token)
    return Status(204, None)


# --- notifications ---------------------------------------------------------------------------
@router.get(
    "/notifications",
    response={200: NotificationPage, **error_responses(401, 422)},
    tags=NOTIFICATIONS,
    summary="List my notifications",
)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters], page: Query[PageParams]) -> object:
    return paginate(selectors.notification_list(user=current_user(request), unread=filters.unread), page)


@router.get(
    "/notifications/unread-count",
    response={200: UnreadCountOut, **error_responses(401)},
    tags=NOTIFICATIONS,
    summary="Count my unread notifications",
)
def notification_unread_count(request: HttpRequest) -> object:
    return {"count": selectors.notification_unread_count(user=current_user(request))}


@router.post(
    "/notifications/mark-read",
    response={200: MarkReadOut, **error_responses(400, 401, 403, 422)},
    tags=NOTIFICATIONS,
    summary="Mark notifications read",
)
def notification_mark(request: HttpRequest, payload: MarkReadIn) -> object:
    """Mark the given notifications read, or all of them when `ids` is omitted."""
    marked = notification_mark_read(actor=current_user(request), notification_ids=payload.ids)
    return {"marked": marked}


def _settings_out(user: User) -> dict[str, object]:
    from guanxi.core.notifications import notification_settings_for

    row, choices = notification_settings_for(user=user)
    return {
        "daily_digest": row.daily_digest,
        "muted": [c.topic.key for c in choices if c.muted],
        "topics": [{"key": c.topic.key, "label": str(c.topic.label), "muted": c.muted} for c in choices],
    }


@router.get(
    "/notifications/settings",
    response={200: NotificationSettingsOut, **error_responses(401)},
    tags=NOTIFICATIONS,
    summary="Read my notification settings",
)
def notification_settings_get(request: HttpRequest) -> object:
    """The topics the caller may mute (each with its label and whether it is muted) and the daily digest choice."""
    return _settings_out(current_user(request))


@router.put(
    "/notifications/settings",
    response={200: NotificationSettingsOut, **error_responses(400, 401, 403, 422)},
    tags=NOTIFICATIONS,
    summary="Change my notification settings",
)
def notification_settings_put(request: HttpRequest, payload: NotificationSettingsIn) -> object:
    """Replace the caller's muted topics and digest choice. A muted topic's notifications are not created for the
    caller; with the digest on, e-mail comes once a day. An unknown topic key is refused (400, field `muted`)."""
    from guanxi.core.notifications import notification_settings_save

    user = current_user(request)
    notification_settings_save(actor=user, daily_digest=payload.daily_digest, muted=payload.muted)
    return _settings_out(user)


# --- access log ------------------------------------------------------------------------------
@router.get(
    "/access-log",
    response={200: AccessLogPage, **error_responses(400, 401, 403, 422)},
    tags=ACCESS_LOG,
    summary="List the access log",
)
def access_log_list(request: HttpRequest, filters: Query[AccessLogFilters], page: Query[PageParams]) -> object:
    """Who opened which customer's 360 page, exported what and downloaded which file, newest first. Needs
    `access_log.view` (administrators); its data scope narrows by the user who read."""
    qs = access_selectors.access_log_list(user=current_user(request), filters=filters.dict(exclude_none=True))
    result = paginate(qs, page)
    result["items"] = access_selectors.access_log_describe(result["items"])
    return result
