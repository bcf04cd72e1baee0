"""API schemas of permission change requests (input and output kept apart)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema, ObjectId

from ..schemas import RoleRef, UserRef

RoleCode = Annotated[str, Field(min_length=1, max_length=50)]


class PermissionRequestIn(InputSchema):
    user_id: ObjectId | None = Field(
        None, description="Whose roles change: you (default), your staff, anyone for org.admin."
    )
    add_roles: list[RoleCode] = Field(default_factory=list, max_length=50, description="Role codes to grant.")
    remove_roles: list[RoleCode] = Field(default_factory=list, max_length=50, description="Role codes to take away.")
    reason: str = Field(..., max_length=2000, description="Why the change is needed (required).")


class PermissionRequestOut(Schema):
    id: int
    user: UserRef
    requested_by: UserRef
    add_roles: list[RoleRef]
    remove_roles: list[RoleRef]
    reason: str
    status: Literal["pending", "approved", "rejected", "returned", "withdrawn"] = Field(
        ..., description="approved means the change was applied."
    )
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_add_roles(obj: Any) -> list[Any]:
        return list(obj.add_roles.all())

    @staticmethod
    def resolve_remove_roles(obj: Any) -> list[Any]:
        return list(obj.remove_roles.all())


class PermissionRequestPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[PermissionRequestOut]
