"""Properties (房源) and their prices: a project (项目) with its layouts (户型) and decoration standards (装修标准),
phases (分期), buildings (楼栋) and units (房间); price rules (floor and orientation adjustments), batch
price adjustments (调价) through approval, with each unit's price history;
payment schemes (付款方式) and discounts (折扣).

These are the developer's inventory, not customer records: who reads and changes them is a matter of permissions
(the re_properties and re_pricing modules), not of a customer's data scope.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BusinessModel, CustomFieldsModel, TimeStampedModel
from guanxi.core.money import MONEY

AREA: dict[str, Any] = {"max_digits": 9, "decimal_places": 2}  # m², two places as the survey report gives them
PERCENT: dict[str, Any] = {"max_digits": 6, "decimal_places": 2}  # 98.00 = 9.8折; 30.00 = 30 % down payment


class Rounding(models.TextChoices):
    """How a unit's total price is rounded (房款取整): the project's choice, half-up (四舍五入) or cut (抹零)."""

    CENT = "cent", _("To the cent")
    YUAN = "yuan", _("To the yuan, half up")
    YUAN_DOWN = "yuan_down", _("To the yuan, cutting the jiao and fen (抹零)")
    TEN_DOWN = "ten_down", _("To ten yuan, cutting the rest")


class Project(BusinessModel):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    developer = models.CharField(_("developer"), max_length=200, blank=True)
    presale_permits = models.TextField(_("pre-sale permits"), blank=True, help_text=_("One permit number a line."))
    rounding = models.CharField(_("price rounding"), max_length=12, choices=Rounding.choices, default=Rounding.YUAN)
    notes = models.TextField(_("notes"), blank=True)

    scope_module = "re_properties"
    scope_owner_path = ""  # the inventory is company-wide: no owner narrows it

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("real-estate project")
        verbose_name_plural = _("real-estate projects")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="re_project_name_not_blank")]

    def __str__(self) -> str:
        return self.name

    @property
    def permit_list(self) -> list[str]:
        return [line.strip() for line in self.presale_permits.splitlines() if line.strip()]


class Layout(TimeStampedModel):
    """A floor plan (户型) of a project: "A1 三室两厅两卫", with its reference area."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="layouts", verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=100)
    bedrooms = models.PositiveSmallIntegerField(_("bedrooms"), default=2)
    living_rooms = models.PositiveSmallIntegerField(_("living rooms"), default=1)
    bathrooms = models.PositiveSmallIntegerField(_("bathrooms"), default=1)
    area = models.DecimalField(_("built-up area"), **AREA, null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("layout")
        verbose_name_plural = _("layouts")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="re_layout_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} · {self.rooms}"

    @property
    def rooms(self) -> str:
        return f"{self.bedrooms}-{self.living_rooms}-{self.bathrooms}"


class DecorationStandard(TimeStampedModel):
    """A decoration standard (装修标准): shell (毛坯), fine decoration (精装)… with its price per m²."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="decorations", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=100)
    price_per_m2 = models.DecimalField(_("price per m²"), **MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("decoration standard")
        verbose_name_plural = _("decoration standards")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="re_decoration_unique_name")]

    def __str__(self) -> str:
        return self.name


class Phase(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases", verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="re_phase_unique_name")]

    def __str__(self) -> str:
        return self.name


class Building(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("project"))
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="buildings", verbose_name=_("phase")
    )
    name = models.CharField(_("name"), max_length=100)
    permit = models.CharField(_("pre-sale permit"), max_length=100, blank=True)

    class Meta:
        ordering = ["project_id", "name", "id"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="re_building_unique_name")]

    def __str__(self) -> str:
        return f"{self.project.name} {self.name}"


class Orientation(models.TextChoices):
    SOUTH = "S", _("South")
    NORTH = "N", _("North")
    EAST = "E", _("East")
    WEST = "W", _("West")
    SOUTH_NORTH = "SN", _("South–north (through)")
    SOUTH_EAST = "SE", _("South-east")
    SOUTH_WEST = "SW", _("South-west")
    NORTH_EAST = "NE", _("North-east")
    NORTH_WEST = "NW", _("North-west")


class Unit(BusinessModel, CustomFieldsModel):
    """One unit (房间) for sale. Its status only moves through services (one conditional UPDATE each, so two
    agents never hold or sell the same unit); its price only through pricing services, never while reserved."""

    class Status(models.TextChoices):
        NOT_RELEASED = "not_released", _("Not released")
        AVAILABLE = "available", pgettext_lazy("unit status", "Available")
        HELD = "held", pgettext_lazy("unit status", "Held")
        DEPOSIT = "deposit", _("Small deposit")
        SUBSCRIBED = "subscribed", _("Subscribed")
        SIGNED = "signed", pgettext_lazy("unit status", "Signed")
        PAID_UP = "paid_up", _("Paid up")

    class PriceBasis(models.TextChoices):
        PER_M2 = "per_m2", _("Per m² of built-up area")
        TOTAL = "total", _("Total price")

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building"))
    entrance = models.CharField(_("unit entrance"), max_length=20, default="1", help_text=_("单元, e.g. 1"))
    floor = models.SmallIntegerField(_("floor"))
    number = models.CharField(_("number"), max_length=20, help_text=_("The room number, e.g. 1203"))
    layout = models.ForeignKey(
        Layout, on_delete=models.SET_NULL, null=True, blank=True, related_name="units", verbose_name=_("layout")
    )
    orientation = models.CharField(_("orientation"), max_length=2, choices=Orientation.choices, blank=True)
    built_area = models.DecimalField(_("built-up area"), **AREA)
    usable_area = models.DecimalField(_("usable area"), **AREA, null=True, blank=True)
    decoration = models.ForeignKey(
        DecorationStandard, on_delete=models.SET_NULL, null=True, blank=True, related_name="units",
        verbose_name=_("decoration standard"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_RELEASED, db_index=True
    )
    price_basis = models.CharField(_("priced by"), max_length=10, choices=PriceBasis.choices, default=PriceBasis.PER_M2)
    base_price = models.DecimalField(
        _("base price"), **MONEY, null=True, blank=True, help_text=_("Per m² or the total, as the unit is priced by")
    )
    price_per_m2 = models.DecimalField(_("price per m²"), **MONEY, null=True, blank=True)
    total_price = models.DecimalField(_("total price"), **MONEY, null=True, blank=True)
    hold_reason = models.CharField(_("hold reason"), max_length=200, blank=True)
    held_until = models.DateField(_("held until"), null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("held by"),
    )  # fmt: skip

    scope_module = "re_properties"
    scope_owner_path = ""  # the inventory is company-wide: no owner narrows it

    class Meta:
        ordering = ["building_id", "entrance", "-floor", "number", "id"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "entrance", "number"],
                condition=Q(deleted_at__isnull=True),
                name="re_unit_unique_number",
            ),  # fmt: skip
            models.CheckConstraint(condition=Q(built_area__gt=0), name="re_unit_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.code}"

    @property
    def code(self) -> str:
        """How a unit is named on every document: entrance-number (1-1203)."""
        return f"{self.entrance}-{self.number}"

    @property
    def reserved(self) -> bool:
        """Held or further along the sale: its price is frozen (prices never change under a reserved unit)."""
        return self.status not in (self.Status.NOT_RELEASED, self.Status.AVAILABLE)


class PriceRule(TimeStampedModel):
    """An adjustment of the price per m² (层差 / 朝向差): by floor range, by orientation, or both."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="price_rules", verbose_name=_("project")
    )
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, null=True, blank=True, related_name="price_rules",
        verbose_name=_("building"),
    )  # fmt: skip
    floor_from = models.SmallIntegerField(_("from floor"), null=True, blank=True)
    floor_to = models.SmallIntegerField(_("to floor"), null=True, blank=True)
    orientation = models.CharField(_("orientation"), max_length=2, choices=Orientation.choices, blank=True)
    adjust_per_m2 = models.DecimalField(_("adjustment per m²"), **MONEY, help_text=_("Negative for a discount"))

    class Meta:
        ordering = ["project_id", "floor_from", "id"]
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")

    def __str__(self) -> str:
        return f"{self.floor_from or ''}–{self.floor_to or ''} {self.orientation} {self.adjust_per_m2:+}"


