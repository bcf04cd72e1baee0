"""API schemas of webhooks (input and output kept apart). The secret appears once, in the answer to a create or a
secret rotation (WebhookCreatedOut); otherwise only its hint."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from guanxi.core.api import CountIsExact, InputSchema

EventKey = Annotated[str, Field(min_length=1, max_length=60)]
READER_ROLE = (
    "The webhook's reader: a role code (Organisation → Roles); the body's custom fields are those this role sees. "
    "Empty: only the fields every role sees."
)


class WebhookIn(InputSchema):
    name: str = Field(..., max_length=100)
    url: str = Field(..., max_length=500, description="http:// or https:// address Guanxi posts each event to.")
    event_types: list[EventKey] = Field(..., min_length=1, max_length=50, description="Keys from GET /webhooks/events.")
    reader_role: str = Field("", max_length=50, description=READER_ROLE)
    is_active: bool = True


class WebhookPatchIn(InputSchema):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=500)
    event_types: list[EventKey] | None = Field(None, min_length=1, max_length=50)
    reader_role: str | None = Field(None, max_length=50, description=READER_ROLE)
    is_active: bool | None = Field(None, description="true switches a webhook that was switched off on again.")


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    reader_role: str = Field(..., description=READER_ROLE)
    is_active: bool
    secret_hint: str = Field(..., description="The signing secret's start and end; the whole secret is shown once.")
    consecutive_failures: int
    disabled_at: dt.datetime | None
    disabled_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(..., description="The signing secret, shown this once: keep it with the receiver.")

    @staticmethod
    def resolve_secret(obj: Any) -> str:
        return str(obj.new_secret)


class WebhookPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[WebhookOut]


class EventTypeOut(Schema):
    key: str
    label: str
    model: str

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.label)


class DeliveryOut(Schema):
    id: int
    webhook_id: int
    event_id: str
    event_type: str
    object_id: str
    status: Literal["pending", "sending", "delivered", "failed"]
    attempts: int
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    response_status: int | None
    response_ms: int | None
    error: str
    replay_of_id: int | None

    @staticmethod
    def resolve_webhook_id(obj: Any) -> int:
        return int(obj.subscription_id)


class DeliveryDetailOut(DeliveryOut):
    payload: dict[str, Any] = Field(..., description="The JSON body sent: {id, type, occurred_at, data}.")
    response_body: str
    attempt_log: list[dict[str, Any]]


class DeliveryPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[DeliveryOut]


class DeliveryFilters(Schema):
    status: Literal["pending", "sending", "delivered", "failed"] | None = None
    event_type: str | None = Field(None, max_length=60)
