"""API schemas for users, departments, API tokens and notifications (input and output kept apart)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from ninja import Field, Schema
from pydantic import AwareDatetime

from guanxi.core.api import CountIsExact, InputSchema, ObjectId

from .models import User


# --- references embedded in other objects ----------------------------------------------------
class UserRef(Schema):
    COLUMNS: ClassVar[tuple[str, ...]] = User.NAME_COLUMNS  # (core.schema_columns)
    id: int
    name: str = Field(..., description="Display name.")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class DepartmentRef(Schema):
    COLUMNS: ClassVar[tuple[str, ...]] = ("id", "name")  # (core.schema_columns)
    id: int
    name: str


# --- users -----------------------------------------------------------------------------------
class UserOut(Schema):
    id: int
    username: str
    name: str
    email: str
    phone: str
    department: DepartmentRef | None
    manager: UserRef | None
    position: str = Field("", description="Job title.")
    is_active: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_position(obj: Any) -> str:
        return obj.position.name if obj.position_id else ""


class UserPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[UserOut]


class UserFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the user name, name, e-mail or phone.")
    department: ObjectId | None = Field(None, description="Department id (its sub-departments included).")


class RoleRef(Schema):
    code: str
    name: str = Field(..., description="In the reader's language (a default role's name is translated).")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class MeOut(UserOut):
    language: str
    time_zone: str
    is_superuser: bool
    roles: list[RoleRef]
    permissions: list[str] = Field(..., description='What the user may do, as "module.action".')

    @staticmethod
    def resolve_roles(obj: Any) -> list[Any]:
        return list(obj.roles.all())

    @staticmethod
    def resolve_permissions(obj: Any) -> list[str]:
        from .selectors import user_permissions

        return user_permissions(user=obj)


# --- departments -----------------------------------------------------------------------------
class DepartmentOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None = Field(None, description="The parent department (null at the top of the tree).")
    depth: int
    manager: UserRef | None
    requires_customer_review: bool
    is_active: bool
    sort_order: int


class DepartmentPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[DepartmentOut]


class DepartmentFilters(Schema):
    parent: ObjectId | None = Field(None, description="Only the direct children of this department.")
    roots: bool = Field(False, description="Only the top-level departments.")


# --- API tokens ------------------------------------------------------------------------------
class TokenOut(Schema):
    id: int
    name: str
    key_prefix: str = Field(..., description="The first characters of the secret, to recognise it.")
    read_only: bool
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    created_at: dt.datetime


class TokenCreatedOut(TokenOut):
    secret: str = Field(..., description="The token itself. Shown only in this response; store it safely.")


class TokenCreateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    read_only: bool = Field(False, description="A read-only token may only send GET requests.")
    expires_at: AwareDatetime | None = None


# --- notifications ---------------------------------------------------------------------------
class NotificationOut(Schema):
    id: int
    kind: str
    level: str
    title: str = Field(..., description="In the reader's language.")
    body: str = Field(..., description="In the reader's language.")
    url: str
    read_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return str(obj.title_text)

    @staticmethod
    def resolve_body(obj: Any) -> str:
        return str(obj.body_text)


class NotificationPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only unread notifications.")


class UnreadCountOut(Schema):
    count: int


class MarkReadIn(InputSchema):
    ids: list[ObjectId] | None = Field(None, max_length=1000, description="Notification ids; omit to mark all read.")


class MarkReadOut(Schema):
    marked: int


class NotificationTopicOut(Schema):
    key: str
    label: str = Field(..., description="In the reader's language.")
    muted: bool


class NotificationSettingsOut(Schema):
    daily_digest: bool = Field(..., description="One e-mail a day listing the unread notifications, not one each.")
    muted: list[str] = Field(..., description="Keys of the topics the user does not hear about.")
    topics: list[NotificationTopicOut]


class NotificationSettingsIn(InputSchema):
    daily_digest: bool = False
    muted: list[str] = Field(default_factory=list, max_length=100, description="Topic keys to mute (see `topics`).")


# --- access log (who read what) ----------------------------------------------------------------
class AccessLogFilters(Schema):
    actor: ObjectId | None = Field(None, description="User id: only this user's reads.")
    kind: str | None = Field(None, description="view (opened a customer's 360 page), export or download.")
    date_from: dt.date | None = Field(None, description="From this day (inclusive).")
    date_to: dt.date | None = Field(None, description="Up to this day (inclusive).")
    q: str | None = Field(None, max_length=100, description="Object name or id, request id or IP address.")


class AccessLogOut(Schema):
    id: int
    at: dt.datetime
    actor: UserRef | None
    kind: str = Field(..., description="view, export or download.")
    kind_label: str
    object_type: str = Field(..., description="The object's type, in your language (empty for an export of a list).")
    object_id: str
    object_repr: str
    description: str = Field(..., description="The file for a download, the audit message for an export.")
    detail: dict[str, Any]
    ip: str | None
    request_id: str

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class AccessLogPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[AccessLogOut]
