"""REST endpoints of membership and loyalty (/api/v1/loyalty/…), added to the marketing router. Thin: parse the
schema, call one selector or service, answer an output schema; errors use the shared envelope."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    expected_version,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.core.errors import NotFoundError
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom
from guanxi.org.policies import require_permission, scope_queryset

from . import corrections, ledger, services
from .models import Coupon, EarningRule, LoyaltyProgramme, Member, PointsEntry, Tier
from .schemas import (
    AdjustIn,
    CouponIn,
    CouponOut,
    CouponPage,
    CouponPatch,
    CouponRedemptionOut,
    CouponUseIn,
    EarningRuleIn,
    EarningRuleOut,
    EarningRulePatch,
    MemberFilters,
    MemberIn,
    MemberOut,
    MemberPage,
    MemberPatch,
    PointsCorrectionOut,
    PointsCorrectionPage,
    PointsEntryOut,
    PointsEntryPage,
    ProgrammeOut,
    ProgrammePatch,
    RedeemIn,
    TierIn,
    TierOut,
    TierPatch,
)

router = Router(tags=["Membership and loyalty"])
MEMBERS = ["Members"]
PROGRAMME = ["Loyalty programme"]
COUPONS = ["Coupons"]


# --- members and their points ---------------------------------------------------------------------------------
@router.get("/loyalty/members", response={200: MemberPage, **LIST_ERRORS}, tags=MEMBERS, summary="List members")
def member_list(request: HttpRequest, filters: Query[MemberFilters], page: Query[PageParams]) -> object:
    """The members of the customers in the caller's data scope (loyalty.view), by custom field values."""
    user = current_user(request)
    qs = filter_by_custom(scope_queryset(user, Member.objects.all()), user=user, model_label=services.MEMBER_TARGET,
                          pairs=filters.custom or [])  # fmt: skip
    return paginate(qs.order_by("card_number"), page)


@router.post("/loyalty/members", response={201: MemberOut, **WRITE_ERRORS}, tags=MEMBERS, summary="Enrol a member")
@idempotent
def member_create(request: HttpRequest, payload: MemberIn, response: HttpResponse) -> object:
    member = services.member_enrol(actor=current_user(request), data=payload.dict(exclude_none=True))
    set_etag(response, member)
    return Status(201, member)


@router.get("/loyalty/members/{int:member_id}", response={200: MemberOut, **READ_ERRORS}, tags=MEMBERS,
            summary="Get a member")  # fmt: skip
def member_get(request: HttpRequest, member_id: int, response: HttpResponse) -> object:
    member = services.member_for(current_user(request), member_id)
    set_etag(response, member)
    return member


@router.patch("/loyalty/members/{int:member_id}", response={200: MemberOut, **WRITE_ERRORS}, tags=MEMBERS,
              summary="Edit a member")  # fmt: skip
def member_update(request: HttpRequest, member_id: int, payload: MemberPatch, if_match: str | None = IfMatch) -> object:
    """Correct the joining date or set custom fields (loyalty.edit, the member in the caller's edit scope)."""
    user = current_user(request)
    member = services.member_for(user, member_id, "edit")
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    return services.member_update(actor=user, member=member, data=data, expected_version=version)


@router.post("/loyalty/members/{int:member_id}/cancel", response={200: MemberOut, **WRITE_ERRORS}, tags=MEMBERS,
             summary="Cancel a membership")  # fmt: skip
def member_cancel(request: HttpRequest, member_id: int, if_match: str | None = IfMatch) -> object:
    user = current_user(request)
    member = services.member_for(user, member_id, "edit")
    return services.member_cancel(actor=user, member=member, expected_version=expected_version(if_match))


@router.get("/loyalty/members/{int:member_id}/ledger", response={200: PointsEntryPage, **LIST_ERRORS, **READ_ERRORS},
            tags=MEMBERS, summary="A member's points ledger")  # fmt: skip
