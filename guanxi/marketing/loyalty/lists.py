"""The list pages of membership and loyalty (shared list toolkit): members, the points ledger and coupons."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanxi.commerce.lists import choices_of
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import Choice, Column, EmptyState, Field, ListDefinition, Scene
from guanxi.org.policies import require_permission, scope_queryset

from .models import Coupon, Member, PointsEntry, Tier

CELLS = "marketing/loyalty/cells/"


def _tiers(user: Any) -> list[Choice]:
    return [Choice(str(t.pk), t.name) for t in Tier.objects.order_by("threshold")]


def _entry_note(entry: PointsEntry) -> str:
    """The entry's note, else the rule that earned it, else its source ("payment:12")."""
    return entry.note or (entry.rule.name if entry.rule else entry.source)


@register
class MemberList(ListDefinition):
    key = "members"
    import_kind = "members"  # the ⋯ menu offers the spreadsheet import to who may import
    title = gettext_lazy("Members")
    model = Member
    permission = "loyalty.view"
    export_permission = "loyalty.export"
    url_name = "marketing:member_list"
    search_placeholder = gettext_lazy("Card number, customer or contact")
    create_url_name = "marketing:member_create"
    create_permission = "loyalty.create"
    create_label = gettext_lazy("Enrol a member")
    template = "marketing/loyalty/member_list.html"  # with the programme settings' button
    default_sort = "card"
    empty = EmptyState(
        gettext_lazy("No members yet."),
        gettext_lazy("Enrol a customer or one of its contacts: they get a card number and earn points by the rules."),
        icon="id-badge-2",
    )
    no_action_text = gettext_lazy("Your role does not enrol members.")
    columns = (
        Column(
            "card",
            gettext_lazy("Card"),
            value=lambda m: m.card_number,
            template=CELLS + "member.html",
            sort=("card_number",),
            fixed=True,
        ),  # fmt: skip
        Column(
            "tier",
            gettext_lazy("Tier"),
            value=lambda m: m.tier.name if m.tier else "",
            sort=("tier__threshold",),
            phone_inline=True,
        ),  # fmt: skip
        Column(
            "balance",
            gettext_lazy("Points"),
            value=lambda m: m.points_balance,
            sort=("points_balance",),
            numeric=True,
            phone_inline=True,
        ),  # fmt: skip
        Column("status", gettext_lazy("Status"), value=lambda m: m.get_status_display(), sort=("status",), phone=False),
        Column(
            "owner",
            gettext_lazy("Owner"),
            value=lambda m: str(m.customer.owner or ""),
            sort=("customer__owner__name",),
            phone=False,
        ),  # fmt: skip
        Column("joined", gettext_lazy("Joined"), value=lambda m: m.joined_on, sort=("joined_on",), phone=False),
    )
    fields = (
        Field("tier", gettext_lazy("Tier"), "tier_id", "choice", choices=_tiers, quick=True),
        Field(
            "status", gettext_lazy("Status"), "status", "choice", choices=choices_of(Member.Status.choices), quick=True
        ),  # fmt: skip
    )
    scenes = (
        Scene("active", gettext_lazy("Active"), lambda qs, user: qs.filter(status=Member.Status.ACTIVE)),
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        return scope_queryset(user, Member.objects.select_related("customer__owner", "contact", "tier"))

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(card_number__icontains=text) | Q(customer__name__icontains=text)
                         | Q(contact__name__icontains=text))  # fmt: skip

    def row_url(self, row: Any) -> str:
        return reverse("marketing:member_detail", args=[row.pk])


