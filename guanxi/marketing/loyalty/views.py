"""Web UI of membership and loyalty: enrolling, a member's page (card, tier, balance, ledger, coupons, redeeming),
coupons, and the Membership tab of the customer 360 page. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields.forms import custom_fields_attach
from guanxi.core.errors import NotFoundError
from guanxi.core.views_util import form_action, form_page_status, form_page_submit
from guanxi.org.policies import has_permission, require_permission, scope_children, scope_queryset_or_none

from . import corrections, ledger, services
from .forms import AdjustForm, CouponForm, CouponUseForm, EnrolForm, MemberEditForm, RedeemForm
from .models import Coupon, CouponRedemption, LoyaltyProgramme, Member, PointsEntry, Tier

LEDGER_ROWS = 50
TAB_LEDGER_ROWS = 5


def _member_url(member: Member) -> str:
    return reverse("marketing:member_detail", args=[member.pk])


def _member_context(user: Any, member: Member) -> dict[str, Any]:
    can_edit = has_permission(user, "loyalty.edit") and member.status == Member.Status.ACTIVE
    return {
        "member": member,
        "entries": list(member.ledger.select_related("created_by", "rule")[:LEDGER_ROWS]),
        "redemptions": list(member.coupon_redemptions.select_related("coupon", "quote", "contract")[:20]),
        "next_tier": Tier.objects.filter(threshold__gt=member.tier.threshold if member.tier else -1).first(),
        "programme": LoyaltyProgramme.current(),
        "can_edit": can_edit,
        "can_adjust": can_edit,
        "corrections": list(member.corrections.select_related("requested_by")[:10]),
    }


def _tab_member_contexts(user: Any, members: list[Member]) -> list[dict[str, Any]]:
    """The Membership tab's cards in a fixed number of queries however many members: each one's latest ledger rows
    and coupons by one windowed query each, the tiers and the programme read once (the member page reads more)."""
    if not members:
        return []
    prefetch_related_objects(
        members,
        Prefetch("ledger", PointsEntry.objects.select_related("rule")[:TAB_LEDGER_ROWS], to_attr="tab_entries"),
        Prefetch("coupon_redemptions", CouponRedemption.objects.select_related("coupon")[:20], to_attr="tab_coupons"),
    )  # fmt: skip
    tiers, programme = list(Tier.objects.all()), LoyaltyProgramme.current()
    return [
        {
            "member": m,
            "entries": m.tab_entries,  # type: ignore[attr-defined]
            "redemptions": m.tab_coupons,  # type: ignore[attr-defined]
            "next_tier": next((t for t in tiers if t.threshold > (m.tier.threshold if m.tier else -1)), None),
            "programme": programme,
        }
        for m in members
    ]


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = services.member_for(request.user, pk)
    context = _member_context(request.user, member)
    context.update(
        m=dict(context),
        redeem_form=RedeemForm(auto_id="redeem_%s"),
        adjust_form=AdjustForm(auto_id="adjust_%s"),
        coupon_form=CouponUseForm(auto_id="coupon_%s"),
    )
    return render(request, "marketing/loyalty/member_detail.html", context)


@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "loyalty.create")
    form = EnrolForm(request.POST or None, initial={"customer": request.GET.get("customer", "")})
    custom_fields_attach(form, user=request.user, target=services.MEMBER_TARGET)
    answer = form_page_submit(
        request, form, lambda: services.member_enrol(actor=request.user, data=form.service_data()),
        lambda m: _("Enrolled: card %(card)s.") % {"card": m.card_number}, _member_url,
    )  # fmt: skip
    if answer is not None:
        return answer
    return render(request, "marketing/loyalty/member_form.html", {"form": form}, status=form_page_status(request))


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a member's joining date and set its custom fields (loyalty.edit, the member in edit scope)."""
    require_permission(request.user, "loyalty.edit")
    member = services.member_for(request.user, pk, "edit")
    initial = {"joined_on": member.joined_on.isoformat(), "version": member.version}
    form = MemberEditForm(request.POST or None, initial=initial)
    custom_fields_attach(form, user=request.user, target=services.MEMBER_TARGET, instance=member)

    def save() -> Member:
        return services.member_update(actor=request.user, member=member, data=form.service_data(),
                                      expected_version=form.cleaned_data.get("version"))  # fmt: skip

    done = _("Changes to %(name)s were saved.") % {"name": member.card_number}
    if (answer := form_page_submit(request, form, save, done, _member_url(member))) is not None:
        return answer
    context = {"form": form, "member": member}
    return render(request, "marketing/loyalty/member_form.html", context, status=form_page_status(request))


