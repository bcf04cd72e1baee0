"""The transaction chain (交易) of a unit and its collections (收款), the manual's 八 to 十一: unit
selection (选房确认), small deposit (小定), subscription (认购), contract (签约), the payment schedule (应收款)
and receipts (收据).

A trade is one buyer's deal for one unit. It starts at the selection or straight at a small deposit, and each
step converts the previous one: the trade's stage says how far it went and the unit's status follows it (one
conditional UPDATE each, like holds: no unit is ever deposited or subscribed twice; a partial unique index on the
live trades of a unit backs that up). A step is undone only by a cancellation with a reason (退房; 换房 moves the
trade to another unit with the price difference), audited.

Money follows billing's rules (Decimal, half-up to the cent): the schedule of dues adds up to the agreed price;
what the buyer paid (receipts minus refunds) is booked against the dues oldest first; what exceeds them is an
advance receipt (预收款).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BusinessModel, TimeStampedModel
from guanxi.core.money import MONEY


class Trade(BusinessModel):
    """One buyer's deal for one unit (交易), from the selection to the paid-up contract or its cancellation."""

    class Stage(models.TextChoices):
        SELECTED = "selected", _("Unit selected")
        DEPOSIT = "deposit", _("Small deposit")
        SUBSCRIBED = "subscribed", _("Subscribed")
        SIGNED = "signed", pgettext_lazy("trade stage", "Signed")
        PAID_UP = "paid_up", _("Paid up")
        CANCELLED = "cancelled", pgettext_lazy("trade stage", "Cancelled")

    # The stages that reserve the unit: at most one live trade a unit (re_trade_one_live_per_unit).
    LIVE = (Stage.DEPOSIT, Stage.SUBSCRIBED, Stage.SIGNED, Stage.PAID_UP)

    class CancelKind(models.TextChoices):
        WITHDRAW = "withdraw", _("Withdrawal (退房)")
        CHANGE_UNIT = "change_unit", _("Change of unit (换房)")
        EXPIRED = "expired", _("Small deposit expired")
        REJECTED = "rejected", _("Subscription not approved")

    number = models.CharField(_("number"), max_length=40, db_index=True)
    project = models.ForeignKey(
        "realestate.Project", on_delete=models.PROTECT, related_name="trades", verbose_name=_("project")
    )
    unit = models.ForeignKey("realestate.Unit", on_delete=models.PROTECT, related_name="trades", verbose_name=_("unit"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="re_trades", verbose_name=_("buyer")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="re_trades", verbose_name=_("sales agent")
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.SELECTED, db_index=True)
    scheme = models.ForeignKey(
        "realestate.PaymentScheme", on_delete=models.PROTECT, null=True, blank=True, related_name="trades",
        verbose_name=_("payment scheme"),
    )  # fmt: skip
    list_price = models.DecimalField(_("list price"), **MONEY, null=True, blank=True)
    agreed_price = models.DecimalField(
        _("agreed price"), **MONEY, null=True, blank=True, help_text=_("The subscription's price, then the contract's")
    )
    selected_on = models.DateField(_("selected on"), null=True, blank=True)
    selection_number = models.CharField(_("selection number"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_kind = models.CharField(_("cancellation"), max_length=12, choices=CancelKind.choices, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    cancelled_stage = models.CharField(
        _("cancelled at stage"), max_length=12, choices=Stage.choices, blank=True,
        help_text=_("How far the trade had gone when it was cancelled"),
    )  # fmt: skip
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces",
        verbose_name=_("changed to"),
    )  # fmt: skip
    price_difference = models.DecimalField(
        _("price difference"), **MONEY, null=True, blank=True,
        help_text=_("换房: the new unit's agreed price minus the old one's"),
    )  # fmt: skip

    scope_module = "re_sales"
    scope_owner_path = "agent"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("real-estate trade")
        verbose_name_plural = _("real-estate trades")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(stage__in=["deposit", "subscribed", "signed", "paid_up"], deleted_at__isnull=True),
                name="re_trade_one_live_per_unit",
            ),
            models.UniqueConstraint(fields=["number"], name="re_trade_unique_number"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_live(self) -> bool:
        return self.stage in self.LIVE


class Deposit(TimeStampedModel):
    """A small deposit (小定): a sum that keeps the unit for the buyer until it expires; converted by the
    subscription, after its expiry the unit returns to sale by itself (job realestate_deposit_expiry)."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("deposit status", "Active")
        CONVERTED = "converted", _("Converted to subscription")
        EXPIRED = "expired", pgettext_lazy("deposit status", "Expired")
        CANCELLED = "cancelled", pgettext_lazy("deposit status", "Cancelled")

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="deposits", verbose_name=_("trade"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("small deposit")
        verbose_name_plural = _("small deposits")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="re_deposit_amount_positive")]

    def __str__(self) -> str:
        return self.number


class Subscription(TimeStampedModel):
    """A subscription (认购书): the agreed price after the scheme's and the chosen discounts, the subscription
    deposit (定金, the small deposit counts towards it) and the date by which the contract is signed. A discount
    the approval rules ask about (a manager's special discount above the threshold) sends it for approval first."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In approval")
        ACTIVE = "active", pgettext_lazy("subscription status", "Active")
        CONVERTED = "converted", _("Converted to contract")
        CANCELLED = "cancelled", pgettext_lazy("subscription status", "Cancelled")
        REJECTED = "rejected", pgettext_lazy("subscription status", "Rejected")

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("trade"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    scheme = models.ForeignKey(
        "realestate.PaymentScheme", on_delete=models.PROTECT, related_name="+", verbose_name=_("payment scheme")
    )
    discounts = models.ManyToManyField(
        "realestate.Discount", blank=True, related_name="subscriptions", verbose_name=_("discounts")
    )
    list_price = models.DecimalField(_("list price"), **MONEY)
    discount_lines = models.JSONField(
        _("discounts applied"), default=list, blank=True,
        help_text=_("Each discount in order: name, kind, method, value, before, after (frozen at subscription)"),
    )  # fmt: skip
    agreed_price = models.DecimalField(_("agreed price"), **MONEY)
    deposit_amount = models.DecimalField(_("subscription deposit"), **MONEY)
    subscribed_on = models.DateField(_("subscribed on"))
    sign_by = models.DateField(_("contract to be signed by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.CheckConstraint(condition=Q(agreed_price__gte=0), name="re_subscription_price_ok")]

    def __str__(self) -> str:
        return self.number


class SaleContract(TimeStampedModel):
    """The purchase contract (签约): its online filing number (网签备案号), the contract price and scheme."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("contract status", "Active")
        CANCELLED = "cancelled", pgettext_lazy("contract status", "Cancelled")

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="contracts", verbose_name=_("trade"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    filing_number = models.CharField(_("online filing number"), max_length=60, blank=True, help_text=_("网签备案号"))
    scheme = models.ForeignKey(
        "realestate.PaymentScheme", on_delete=models.PROTECT, related_name="+", verbose_name=_("payment scheme")
    )
    contract_price = models.DecimalField(_("contract price"), **MONEY)
    signed_on = models.DateField(_("signed on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sale contract")
        verbose_name_plural = _("sale contracts")
        constraints = [models.CheckConstraint(condition=Q(contract_price__gte=0), name="re_contract_price_ok")]

    def __str__(self) -> str:
        return self.number


class PaymentDue(models.Model):
    """One line of a trade's payment schedule (应收款): the subscription deposit, the down payment, an instalment,
    a loan part. The lines of a trade add up to its agreed price; `received` is what the buyer's payments cover of
    it, booked oldest first (recomputed on every receipt and refund)."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Subscription deposit")
        DOWN_PAYMENT = "down_payment", _("Down payment")
        FULL_PAYMENT = "full_payment", _("Full payment")
        INSTALMENT = "instalment", _("Instalment")
        LOAN_PROVIDENT = "loan_provident", _("Provident fund loan")
        LOAN_COMMERCIAL = "loan_commercial", _("Commercial loan")
        PRICE_DIFFERENCE = "price_difference", _("Price difference")

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="dues", verbose_name=_("trade"))
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    received = models.DecimalField(_("received"), **MONEY, default=0)
    last_reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)

    class Meta:
        ordering = ["trade_id", "position", "id"]
        verbose_name = _("payment due")
        verbose_name_plural = _("payments due")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="re_due_amount_ok"),
            models.CheckConstraint(
                condition=Q(received__gte=0, received__lte=models.F("amount")), name="re_due_received_ok"
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return Decimal(self.amount) - Decimal(self.received)


class Receipt(TimeStampedModel):
    """Money received from (or refunded to) the buyer (收据), numbered, printable. A refund (退款) is its own
    numbered document with a positive amount; what a trade collected is the receipts minus the refunds."""

    class Kind(models.TextChoices):
        SMALL_DEPOSIT = "small_deposit", _("Small deposit")
        PAYMENT = "payment", _("Payment for the unit")
        ADVANCE = "advance", _("Advance receipt")
        REFUND = "refund", _("Refund")

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        CARD = "card", _("Card (POS)")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        LOAN = "loan", _("Loan disbursement")

    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("trade"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PAYMENT)
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("payment method"), max_length=10, choices=Method.choices, default=Method.TRANSFER)
    received_on = models.DateField(_("date"))
    payer = models.CharField(_("payer"), max_length=200, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="re_receipt_amount_positive")]

    def __str__(self) -> str:
        return self.number

    @property
    def signed_amount(self) -> Decimal:
        """The receipt's effect on what was collected: a refund takes away."""
        amount = Decimal(self.amount)
        return -amount if self.kind == self.Kind.REFUND else amount
