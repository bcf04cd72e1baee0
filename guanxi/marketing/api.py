"""REST endpoints of the marketing app (segments, consent, the suppression list), mounted on the one NinjaAPI
in guanxi/api/main.py. Each endpoint parses its schema, calls one selector or service and returns an output
schema; errors use the shared envelope."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    error_responses,
    expected_version,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.org.current import current_user
from guanxi.org.policies import get_scoped_or_404, require_permission

from . import budget, campaigns, consent, selectors, services
from .api_util import marketing_created, marketing_get
from .engagement import engagement_by_contact
from .models import Campaign, Suppression
from .roi import channel_drill_down, roi_by_channel
from .schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CampaignStartOut,
    CampaignStatsOut,
    ChannelCode,
    ChannelDrillDownOut,
    ChannelRoiOut,
    ConsentIn,
    ConsentOut,
    EngagementOut,
    MembersIn,
    MembersOut,
    RoiPeriod,
    SegmentCountOut,
    SegmentIn,
    SegmentOut,
    SegmentPage,
    SegmentPatch,
    SuppressionIn,
    SuppressionOut,
    SuppressionPage,
)
from .segments import preview, segment_members

router = Router(tags=["Marketing"])
SEGMENTS = ["Segments"]
CONSENT = ["Consent"]


@router.get("/segments", response={200: SegmentPage, **LIST_ERRORS}, tags=SEGMENTS, summary="List segments")
def segment_list(request: HttpRequest, page: Query[PageParams]) -> object:
    return paginate(selectors.segment_list(user=current_user(request)), page)


@router.post("/segments", response={201: SegmentOut, **WRITE_ERRORS}, tags=SEGMENTS, summary="New segment")
@idempotent
def segment_create(request: HttpRequest, payload: SegmentIn, response: HttpResponse) -> object:
    """A dynamic segment keeps the customer or contact list's query string (its filters); a static one starts
    empty (add contacts with POST /segments/{id}/members)."""
    segment = services.segment_create(actor=current_user(request), data=payload.dict())
    set_etag(response, segment)
    return Status(201, segment)


@router.get("/segments/{int:segment_id}", response={200: SegmentOut, **READ_ERRORS}, tags=SEGMENTS, summary="Get")
def segment_get(request: HttpRequest, segment_id: int, response: HttpResponse) -> object:
    segment = selectors.segment_get(user=current_user(request), pk=segment_id)
    set_etag(response, segment)
    return segment


@router.get(
    "/segments/{int:segment_id}/count", response={200: SegmentCountOut, **READ_ERRORS}, tags=SEGMENTS,
    summary="Count the members",
)  # fmt: skip
def segment_count(request: HttpRequest, segment_id: int) -> object:
    """Who the segment holds now, in your data scope: the total, how many each channel may reach (opt-outs and
    the suppression list left out) and the first ten."""
    user = current_user(request)
    members = segment_members(user=user, segment=selectors.segment_get(user=user, pk=segment_id))
    return {
        "total": members.contacts.count(),
        "reachable": selectors.reach_by_channel(members),
        "preview": preview(members),
        "warnings": [str(w) for w in members.warnings],
    }


@router.patch("/segments/{int:segment_id}", response={200: SegmentOut, **WRITE_ERRORS}, tags=SEGMENTS, summary="Edit")
def segment_patch(
    request: HttpRequest, segment_id: int, payload: SegmentPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    user = current_user(request)
    raw: dict[str, Any] = payload.dict(exclude_unset=True)
    version = expected_version(if_match, raw.pop("version", None))
    segment = selectors.segment_get(user=user, pk=segment_id)
    segment = services.segment_update(actor=user, segment=segment, data=raw, expected_version=version)
    set_etag(response, segment)
    return segment


@router.delete("/segments/{int:segment_id}", response={204: None, **WRITE_ERRORS}, tags=SEGMENTS, summary="Delete")
def segment_delete(request: HttpRequest, segment_id: int, if_match: str | None = IfMatch) -> object:
    user = current_user(request)
    segment = selectors.segment_get(user=user, pk=segment_id)
    services.segment_delete(actor=user, segment=segment, expected_version=expected_version(if_match, None))
    return Status(204, None)


@router.post(
    "/segments/{int:segment_id}/members", response={200: MembersOut, **WRITE_ERRORS}, tags=SEGMENTS,
    summary="Add contacts to a static list",
)  # fmt: skip
def segment_members_add(request: HttpRequest, segment_id: int, payload: MembersIn) -> object:
    user = current_user(request)
    segment = selectors.segment_get(user=user, pk=segment_id)
    added, skipped = services.segment_add_contacts(actor=user, segment=segment, contact_ids=payload.contact_ids)
    return {"added": added, "skipped": skipped}


# --- consent ------------------------------------------------------------------------------------------
def _contact(request: HttpRequest, contact_id: int) -> Any:
    from guanxi.customers.models import Contact

    return get_scoped_or_404(current_user(request), Contact.objects.all(), contact_id, "view", module="contacts")


@router.get(
    "/contacts/{int:contact_id}/consents", response={200: list[ConsentOut], **READ_ERRORS}, tags=CONSENT,
    summary="A contact's consent per channel",
)  # fmt: skip
def consent_list(request: HttpRequest, contact_id: int) -> object:
    return list(consent.consents_of(_contact(request, contact_id)).values())


@router.put(
    "/contacts/{int:contact_id}/consents", response={200: ConsentOut, **WRITE_ERRORS}, tags=CONSENT,
    summary="Record a contact's consent for a channel",
)  # fmt: skip
def consent_put(request: HttpRequest, contact_id: int, payload: ConsentIn) -> object:
    return consent.consent_set(actor=current_user(request), contact=_contact(request, contact_id), **payload.dict())


@router.get(
    "/contacts/{int:contact_id}/engagement", response={200: EngagementOut, **READ_ERRORS}, tags=CONSENT,
    summary="A contact's campaigns, opens, clicks, responses and points",
)  # fmt: skip
def contact_engagement(request: HttpRequest, contact_id: int) -> object:
    """As the customer 360 page's Marketing tab shows it: campaign figures need marketing.view, responses the
    reader's lead scope, points loyalty.view."""
    contact = _contact(request, contact_id)
    return engagement_by_contact(user=current_user(request), contacts=[contact])[contact.pk]