class PriceAdjustment(BusinessModel):
    """A batch price adjustment (调价): the units of a project chosen by building, floor range and layout, their base
    price changed by a percent or by yuan per m². A draft until approved (approval kind "re_price_adjustment"), then
    applied to every matching unit at once; units reserved by then keep their price and are counted."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("price adjustment status", "Draft")
        PENDING = "pending", _("In approval")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", pgettext_lazy("price adjustment status", "Rejected")

    class Method(models.TextChoices):
        PERCENT = "percent", _("By percent")
        PER_M2 = "per_m2", _("By yuan per m²")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("project")
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    floor_from = models.SmallIntegerField(_("from floor"), null=True, blank=True)
    floor_to = models.SmallIntegerField(_("to floor"), null=True, blank=True)
    layout = models.ForeignKey(
        Layout, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("layout")
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.PERCENT)
    value = models.DecimalField(
        _("change"), **MONEY, help_text=_("3 raises by 3 percent or by 3 yuan per m²; a negative number lowers")
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_count = models.PositiveIntegerField(_("units repriced"), default=0)
    skipped_count = models.PositiveIntegerField(_("reserved units left unchanged"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_module = "re_pricing"
    scope_owner_path = "created_by"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("price adjustment")
        verbose_name_plural = _("price adjustments")

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def change_label(self) -> str:
        return f"{self.value:+}%" if self.method == self.Method.PERCENT else f"{self.value:+} /m²"


class PriceHistory(models.Model):
    """One change of a unit's price: what it was and became, and why (pricing, a new rule)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="price_history", verbose_name=_("unit"))
    adjustment = models.ForeignKey(
        PriceAdjustment, on_delete=models.SET_NULL, null=True, blank=True, related_name="history"
    )
    old_price_per_m2 = models.DecimalField(**MONEY, null=True, blank=True)
    new_price_per_m2 = models.DecimalField(**MONEY, null=True, blank=True)
    old_total = models.DecimalField(**MONEY, null=True, blank=True)
    new_total = models.DecimalField(**MONEY, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.old_total} → {self.new_total}"


