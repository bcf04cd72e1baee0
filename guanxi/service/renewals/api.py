"""REST endpoints of renewals (续保/续约), mounted on the one NinjaAPI in guanxi/api/main.py: the renewal list in
the reader's reach, one renewal, and the owner's decisions (decide, renew, opportunity)."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from guanxi.core.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, CountIsExact, InputSchema, PageParams, paginate
from guanxi.org.current import current_user
from guanxi.org.schemas import UserRef

from . import selectors, services
from .models import Renewal

router = Router(tags=["Renewals"])
RenewalStatus = Literal[tuple(Renewal.Status.values)]  # type: ignore[valid-type]


class RenewalAssetRef(Schema):
    id: int
    name: str
    plate_number: str
    policy_number: str
    serial_number: str


class RenewalCustomerRef(Schema):
    id: int
    name: str


class RenewalOut(Schema):
    id: int
    version: int
    asset: RenewalAssetRef
    customer: RenewalCustomerRef
    ends_on: dt.date
    status: str
    owner: UserRef | None
    lost_reason: str
    decided_at: dt.datetime | None
    renewed_asset_id: int | None
    opportunity_id: int | None


class RenewalPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[RenewalOut]


class RenewalFilters(Schema):
    status: RenewalStatus | None = None  # type: ignore[valid-type]
    owner_id: int | None = None
    ends_from: dt.date | None = None
    ends_to: dt.date | None = None


class RenewalDecideIn(InputSchema):
    status: Literal["undecided", "renewing", "lost"]
    reason: Annotated[str, Field(max_length=300)] = ""


class RenewalRenewIn(InputSchema):
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    policy_number: Annotated[str, Field(max_length=60)] = ""


@router.get("/renewals", response={200: RenewalPage, **LIST_ERRORS}, summary="List renewals")
def renewal_list(request: HttpRequest, filters: Query[RenewalFilters], page: Query[PageParams]) -> object:
    """Renewals in your reach (through their customer), soonest end date first."""
    qs = selectors.renewal_list(user=current_user(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.ends_from:
        qs = qs.filter(ends_on__gte=filters.ends_from)
    if filters.ends_to:
        qs = qs.filter(ends_on__lte=filters.ends_to)
    return paginate(qs.order_by("ends_on", "id"), page)


@router.get("/renewals/{int:renewal_id}", response={200: RenewalOut, **READ_ERRORS}, summary="Get a renewal")
def renewal_get(request: HttpRequest, renewal_id: int) -> object:
    return selectors.renewal_get(user=current_user(request), pk=renewal_id)


@router.post("/renewals/{int:renewal_id}/decide", response={200: RenewalOut, **WRITE_ERRORS}, summary="Decide")
def renewal_decide(request: HttpRequest, renewal_id: int, payload: RenewalDecideIn) -> object:
    """undecided, renewing, or lost (not renewing: `reason` required). 409 once renewed."""
    user = current_user(request)
    renewal = selectors.renewal_get(user=user, pk=renewal_id, action="edit")
    services.renewal_decide(actor=user, renewal=renewal, status=payload.status, reason=payload.reason)
    return selectors.renewal_get(user=user, pk=renewal_id)


@router.post("/renewals/{int:renewal_id}/renew", response={200: RenewalOut, **WRITE_ERRORS}, summary="Renew")
def renewal_renew(request: HttpRequest, renewal_id: int, payload: RenewalRenewIn) -> object:
    """Record the next term as a new asset (by default from the day after the end, as long as the current term)."""
    user = current_user(request)
    renewal = selectors.renewal_get(user=user, pk=renewal_id, action="edit")
    data = {k: v for k, v in payload.dict().items() if v not in (None, "")}
    services.renewal_renew(actor=user, renewal=renewal, data=data)
    return selectors.renewal_get(user=user, pk=renewal_id)


@router.post(
    "/renewals/{int:renewal_id}/opportunity", response={200: RenewalOut, **WRITE_ERRORS},
    summary="Create renewal opportunity",
)  # fmt: skip
def renewal_opportunity(request: HttpRequest, renewal_id: int) -> object:
    """Open a renewal opportunity in sales (needs opportunities.create); the renewal becomes renewing."""
    user = current_user(request)
    renewal = selectors.renewal_get(user=user, pk=renewal_id, action="edit")
    services.renewal_opportunity(actor=user, renewal=renewal)
    return selectors.renewal_get(user=user, pk=renewal_id)