@router.get("/suppressions", response={200: SuppressionPage, **LIST_ERRORS}, tags=CONSENT, summary="Suppression list")
def suppression_list(request: HttpRequest, page: Query[PageParams]) -> object:
    require_permission(current_user(request), "marketing.view")
    return paginate(Suppression.objects.order_by("-id"), page)


@router.post("/suppressions", response={201: SuppressionOut, **WRITE_ERRORS}, tags=CONSENT, summary="Suppress")
def suppression_create(request: HttpRequest, payload: SuppressionIn) -> object:
    return Status(201, consent.suppression_add(actor=current_user(request), **payload.dict()))


# --- campaigns ----------------------------------------------------------------------------------------
CAMPAIGNS = ["Campaigns"]


def _campaign_get(request: HttpRequest, campaign_id: int) -> Any:
    return marketing_get(request, Campaign.objects.all(), campaign_id)


@router.get("/campaigns", response={200: CampaignPage, **LIST_ERRORS}, tags=CAMPAIGNS, summary="List campaigns")
def campaign_list(request: HttpRequest, page: Query[PageParams]) -> object:
    require_permission(current_user(request), "marketing.view")
    return paginate(Campaign.objects.order_by("-id"), page)


@router.post("/campaigns", response={201: CampaignOut, **WRITE_ERRORS}, tags=CAMPAIGNS, summary="New campaign")
@idempotent
def campaign_create(request: HttpRequest, payload: CampaignIn, response: HttpResponse) -> object:
    """A draft: plan (goal, budget, period, expected responses), channel, segment and the message with merge
    fields `{{ name }}`, `{{ company }}`, `{{ title }}`, `{{ owner }}`, `{{ custom }}`."""
    return marketing_created(request, response, payload, campaigns.campaign_create, fk="segment")


@router.get("/campaigns/{int:campaign_id}", response={200: CampaignOut, **READ_ERRORS}, tags=CAMPAIGNS, summary="Get")
def campaign_get(request: HttpRequest, campaign_id: int, response: HttpResponse) -> object:
    campaign = _campaign_get(request, campaign_id)
    set_etag(response, campaign)
    return campaign


@router.get(
    "/campaigns/roi", response={200: list[ChannelRoiOut], **LIST_ERRORS}, tags=CAMPAIGNS, summary="ROI by channel"
)  # fmt: skip
def campaign_roi(request: HttpRequest, period: Query[RoiPeriod]) -> object:
    """Per channel, the campaigns started in the period (all when no dates are given): cost and the won amount of
    the reader's deals attributed to them, first touch and last touch."""
    rows, _campaigns = roi_by_channel(user=current_user(request), **period.dict())
    return rows


@router.get(
    "/campaigns/roi/{channel}", response={200: ChannelDrillDownOut, **error_responses(401, 403, 422)}, tags=CAMPAIGNS,
    summary="The deals and people behind a channel's ROI",
)  # fmt: skip
def campaign_roi_channel(request: HttpRequest, channel: ChannelCode, period: Query[RoiPeriod]) -> object:
    row, deals = channel_drill_down(user=current_user(request), channel=channel, **period.dict())
    return {"channel": row, "deals": deals}


@router.get(
    "/campaigns/{int:campaign_id}/stats", response={200: CampaignStatsOut, **READ_ERRORS}, tags=CAMPAIGNS,
    summary="Sent, opened, clicked",
)  # fmt: skip
def campaign_stats(request: HttpRequest, campaign_id: int) -> object:
    return campaigns.campaign_stats(_campaign_get(request, campaign_id))


@router.post(
    "/campaigns/{int:campaign_id}/start", response={200: CampaignStartOut, **WRITE_ERRORS}, tags=CAMPAIGNS,
    summary="Start sending",
)  # fmt: skip
def campaign_start(request: HttpRequest, campaign_id: int) -> object:
    """Records every recipient (reachable, one per address) and hands the campaign to the worker, which sends it
    in batches at the channel's rate; a phone campaign becomes a call list."""
    campaign = _campaign_get(request, campaign_id)
    return {"recipients": campaigns.campaign_start(actor=current_user(request), campaign=campaign)}


@router.post(
    "/campaigns/{int:campaign_id}/budget-approval", response={200: CampaignOut, **WRITE_ERRORS}, tags=CAMPAIGNS,
    summary="Submit the budget for approval",
)  # fmt: skip
def campaign_budget_submit(request: HttpRequest, campaign_id: int) -> object:
    """Sends a draft campaign's budget through the approval engine when an approval rule of the kind
    "campaign_budget" applies (default: ¥10,000 or more); the campaign starts once it is approved. 409 when no
    rule applies, or the budget is awaiting approval already."""
    campaign = _campaign_get(request, campaign_id)
    return budget.budget_submit(actor=current_user(request), campaign=campaign)


# Membership and loyalty (/loyalty/…) answer under the same router.
from .loyalty.api import router as loyalty_router  # noqa: E402

router.add_router("", loyalty_router)
# --- customer care and events (their own module) -------------------------------------------------------------
from .api_care import router as _care_router  # noqa: E402

router.add_router("", _care_router)