def member_ledger(request: HttpRequest, member_id: int, page: Query[PageParams]) -> object:
    """Newest first; `balance_after` is the balance once the entry was written."""
    member = services.member_for(current_user(request), member_id)
    return paginate(PointsEntry.objects.filter(member=member).order_by("-at", "-id"), page)


@router.post("/loyalty/members/{int:member_id}/redeem", response={201: PointsEntryOut, **WRITE_ERRORS}, tags=MEMBERS,
             summary="Redeem points")  # fmt: skip
@idempotent
def member_redeem(request: HttpRequest, member_id: int, payload: RedeemIn) -> object:
    """Spend points: 409 when the balance is lower (two redemptions at the same moment never spend the same
    points: one of them gets 409)."""
    user = current_user(request)
    member = services.member_for(user, member_id, "edit")
    return Status(201, ledger.points_redeem(actor=user, member=member, points=payload.points, note=payload.note))


@router.post("/loyalty/members/{int:member_id}/adjust", response={201: PointsCorrectionOut, **WRITE_ERRORS},
             tags=MEMBERS, summary="Correct a member's points")  # fmt: skip
@idempotent
def member_adjust(request: HttpRequest, member_id: int, payload: AdjustIn) -> object:
    """A correction with its reason (loyalty.edit); never below zero. When an approval rule of the kind
    "points_correction" applies (default: 500 points or more either way), it answers status "pending" and the
    ledger entry is written only once the request is approved; otherwise "applied" with its `entry_id`."""
    user = current_user(request)
    member = services.member_for(user, member_id, "edit")
    return Status(201, corrections.points_correction_request(actor=user, member=member, points=payload.points,
                                                            note=payload.note))  # fmt: skip


@router.get("/loyalty/members/{int:member_id}/corrections", response={200: PointsCorrectionPage, **LIST_ERRORS,
            **READ_ERRORS}, tags=MEMBERS, summary="A member's points corrections")  # fmt: skip
def member_corrections(request: HttpRequest, member_id: int, page: Query[PageParams]) -> object:
    """Newest first, with their status: pending (awaiting approval), applied, rejected, withdrawn."""
    member = services.member_for(current_user(request), member_id)
    return paginate(member.corrections.order_by("-created_at", "-id"), page)


@router.post("/loyalty/members/{int:member_id}/coupons", response={201: CouponRedemptionOut, **WRITE_ERRORS},
             tags=MEMBERS, summary="Use a coupon")  # fmt: skip
@idempotent
def member_use_coupon(request: HttpRequest, member_id: int, payload: CouponUseIn) -> object:
    """On a quote or contract of the member's customer; 409 when a limit (per member or in total) is reached."""
    user = current_user(request)
    member = services.member_for(user, member_id, "edit")
    return Status(201, services.coupon_redeem(actor=user, member=member, code=payload.code, quote=payload.quote,
                                              contract=payload.contract))  # fmt: skip


# --- coupons ------------------------------------------------------------------------------------------------------
@router.get("/loyalty/coupons", response={200: CouponPage, **LIST_ERRORS}, tags=COUPONS, summary="List coupons")
def coupon_list(request: HttpRequest, page: Query[PageParams]) -> object:
    user = current_user(request)
    require_permission(user, "loyalty.view")
    return paginate(Coupon.objects.order_by("-valid_until", "code"), page)


@router.post("/loyalty/coupons", response={201: CouponOut, **WRITE_ERRORS}, tags=COUPONS, summary="New coupon")
@idempotent
def coupon_create(request: HttpRequest, payload: CouponIn) -> object:
    return Status(201, services.coupon_create(actor=current_user(request), data=payload.dict()))


def _coupon(user: object, coupon_id: int) -> Coupon:
    require_permission(user, "loyalty.view")  # type: ignore[arg-type]
    coupon = Coupon.objects.filter(pk=coupon_id).first()
    if coupon is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return coupon