@register
class PointsLedgerList(ListDefinition):
    key = "points_ledger"
    title = gettext_lazy("Points ledger")
    model = PointsEntry
    permission = "loyalty.view"
    export_permission = "loyalty.export"
    url_name = "marketing:points_ledger"
    search_placeholder = gettext_lazy("Card number, customer or note")
    default_sort = "-at"
    star = False
    empty = EmptyState(
        gettext_lazy("No points yet."), gettext_lazy("Points earned, redeemed and expired are listed here."),
        icon="coins",
    )  # fmt: skip
    columns = (
        Column(
            "member",
            gettext_lazy("Member"),
            value=lambda e: str(e.member),
            template=CELLS + "entry_member.html",
            fixed=True,
            sort=("member__card_number",),
        ),  # fmt: skip
        Column("at", gettext_lazy("Time"), value=lambda e: timezone.localtime(e.at), sort=("at",)),
        Column("kind", gettext_lazy("Kind"), value=lambda e: e.get_kind_display(), sort=("kind",), phone_inline=True),
        Column(
            "points",
            gettext_lazy("Points"),
            value=lambda e: f"{e.points:+d}",
            sort=("points",),
            numeric=True,
            phone_inline=True,
        ),  # fmt: skip
        Column("balance_after", gettext_lazy("Balance after"), numeric=True, phone=False),
        Column("expires_on", gettext_lazy("Expires on"), phone=False),
        Column("note", gettext_lazy("Note"), value=_entry_note, phone=False),
    )
    fields = (Field("kind", gettext_lazy("Kind"), "kind", "choice", choices=choices_of(PointsEntry.Kind.choices),
                    quick=True),)  # fmt: skip
    scenes = (Scene("all", gettext_lazy("All"), lambda qs, user: qs),)

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        return scope_queryset(user, PointsEntry.objects.select_related("member__customer", "member__contact", "rule"))

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(member__card_number__icontains=text) | Q(member__customer__name__icontains=text)
                         | Q(note__icontains=text))  # fmt: skip

    def row_url(self, row: Any) -> str:
        return reverse("marketing:member_detail", args=[row.member_id])


@register
class CouponList(ListDefinition):
    key = "coupons"
    title = gettext_lazy("Coupons")
    model = Coupon
    permission = "loyalty.view"
    export_permission = "loyalty.export"
    url_name = "marketing:coupon_list"
    search_placeholder = gettext_lazy("Code or name")
    create_url_name = "marketing:coupon_create"
    create_permission = "loyalty.create"
    create_label = gettext_lazy("New coupon")
    default_sort = "-valid_until"
    empty = EmptyState(
        gettext_lazy("No coupons yet."),
        gettext_lazy("A coupon has a code, a validity and limits per member and in total."), icon="ticket",
    )  # fmt: skip
    no_action_text = gettext_lazy("Your role does not create coupons.")
    columns = (
        Column("code", gettext_lazy("Code"), template=CELLS + "coupon.html", sort=("code",), fixed=True),
        Column("name", gettext_lazy("Name"), sort=("name",)),
        Column("value", gettext_lazy("Value"), value=lambda c: _coupon_value(c), numeric=True, phone_inline=True),
        Column("valid_until", gettext_lazy("Valid until"), sort=("valid_until",), phone_inline=True),
        Column("redeemed", gettext_lazy("Redeemed"), value=lambda c: _coupon_usage(c), numeric=True, phone=False),
    )
    fields = (Field("kind", gettext_lazy("Kind"), "kind", "choice", choices=choices_of(Coupon.Kind.choices),
                    quick=True),)  # fmt: skip
    scenes = (
        Scene("valid", gettext_lazy("Valid today"), lambda qs, user: qs.filter(
            valid_from__lte=timezone.localdate(), valid_until__gte=timezone.localdate())),
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
    )  # fmt: skip

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        return Coupon.objects.select_related("min_tier")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(code__icontains=text) | Q(name__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("marketing:coupon_edit", args=[row.pk])


def _coupon_value(coupon: Coupon) -> str:
    from guanxi.core.money import format_money

    return f"{coupon.value.normalize():f}%" if coupon.kind == Coupon.Kind.PERCENT else format_money(coupon.value)


def _coupon_usage(coupon: Coupon) -> str:
    return f"{coupon.redeemed_count} / {coupon.limit_total}" if coupon.limit_total else str(coupon.redeemed_count)