@login_required
@require_POST
def member_enrol_quick(request: HttpRequest) -> HttpResponse:
    """The Membership tab's buttons: enrol the customer, or one of its contacts."""
    back = reverse("customers:detail", args=[request.POST.get("customer") or 0]) + "#tab-membership"
    return form_action(request, EnrolForm(request.POST), lambda data: services.member_enrol(actor=request.user,
                       data=data), _("Enrolled."), back)  # fmt: skip


def _member_post(request: HttpRequest, pk: int, form: Any, run: Any, done: str) -> HttpResponse:
    member = services.member_for(request.user, pk)
    back = reverse("marketing:member_detail", args=[member.pk])
    return form_action(request, form, lambda data: run(member, data), done, back)


@login_required
@require_POST
def member_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    def run(m: Member, d: dict[str, Any]) -> Any:
        return ledger.points_redeem(actor=request.user, member=m, **d)

    return _member_post(request, pk, RedeemForm(request.POST), run, _("Points redeemed."))


@login_required
@require_POST
def member_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """A points correction: applied at once, or sent for approval when an approval rule applies to it."""
    member = services.member_for(request.user, pk)
    back = reverse("marketing:member_detail", args=[member.pk])

    def run(d: dict[str, Any]) -> Any:
        correction = corrections.points_correction_request(actor=request.user, member=member, **d)
        if correction.status == correction.Status.PENDING:
            messages.info(request, _("The correction awaits approval: the points change once it is approved."))
        return correction

    return form_action(request, AdjustForm(request.POST), run, _("Correction saved."), back)


@login_required
@require_POST
def member_use_coupon(request: HttpRequest, pk: int) -> HttpResponse:
    def run(m: Member, d: dict[str, Any]) -> Any:
        return services.coupon_redeem(actor=request.user, member=m, **d)

    return _member_post(request, pk, CouponUseForm(request.POST), run, _("Coupon used."))


@login_required
@require_POST
def member_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def run(m: Member, d: dict[str, Any]) -> Any:
        return services.member_cancel(actor=request.user, member=m)

    return _member_post(request, pk, forms.Form(request.POST), run, _("Membership cancelled."))


@login_required
def coupon_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    require_permission(user, "loyalty.view")
    coupon = Coupon.objects.filter(pk=pk).first() if pk else None
    if pk and coupon is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    may_save = has_permission(user, "loyalty.edit" if coupon else "loyalty.create")
    if coupon is not None and request.method != "POST":
        form = CouponForm(initial={
            "code": coupon.code, "name": coupon.name, "kind": coupon.kind, "value": coupon.value,
            "valid_from": coupon.valid_from, "valid_until": coupon.valid_until, "limit_total": coupon.limit_total,
            "limit_per_member": coupon.limit_per_member, "min_tier": coupon.min_tier_id, "version": coupon.version,
        })  # fmt: skip
    else:
        form = CouponForm(request.POST or None)
    if request.method == "POST":
        require_permission(user, "loyalty.edit" if coupon else "loyalty.create")

    def save() -> Coupon:
        if coupon is None:
            return services.coupon_create(actor=user, data=form.service_data())
        return services.coupon_update(actor=user, coupon=coupon, data=form.service_data(),
                                      expected_version=form.cleaned_data.get("version"))  # fmt: skip

    if (answer := form_page_submit(request, form, save, _("Coupon saved."), "marketing:coupon_list")) is not None:
        return answer
    status = form_page_status(request)
    context = {"form": form, "coupon": coupon, "may_save": may_save,
               "redemptions": scope_queryset_or_none(user, coupon.redemptions.select_related(
                   "member__customer", "quote", "contract"))[:50] if coupon else []}  # fmt: skip
    return render(request, "marketing/loyalty/coupon_form.html", context, status=status)


def customer_membership_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    """The customer 360 page's Membership tab: the customer's and its contacts' memberships."""
    user = request.user
    if not has_permission(user, "loyalty.view"):
        return None, render_to_string("customers/_no_permission.html", {}, request=request)
    members = scope_children(user, Member.objects.all(), via="customer", parent=customer, or_none=True)
    members = list(members.select_related("contact", "tier", "customer"))
    from guanxi.customers.models import Contact

    enrolled = {m.contact_id for m in members}
    context = {
        "customer": customer,
        "members": _tab_member_contexts(user, members),
        "can_enrol": has_permission(user, "loyalty.create"),
        "customer_enrolled": None in enrolled,
        "contacts": [
            c
            for c in scope_children(user, Contact.objects.all(), via="customer", parent=customer, or_none=True)
            if c.pk not in enrolled
        ],  # fmt: skip
    }
    return len(members) or None, render_to_string("marketing/loyalty/tab.html", context, request=request)