class PaymentScheme(TimeStampedModel):
    """A payment scheme (付款方式) with its scheme discount and its schedule."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full payment")
        INSTALMENTS = "instalments", _("Instalments")
        COMMERCIAL = "commercial", _("Commercial mortgage")
        PROVIDENT = "provident", _("Provident fund mortgage")
        COMBINED = "combined", _("Combined mortgage")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="schemes", verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.FULL)
    discount_percent = models.DecimalField(
        _("scheme discount"), **PERCENT, default=Decimal("100"), help_text=_("98 means 9.8折; 100 means none")
    )
    down_payment_percent = models.DecimalField(_("down payment %"), **PERCENT, default=Decimal("100"))
    instalment_percents = models.CharField(
        _("instalments %"), max_length=200, blank=True, help_text=_("Instalments after the down payment: 30/40/30")
    )
    instalment_interval_days = models.PositiveSmallIntegerField(_("days between instalments"), default=90)
    loan_years = models.PositiveSmallIntegerField(_("loan years"), default=30)
    commercial_rate = models.DecimalField(_("commercial rate % a year"), **PERCENT, default=Decimal("3.10"))
    provident_rate = models.DecimalField(_("provident fund rate % a year"), **PERCENT, default=Decimal("2.85"))
    provident_cap = models.DecimalField(
        _("provident fund loan cap"), **MONEY, default=Decimal("1200000"),
        help_text=_("A combined mortgage borrows up to this from the provident fund, the rest commercially"),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["project_id", "name", "id"]
        verbose_name = _("payment scheme")
        verbose_name_plural = _("payment schemes")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="re_scheme_unique_name")]

    def __str__(self) -> str:
        return self.name


class Discount(TimeStampedModel):
    """A discount by rule (折扣). Discounts apply in the order of their kind (pricing.DISCOUNT_ORDER): the payment
    scheme's first, then promotions, then VIP, then a manager's special discount; each on the price the previous
    one left."""

    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("Promotion")
        VIP = "vip", _("VIP")
        SPECIAL = "special", _("Manager's special discount")

    class Method(models.TextChoices):
        PERCENT = "percent", _("Percent of the price (打折)")
        AMOUNT = "amount", _("Amount off the total (总价优惠)")
        PER_M2 = "per_m2", _("Amount off per m² (单价优惠)")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="discounts", verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROMOTION)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.PERCENT)
    value = models.DecimalField(_("value"), **MONEY, help_text=_("99 for 9.9折, or yuan off"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["project_id", "kind", "name", "id"]
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="re_discount_unique_name")]

    def __str__(self) -> str:
        return self.name


# The transaction chain and collections (选房 / 小定 / 认购 / 签约 / 收款) live in their own module.
from .models_sales import Deposit, PaymentDue, Receipt, SaleContract, Subscription, Trade  # noqa: E402

# The sales office: project members and the duty rotation, grading rules, visitors and their visits.
from .models_visits import Grade, GradeRule, ProjectMember, Visit, Visitor  # noqa: E402,I001

__all__ = [
    "Building", "DecorationStandard", "Deposit", "Discount", "Layout", "Orientation", "PaymentDue", "PaymentScheme",
    "Phase", "PriceAdjustment", "PriceHistory", "PriceRule", "Project", "Receipt", "Rounding", "SaleContract",
    "Subscription", "Trade", "Unit", "Grade", "GradeRule", "ProjectMember", "Visit", "Visitor",
]  # fmt: skip
