"""Membership and loyalty (会员, 积分): members with cards and tiers, a points ledger, earning rules and coupons.

* A member is a customer, or one contact of a customer (the customer's owner is the member's owner for the data
  scope). Each has a card number from the numbering service (kind "member_card").
* Tiers have a threshold on spending (payments received) or on points earned, over a rolling period the programme
  sets; the worker moves members up and down each day and tells the owner (and the member by e-mail, where their
  consent allows).
* The points ledger is append-only: an entry is never changed or deleted (not by the services, not through the
  managers, not by the admin: there is none). A member's `points_balance` is the sum of their ledger, kept in
  the same transaction by a conditional UPDATE that refuses to go below zero, so two redemptions at the same
  moment can never spend the same points (the database decides, not a read before the write).
* Coupons have a code, a validity, a limit per member and in total (counted by a conditional UPDATE as well);
  each redemption names the quote or contract it was used on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BusinessModel, CustomFieldsModel, ListOrderIndex, TimeStampedModel
from guanxi.core.money import MONEY


class LoyaltyProgramme(TimeStampedModel):
    """The programme's settings: one row (pk 1), edited by an administrator."""

    class Basis(models.TextChoices):
        SPENDING = "spending", _("Spending (payments received)")
        POINTS = "points", _("Points earned")

    tier_basis = models.CharField(_("tiers measured by"), max_length=10, choices=Basis.choices,
                                  default=Basis.SPENDING)  # fmt: skip
    tier_period_days = models.PositiveIntegerField(
        _("rolling period (days)"), default=365, validators=[MinValueValidator(1)]
    )
    points_valid_days = models.PositiveIntegerField(
        _("points valid for (days)"), default=730, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("loyalty programme")
        verbose_name_plural = _("loyalty programme")

    def __str__(self) -> str:
        return str(_("Loyalty programme"))

    @classmethod
    def current(cls) -> LoyaltyProgramme:
        return cls.objects.get_or_create(pk=1)[0]


class Tier(TimeStampedModel):
    """A membership tier (会员等级): reached when the member's measure over the rolling period meets `threshold`
    (yuan of spending, or points, by the programme's basis). The tier with the highest threshold reached wins."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    threshold = models.DecimalField(_("threshold"), **MONEY, default=Decimal("0"),
                                    validators=[MinValueValidator(Decimal("0"))])  # fmt: skip
    benefits = models.CharField(_("benefits"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["threshold", "id"]

    def __str__(self) -> str:
        return self.name


class EarningRule(TimeStampedModel):
    """How members earn points, edited by an administrator: per purchase amount (each payment received on a
    contract of the member's customer: `points` per `per_amount` yuan), per contract signed, per campaign
    response (a click on a campaign's message), or per event attended (a check-in of a member's contact)."""

    class Trigger(models.TextChoices):
        PAYMENT = "payment", _("Per purchase amount (payments received)")
        CONTRACT = "contract", _("Per contract signed")
        CAMPAIGN_RESPONSE = "campaign_response", _("Per campaign response")
        EVENT_ATTENDED = "event_attended", _("Per event attended (at check-in)")

    name = models.CharField(_("name"), max_length=120)
    trigger = models.CharField(_("earned for"), max_length=20, choices=Trigger.choices)
    points = models.PositiveIntegerField(_("points"), validators=[MinValueValidator(1)])
    per_amount = models.DecimalField(
        _("per amount (yuan)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Per purchase amount only: the points are given for each full amount."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")

    def __str__(self) -> str:
        return self.name


class Member(BusinessModel, CustomFieldsModel):  # custom fields (自定义字段): target "marketing.member"
    # a coupon used is recorded on the member: the coupon's code and the quote or contract it was used on
    audit_labels = {"coupon": _("coupon"), "document": _("document")}

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("membership", "Active")
        CANCELLED = "cancelled", pgettext_lazy("membership", "Cancelled")

    card_number = models.CharField(_("card number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="memberships"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="memberships", help_text=_("Empty when the customer itself is the member."),
    )  # fmt: skip
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="members")  # fmt: skip
    tier_since = models.DateField(_("in this tier since"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    # The sum of the member's ledger, moved only together with a ledger entry (loyalty/ledger.py).
    points_balance = models.IntegerField(_("points balance"), default=0, editable=False)

    scope_module = "loyalty"
    scope_owner_path = "customer__owner"
    scope_collaborators_path = "customer__collaborators"

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(condition=models.Q(points_balance__gte=0), name="loy_member_balance_not_negative"),
            # one membership per customer (contact empty) and one per contact
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(contact__isnull=True, deleted_at__isnull=True),
                name="loy_member_customer_once",
            ),
            models.UniqueConstraint(fields=["contact"], condition=models.Q(deleted_at__isnull=True),
                                    name="loy_member_contact_once"),
        ]  # fmt: skip
        indexes = [ListOrderIndex(fields=["card_number", "id"], name="loy_member_card_sort_idx")]

    def __str__(self) -> str:
        return f"{self.card_number} · {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.contact_id and self.contact is not None:
            return f"{self.contact.name} ({self.customer.name})"
        return self.customer.name


class AppendOnlyQuerySet(models.QuerySet["PointsEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ValueError("The points ledger is append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise ValueError("The points ledger is append-only")


class PointsEntry(models.Model):
    """One line of a member's points ledger. Append-only: a mistake is corrected by an adjustment entry."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        ADJUST = "adjust", _("Adjustment")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # Earned (and added) points lapse on this day (the programme's validity when they were earned).
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # What the points were earned for ("payment:12", "contract:7", "delivery:3"): each earns once per member.
    source = models.CharField(_("source"), max_length=60, blank=True)
    rule = models.ForeignKey(EarningRule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    note = models.CharField(_("note"), max_length=300, blank=True)
    balance_after = models.IntegerField(_("balance after"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip

    objects = AppendOnlyQuerySet.as_manager()

    scope_module = "loyalty"
    scope_owner_path = "member__customer__owner"
    scope_collaborators_path = "member__customer__collaborators"

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "source", "rule"], condition=~models.Q(source=""),
                                    name="loy_points_source_once"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["member", "-at", "-id"], name="loy_points_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.points:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise ValueError("The points ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("The points ledger is append-only")


class Coupon(BusinessModel):
    class Kind(models.TextChoices):
        AMOUNT = "amount", _("Amount off")
        PERCENT = "percent", _("Percent off")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.AMOUNT)
    value = models.DecimalField(_("value"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    limit_total = models.PositiveIntegerField(_("limit in total"), null=True, blank=True,
                                              help_text=_("Empty: no limit."))  # fmt: skip
    limit_per_member = models.PositiveIntegerField(_("limit per member"), default=1, validators=[MinValueValidator(1)])
    min_tier = models.ForeignKey(Tier, verbose_name=_("for tier and above"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")  # fmt: skip
    # Redemptions so far, moved by a conditional UPDATE that never passes limit_total.
    redeemed_count = models.PositiveIntegerField(_("redeemed"), default=0, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")  # fmt: skip

    scope_module = "loyalty"
    scope_owner_path = ""  # the programme's coupons are company-wide: loyalty.view reads them all

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(limit_total__isnull=True) | models.Q(redeemed_count__lte=models.F("limit_total")),
                name="loy_coupon_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class CouponRedemption(models.Model):
    """A coupon used by a member, on a quote or a contract of the member's customer."""

    coupon = models.ForeignKey(Coupon, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="coupon_redemptions")  # fmt: skip
    quote = models.ForeignKey("commerce.Quote", verbose_name=_("quote"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")  # fmt: skip
    contract = models.ForeignKey("commerce.Contract", verbose_name=_("contract"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")  # fmt: skip
    at = models.DateTimeField(_("time"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip

    scope_module = "loyalty"
    scope_owner_path = "member__customer__owner"
    scope_collaborators_path = "member__customer__collaborators"

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quote__isnull=False) | models.Q(contract__isnull=False),
                                   name="loy_redemption_names_document"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.coupon_id}:{self.member_id}"


class PointsCorrection(TimeStampedModel):
    """A manual correction of a member's points (人工调整积分), with its reason. When an approval rule of the kind
    "points_correction" applies (the default: 500 points or more either way; the rules are data an administrator
    edits), it waits for approval and its ledger entry is written only once approved; otherwise it is applied at
    once. A rejected, returned or withdrawn correction writes nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("points correction", "Awaiting approval")
        APPLIED = "applied", pgettext_lazy("points correction", "Applied")
        REJECTED = "rejected", pgettext_lazy("points correction", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("points correction", "Not applied (returned or withdrawn)")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="corrections")  # fmt: skip
    points = models.IntegerField(_("points"))
    note = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")  # fmt: skip
    entry = models.OneToOneField(PointsEntry, verbose_name=_("ledger entry"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="correction")  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_module = "loyalty"
    scope_owner_path = "member__customer__owner"
    scope_collaborators_path = "member__customer__collaborators"

    class Meta:
        verbose_name = _("points correction")
        verbose_name_plural = _("points corrections")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member.card_number} {self.points:+d}"
