"""Writes of membership and loyalty (plain functions, keyword-only, one business action in a transaction, audited):
members and their cards, the programme's tiers, earning rules and settings, coupons and their redemption. The
points themselves move in ledger.py."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.custom_fields.validation import custom_values_clean, without_custom
from guanxi.core.errors import ConflictError, InvalidStateError, NotFoundError
from guanxi.core.events import event_emit
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_amount, clean_date, clean_text, field_error, id_or_none, pick
from guanxi.core.models import AuditLog
from guanxi.core.numbering import number_next, register_default_pattern
from guanxi.core.services import audit_record, model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, require_permission, scope_queryset

from .models import Coupon, CouponRedemption, EarningRule, LoyaltyProgramme, Member, Tier

CARD_KIND = "member_card"
register_default_pattern(CARD_KIND, "VIP{seq:08}")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")


def _visible(actor: User, model_label: str, module: str, pk: Any, field: str, action: str = "view") -> Any:
    """A record of another module the actor may `action`, or a field error naming `field`."""
    from django.apps import apps

    model = apps.get_model(model_label)
    number = id_or_none(pk)
    found = scope_queryset(actor, model._default_manager.all(), action, module=module).filter(pk=number).first()
    if number is None or found is None:
        raise field_error(field, _("Choose a record you may see."))
    return found


def _document_of(member: Member, model_label: str, pk: Any, field: str) -> Any:
    """A quote or contract of the member's customer (whoever may edit the member may name it: the page of the
    document itself stays behind its own permission), None when not given, a field error when not theirs."""
    from django.apps import apps

    if pk in (None, ""):
        return None
    number = id_or_none(pk)
    found = apps.get_model(model_label).objects.filter(pk=number, customer_id=member.customer_id).first()
    if number is None or found is None:
        raise field_error(field, _("Choose a document of the member's customer."))
    return found


MEMBER_TARGET = "marketing.member"  # custom fields (core.custom_fields) on members


# --- members ------------------------------------------------------------------------------------------------------
@transaction.atomic
def member_enrol(*, actor: User, data: dict[str, Any]) -> Member:
    """Enrol a customer (or one of its contacts) as a member with a new card number, with the custom fields an
    administrator added to members (`custom`, checked by core.custom_fields)."""
    require_permission(actor, "loyalty.create")
    custom = custom_values_clean(actor=actor, target=MEMBER_TARGET, values=data.get("custom"), creating=True)
    data = pick(without_custom(data), {"customer", "contact", "joined_on"})
    customer = _visible(actor, "customers.Customer", "customers", data.get("customer"), "customer")
    contact = None
    if data.get("contact") not in (None, ""):
        contact = _visible(actor, "customers.Contact", "contacts", data.get("contact"), "contact")
        if contact.customer_id != customer.pk:
            raise field_error("contact", _("Choose a contact of this customer."))
    taken = Member.objects.filter(customer=customer, contact__isnull=True) if contact is None else \
        Member.objects.filter(contact=contact)  # fmt: skip
    if taken.exists():
        raise field_error("contact" if contact else "customer", _("Already a member."))
    member = Member(
        customer=customer, contact=contact, card_number=number_next(CARD_KIND),
        joined_on=clean_date(data.get("joined_on") or timezone.localdate(), "joined_on", not_future=True),
        custom=custom,
    )  # fmt: skip
    model_create(instance=member, actor=actor)
    ensure_in_scope(actor, member, "view")
    event_emit("member.enrolled", obj=member, actor=actor)
    return member


@transaction.atomic
def member_update(*, actor: User, member: Member, data: dict[str, Any], expected_version: int | None = None) -> Member:
    """Correct a member's joining date and set its custom fields (loyalty.edit, the member in the actor's edit
    scope); audited field by field (custom.<code>: old → new)."""
    require_permission(actor, "loyalty.edit")
    ensure_in_scope(actor, member, "edit")
    member = Member.objects.select_for_update(of=("self",)).select_related("customer", "contact").get(pk=member.pk)
    values: dict[str, Any] = {}
    if data.get("joined_on") not in (None, ""):
        values["joined_on"] = clean_date(data["joined_on"], "joined_on", not_future=True)
    if "custom" in data:
        values["custom"] = custom_values_clean(
            actor=actor, target=MEMBER_TARGET, values=data["custom"], current=member.custom, instance_pk=member.pk
        )
    member, _changes = model_update(instance=member, data=values, actor=actor, expected_version=expected_version)
    return member


@transaction.atomic
def member_cancel(*, actor: User, member: Member, expected_version: int | None = None) -> Member:
    """End a membership: its card and ledger stay as history, its points no longer move."""
    require_permission(actor, "loyalty.edit")
    ensure_in_scope(actor, member, "edit")
    if member.status == Member.Status.CANCELLED:
        raise InvalidStateError(_("The membership is cancelled already."))
    member, _changes = model_update(instance=member, data={"status": Member.Status.CANCELLED}, actor=actor,
                                    expected_version=expected_version)  # fmt: skip
    return member


# --- the programme: settings, tiers, earning rules (loyalty.admin) -------------------------------------------------
def _days(value: Any, field: str) -> int:
    try:
        days = int(str(value))
    except (TypeError, ValueError):
        raise field_error(field, _("Enter a whole number of days."))
    if not 1 <= days <= 3650:
        raise field_error(field, _("Enter a number of days between 1 and 3650."))
    return days


@transaction.atomic
def programme_update(*, actor: User, data: dict[str, Any]) -> LoyaltyProgramme:
    require_permission(actor, "loyalty.admin")
    data = pick(data, {"tier_basis", "tier_period_days", "points_valid_days"})
    programme = LoyaltyProgramme.current()
    out: dict[str, Any] = {}
    if "tier_basis" in data:
        if data["tier_basis"] not in LoyaltyProgramme.Basis.values:
            raise field_error("tier_basis", _("Choose spending or points."))
        out["tier_basis"] = data["tier_basis"]
    for name in ("tier_period_days", "points_valid_days"):
        if name in data:
            out[name] = _days(data[name], name)
    programme, _changes = model_update(instance=programme, data=out, actor=actor)
    return programme


def _tier_data(data: dict[str, Any], current: Tier | None) -> dict[str, Any]:
    data = pick(data, {"name", "threshold", "benefits"})
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        out["name"] = clean_text(data.get("name"), "name", max_length=60, required=True)
        if Tier.objects.filter(name=out["name"]).exclude(pk=current.pk if current else None).exists():
            raise field_error("name", _("A tier of this name exists already."))
    if "threshold" in data or current is None:
        out["threshold"] = clean_amount(data.get("threshold", "0"), "threshold", allow_zero=True)
    if "benefits" in data:
        out["benefits"] = clean_text(data["benefits"], "benefits", max_length=300)
    return out


@transaction.atomic
def tier_create(*, actor: User, data: dict[str, Any]) -> Tier:
    require_permission(actor, "loyalty.admin")
    return model_create(instance=Tier(**_tier_data(data, None)), actor=actor)


@transaction.atomic
def tier_update(*, actor: User, tier: Tier, data: dict[str, Any]) -> Tier:
    require_permission(actor, "loyalty.admin")
    tier, _changes = model_update(instance=tier, data=_tier_data(data, tier), actor=actor)
    return tier


def _rule_data(data: dict[str, Any], current: EarningRule | None) -> dict[str, Any]:
    from .ledger import clean_points

    data = pick(data, {"name", "trigger", "points", "per_amount", "is_active"})
    merged = {
        "name": current.name if current else "", "trigger": current.trigger if current else "",
        "points": current.points if current else None, "per_amount": current.per_amount if current else None,
        "is_active": current.is_active if current else True, **data,
    }  # fmt: skip
    if merged["trigger"] not in EarningRule.Trigger.values:
        raise field_error("trigger", _("Choose what the points are earned for."))
    per_amount = None
    if merged["trigger"] == EarningRule.Trigger.PAYMENT:
        per_amount = clean_amount(merged["per_amount"], "per_amount")
    return {
        "name": clean_text(merged["name"], "name", max_length=120, required=True),
        "trigger": merged["trigger"],
        "points": clean_points(merged["points"]),
        "per_amount": per_amount,
        "is_active": merged["is_active"] in (True, "true", "on", "1", 1),
    }


@transaction.atomic
def earning_rule_create(*, actor: User, data: dict[str, Any]) -> EarningRule:
    require_permission(actor, "loyalty.admin")
    return model_create(instance=EarningRule(**_rule_data(data, None)), actor=actor)


@transaction.atomic
def earning_rule_update(*, actor: User, rule: EarningRule, data: dict[str, Any]) -> EarningRule:
    require_permission(actor, "loyalty.admin")
    rule, _changes = model_update(instance=rule, data=_rule_data(data, rule), actor=actor)
    return rule


# --- coupons -----------------------------------------------------------------------------------------------------
COUPON_FIELDS = {"code", "name", "kind", "value", "valid_from", "valid_until", "limit_total", "limit_per_member",
                 "min_tier"}  # fmt: skip


def _limit(value: Any, field: str, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise field_error(field, _("This field is required."))
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= 10_000_000:
        raise field_error(field, _("Enter a whole number between 1 and 10,000,000."))
    return number


def _coupon_data(data: dict[str, Any], current: Coupon | None) -> dict[str, Any]:
    data = pick(data, COUPON_FIELDS)
    get = lambda name: data[name] if name in data else getattr(current, name, None)  # noqa: E731
    code = clean_text(get("code"), "code", max_length=40, required=True).upper()
    if not CODE_RE.match(code):
        raise field_error("code", _("A code is 3 to 40 letters, digits or dashes."))
    if Coupon.all_objects.filter(code=code).exclude(pk=current.pk if current else None).exists():
        raise field_error("code", _("This code is taken."))
    kind = get("kind") or Coupon.Kind.AMOUNT
    if kind not in Coupon.Kind.values:
        raise field_error("kind", _("Choose amount off or percent off."))
    value = clean_amount(get("value"), "value")
    if kind == Coupon.Kind.PERCENT and value > Decimal("100"):
        raise field_error("value", _("A percentage is at most 100."))
    valid_from = clean_date(get("valid_from"), "valid_from")
    valid_until = clean_date(get("valid_until"), "valid_until")
    if valid_until < valid_from:
        raise field_error("valid_until", _("The end is before the start."))
    limit_total = _limit(get("limit_total"), "limit_total", required=False)
    if current is not None and limit_total is not None and limit_total < current.redeemed_count:
        raise field_error("limit_total", _("Redeemed %(count)s times already.") % {"count": current.redeemed_count})
    min_tier = get("min_tier")
    if min_tier not in (None, "") and not isinstance(min_tier, Tier):
        min_tier = Tier.objects.filter(pk=id_or_none(min_tier)).first()
        if min_tier is None:
            raise field_error("min_tier", _("Choose one of the tiers."))
    return {
        "code": code, "name": clean_text(get("name"), "name", max_length=120, required=True), "kind": kind,
        "value": value, "valid_from": valid_from, "valid_until": valid_until, "limit_total": limit_total,
        "limit_per_member": _limit(get("limit_per_member") or 1, "limit_per_member", required=True),
        "min_tier": min_tier or None,
    }  # fmt: skip


@transaction.atomic
def coupon_create(*, actor: User, data: dict[str, Any]) -> Coupon:
    require_permission(actor, "loyalty.create")
    return model_create(instance=Coupon(owner=actor, **_coupon_data(data, None)), actor=actor)


@transaction.atomic
def coupon_update(*, actor: User, coupon: Coupon, data: dict[str, Any], expected_version: int | None = None) -> Coupon:
    require_permission(actor, "loyalty.edit")
    coupon, _changes = model_update(instance=coupon, data=_coupon_data(data, coupon), actor=actor,
                                    expected_version=expected_version)  # fmt: skip
    return coupon


@transaction.atomic
def coupon_delete(*, actor: User, coupon: Coupon) -> None:
    require_permission(actor, "loyalty.delete")
    soft_delete(instance=coupon, actor=actor)


@transaction.atomic
def coupon_redeem(
    *, actor: User, member: Member, code: Any, quote: Any = None, contract: Any = None
) -> CouponRedemption:
    """A member uses a coupon on a quote or contract of their customer. Refused (nothing written) when the coupon
    is unknown, not valid today, above the member's tier, or its limit per member or in total is reached; two
    redemptions at the same moment never pass a limit (the member's row is locked for the per-member count, the
    coupon's count moves by a conditional UPDATE)."""
    require_permission(actor, "loyalty.edit")
    ensure_in_scope(actor, member, "edit")
    coupon = Coupon.objects.filter(code=clean_text(code, "code", max_length=40, required=True).upper()).first()
    if coupon is None:
        raise field_error("code", _("No coupon has this code."))
    quote_row = _document_of(member, "commerce.Quote", quote, "quote")
    contract_row = _document_of(member, "commerce.Contract", contract, "contract")
    if quote_row is None and contract_row is None:
        raise field_error("contract", _("Name the quote or the contract the coupon is used on."))
    today = timezone.localdate()
    if not coupon.valid_from <= today <= coupon.valid_until:
        raise field_error("code", _("This coupon is valid from %(start)s to %(end)s.")
                          % {"start": coupon.valid_from, "end": coupon.valid_until})  # fmt: skip
    locked = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    if locked.status != Member.Status.ACTIVE:
        raise InvalidStateError(_("The membership is cancelled."))
    if coupon.min_tier_id and (locked.tier is None or locked.tier.threshold < coupon.min_tier.threshold):
        raise field_error("code", _("This coupon is for members of %(tier)s and above.") % {"tier": coupon.min_tier})
    used = CouponRedemption.objects.filter(coupon=coupon, member=locked).count()
    if used >= coupon.limit_per_member:
        raise ConflictError(_("This member has used this coupon as often as it allows."))
    counted = Coupon.objects.filter(pk=coupon.pk)
    if coupon.limit_total is not None:
        counted = counted.filter(Q(redeemed_count__lt=F("limit_total")))
    if not counted.update(redeemed_count=F("redeemed_count") + 1, updated_at=timezone.now()):
        raise ConflictError(_("This coupon has been used up."))
    redemption = CouponRedemption.objects.create(coupon=coupon, member=locked, quote=quote_row,
                                                 contract=contract_row, created_by=actor)  # fmt: skip
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=locked,
        changes={"coupon": [None, coupon.code], "document": [None, str(contract_row or quote_row)]},
        message=Message(gettext_noop("Used coupon %(code)s on %(document)s"),
                        {"code": coupon.code, "document": str(contract_row or quote_row)}),
    )  # fmt: skip
    return redemption


def member_for(actor: User, pk: Any, action: str = "view") -> Member:
    """One member the actor may `action` (404 otherwise)."""
    number = id_or_none(pk)
    found = scope_queryset(actor, Member.objects.select_related("customer", "contact", "tier"), action).filter(
        pk=number
    )
    member = found.first() if number is not None else None
    if member is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return member
