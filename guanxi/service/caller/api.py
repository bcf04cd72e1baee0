"""GET /api/v1/caller?q=… — the caller view for a call-centre integration: the customers a phone number (or a
plate, policy or serial number) points at, with their contacts, assets, open tickets, latest follow-ups and open
receivables, read through the token holder's data scope."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from guanxi.core.api import LIST_ERRORS
from guanxi.org.current import current_user
from guanxi.org.policies import require_permission

from .selectors import caller_lookup, may_use

router = Router(tags=["Service"])


class CallerContact(Schema):
    id: int
    name: str
    mobile: str
    phone: str


class CallerAsset(Schema):
    id: int
    name: str
    plate_number: str
    policy_number: str
    serial_number: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: str


class CallerTicket(Schema):
    id: int
    number: str
    subject: str
    status: str


class CallerFollowUp(Schema):
    id: int
    occurred_at: dt.datetime
    content: str


class CallerReceivable(Schema):
    id: int
    number: str
    title: str
    balance_due: Decimal
    overdue: Decimal


class CallerReceivables(Schema):
    balance_due: Decimal = Field(description="Over every contract of the customer with a balance due.")
    overdue: Decimal
    contracts: list[CallerReceivable] = Field(description="The five biggest balances due.")

    @staticmethod
    def resolve_balance_due(obj: dict) -> Decimal:  # type: ignore[type-arg]
        return obj["totals"].balance_due

    @staticmethod
    def resolve_overdue(obj: dict) -> Decimal:  # type: ignore[type-arg]
        return obj["totals"].overdue


class CallerCustomer(Schema):
    id: int
    name: str


class CallerCardOut(Schema):
    customer: CallerCustomer
    contacts: list[CallerContact]
    assets: list[CallerAsset]
    open_tickets: list[CallerTicket]
    past_tickets: int
    follow_ups: list[CallerFollowUp]
    receivables: CallerReceivables | None = Field(description="Open receivables; null when nothing is due or the "
                                                  "reader may not see payments.")  # fmt: skip


class CallerQuery(Schema):
    q: Annotated[str, Field(min_length=1, max_length=100, description="A phone, plate, policy or serial number.")]


@router.get("/caller", response={200: list[CallerCardOut], **LIST_ERRORS}, summary="Caller view (来电弹屏)")
def caller(request: HttpRequest, query: Query[CallerQuery]) -> object:
    """Who is calling: at most five customers, each with contacts, assets, open tickets and latest follow-ups."""
    user = current_user(request)
    if not may_use(user):
        require_permission(user, "tickets.view")  # refused, in the reader's language
    return caller_lookup(user=user, query=query.q)