@router.get("/loyalty/coupons/{int:coupon_id}", response={200: CouponOut, **READ_ERRORS}, tags=COUPONS,
            summary="Get a coupon")  # fmt: skip
def coupon_get(request: HttpRequest, coupon_id: int, response: HttpResponse) -> object:
    coupon = _coupon(current_user(request), coupon_id)
    set_etag(response, coupon)
    return coupon


@router.patch("/loyalty/coupons/{int:coupon_id}", response={200: CouponOut, **WRITE_ERRORS}, tags=COUPONS,
              summary="Change a coupon")  # fmt: skip
def coupon_update(request: HttpRequest, coupon_id: int, payload: CouponPatch, if_match: str | None = IfMatch) -> object:
    user = current_user(request)
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    return services.coupon_update(actor=user, coupon=_coupon(user, coupon_id), data=data, expected_version=version)


# --- the programme: settings, tiers and earning rules ------------------------------------------------------------
@router.get("/loyalty/programme", response={200: ProgrammeOut, **READ_ERRORS}, tags=PROGRAMME, summary="Settings")
def programme_get(request: HttpRequest) -> object:
    require_permission(current_user(request), "loyalty.view")
    return LoyaltyProgramme.current()


@router.patch("/loyalty/programme", response={200: ProgrammeOut, **WRITE_ERRORS}, tags=PROGRAMME,
              summary="Change the settings")  # fmt: skip
def programme_update(request: HttpRequest, payload: ProgrammePatch) -> object:
    return services.programme_update(actor=current_user(request), data=payload.dict(exclude_unset=True))


@router.get("/loyalty/tiers", response={200: list[TierOut], **READ_ERRORS}, tags=PROGRAMME, summary="List tiers")
def tier_list(request: HttpRequest) -> object:
    require_permission(current_user(request), "loyalty.view")
    return list(Tier.objects.all())


@router.post("/loyalty/tiers", response={201: TierOut, **WRITE_ERRORS}, tags=PROGRAMME, summary="New tier")
@idempotent
def tier_create(request: HttpRequest, payload: TierIn) -> object:
    return Status(201, services.tier_create(actor=current_user(request), data=payload.dict()))


@router.patch("/loyalty/tiers/{int:tier_id}", response={200: TierOut, **WRITE_ERRORS}, tags=PROGRAMME,
              summary="Change a tier")  # fmt: skip
def tier_update(request: HttpRequest, tier_id: int, payload: TierPatch) -> object:
    user = current_user(request)
    require_permission(user, "loyalty.admin")
    tier = Tier.objects.filter(pk=tier_id).first()
    if tier is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return services.tier_update(actor=user, tier=tier, data=payload.dict(exclude_unset=True))


@router.get("/loyalty/earning-rules", response={200: list[EarningRuleOut], **READ_ERRORS}, tags=PROGRAMME,
            summary="List earning rules")  # fmt: skip
def rule_list(request: HttpRequest) -> object:
    require_permission(current_user(request), "loyalty.view")
    return list(EarningRule.objects.order_by("pk"))


@router.post("/loyalty/earning-rules", response={201: EarningRuleOut, **WRITE_ERRORS}, tags=PROGRAMME,
             summary="New earning rule")  # fmt: skip
@idempotent
def rule_create(request: HttpRequest, payload: EarningRuleIn) -> object:
    return Status(201, services.earning_rule_create(actor=current_user(request), data=payload.dict()))


@router.patch("/loyalty/earning-rules/{int:rule_id}", response={200: EarningRuleOut, **WRITE_ERRORS},
              tags=PROGRAMME, summary="Change an earning rule")  # fmt: skip
def rule_update(request: HttpRequest, rule_id: int, payload: EarningRulePatch) -> object:
    user = current_user(request)
    require_permission(user, "loyalty.admin")
    rule = EarningRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return services.earning_rule_update(actor=user, rule=rule, data=payload.dict(exclude_unset=True))
