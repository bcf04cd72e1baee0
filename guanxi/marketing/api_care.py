"""REST endpoints of customer care (greetings) and events (registrations, check-in by code), added to the
marketing router. Each endpoint parses its schema, calls one service and returns an output schema."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    CountIsExact,
    InputSchema,
    ObjectId,
    PageParams,
    paginate,
    set_etag,
)
from guanxi.org.current import current_user
from guanxi.org.policies import require_permission

from . import care, events, privacy
from .api_util import marketing_created, marketing_get
from .models_care import Greeting
from .models_events import Event, Registration
from .occasions import Occasion

router = Router(tags=["Marketing"])
CARE = ["Customer care"]
EVENTS = ["Events"]
OccasionCode = Literal[tuple(Occasion.values)]  # type: ignore[valid-type]
EventKind = Literal[tuple(Event.Kind.values)]  # type: ignore[valid-type]


class GreetingOut(Schema):
    id: int
    version: int
    name: str
    occasion: str
    channel: str
    language: str
    subject: str
    body: str
    custom_text: str
    segment_id: int | None
    call_levels: list[str]
    active: bool


class GreetingPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[GreetingOut]


class GreetingIn(InputSchema):
    name: str = Field(max_length=120)
    occasion: OccasionCode  # type: ignore[valid-type]
    channel: Literal["email", "sms", "wechat"] = "email"
    language: Literal["zh-hans", "en"] = "zh-hans"
    subject: str = Field("", max_length=200)
    body: str = Field(max_length=20000)
    custom_text: str = Field("", max_length=500)
    segment_id: ObjectId | None = None
    call_levels: list[Literal["A", "B", "C"]] = Field(
        default_factory=list, description="customer levels whose contacts get a call task for the owner instead"
    )
    active: bool = True


class EventOut(Schema):
    id: int
    version: int
    name: str
    kind: str
    campaign_id: int | None
    starts_at: dt.datetime
    venue: str
    description: str
    capacity: int
    registration_open: bool
    registration_url: str = Field(description="the public registration form (a signed link)")

    @staticmethod
    def resolve_registration_url(obj: Event) -> str:
        return events.event_form_url(obj)


class EventPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[EventOut]


class EventIn(InputSchema):
    name: str = Field(max_length=200)
    kind: EventKind = "seminar"  # type: ignore[valid-type]
    campaign_id: ObjectId | None = None
    starts_at: dt.datetime
    venue: str = Field("", max_length=200)
    description: str = Field("", max_length=20000)
    capacity: int = Field(0, ge=0, le=1_000_000)
    registration_open: bool = True


class RegistrationOut(Schema):
    id: int
    name: str
    company: str
    title: str
    mobile: str = Field(description="in full for the event's owner and marketing.view_personal, else 138****5678")
    email: str = Field(description="in full for the event's owner and marketing.view_personal, else z***@example.com")
    code: str
    status: str
    confirmation: str = Field(description="the confirmation's state: '' none, pending, sent, failed")
    language: str = Field(description="the language the form was filled in, the confirmation's ('' the site's)")
    registered_at: dt.datetime
    checked_in_at: dt.datetime | None
    lead_id: int | None

    # personal data: in full for the event's owner and holders of marketing.view_personal, else masked
    @staticmethod
    def resolve_mobile(obj: Registration) -> str:
        return privacy.shown_mobile(obj)

    @staticmethod
    def resolve_email(obj: Registration) -> str:
        return privacy.shown_email(obj)


class RegistrationPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    limit: int
    offset: int
    items: list[RegistrationOut]


class CheckInIn(InputSchema):
    code: str = Field(max_length=20, description="the code on the registration's confirmation e-mail")


class EventFiguresOut(Schema):
    registered: int
    attended: int
    cancelled: int
    leads: int | None = Field(description="the attendees' leads in the reader's lead scope (null: no lead access)")
    converted: int | None


@router.get("/greetings", response={200: GreetingPage, **LIST_ERRORS}, tags=CARE, summary="List care greetings")
def greeting_list(request: HttpRequest, page: Query[PageParams]) -> object:
    require_permission(current_user(request), "marketing.view")
    return paginate(Greeting.objects.order_by("occasion", "id"), page)


@router.post("/greetings", response={201: GreetingOut, **WRITE_ERRORS}, tags=CARE, summary="New care greeting")
def greeting_create(request: HttpRequest, payload: GreetingIn, response: HttpResponse) -> object:
    """A birthday or holiday greeting, sent by the worker on the day to every contact of its segment (or all) who
    may be contacted on its channel, once per occasion; key accounts' contacts become call tasks for the owner."""
    return marketing_created(request, response, payload, care.greeting_create, fk="segment")


def _event_get(request: HttpRequest, event_id: int) -> Any:
    return marketing_get(request, Event.objects.select_related("campaign"), event_id)


@router.get("/events", response={200: EventPage, **LIST_ERRORS}, tags=EVENTS, summary="List events")
def event_list(request: HttpRequest, page: Query[PageParams]) -> object:
    require_permission(current_user(request), "marketing.view")
    return paginate(Event.objects.order_by("-starts_at", "-id"), page)


@router.post("/events", response={201: EventOut, **WRITE_ERRORS}, tags=EVENTS, summary="New event")
def event_create(request: HttpRequest, payload: EventIn, response: HttpResponse) -> object:
    return marketing_created(request, response, payload, events.event_create, fk="campaign")


@router.get("/events/{int:event_id}", response={200: EventOut, **READ_ERRORS}, tags=EVENTS, summary="Get")
def event_get(request: HttpRequest, event_id: int, response: HttpResponse) -> object:
    event = _event_get(request, event_id)
    set_etag(response, event)
    return event


@router.get(
    "/events/{int:event_id}/figures", response={200: EventFiguresOut, **READ_ERRORS}, tags=EVENTS,
    summary="Registered, checked in, leads",
)  # fmt: skip
def event_figures(request: HttpRequest, event_id: int) -> object:
    from guanxi.org.policies import scope_queryset_or_none
    from guanxi.sales.models import Lead

    user = current_user(request)
    leads = scope_queryset_or_none(user, Lead.objects.all(), "view", module="leads")
    return events.event_figures(_event_get(request, event_id), leads=leads)


@router.get(
    "/events/{int:event_id}/registrations", response={200: RegistrationPage, **LIST_ERRORS, **READ_ERRORS},
    tags=EVENTS,
    summary="List registrations",
)  # fmt: skip
def registration_list(request: HttpRequest, event_id: int, page: Query[PageParams]) -> object:
    registrations = _event_get(request, event_id).registrations.order_by("pk")
    return paginate(privacy.with_personal_visible(registrations, current_user(request)), page)


@router.post(
    "/events/{int:event_id}/check-in", response={200: RegistrationOut, **WRITE_ERRORS}, tags=EVENTS,
    summary="Check in by code",
)  # fmt: skip
def registration_check_in(request: HttpRequest, event_id: int, payload: CheckInIn) -> object:
    """Marks the registrant present (a second check-in changes nothing) and makes them a lead tagged with the
    event's campaign; 400 naming `code` when no registration of this event has it."""
    event = _event_get(request, event_id)
    found: Registration = events.registration_check_in_by_code(actor=current_user(request), event=event,
                                                              code=payload.code)  # fmt: skip
    return privacy.mark_visibility(found, current_user(request))
