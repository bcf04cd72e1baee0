"""Money (回款): payment plans, invoices issued, payments received and their allocation, expense claims.

Every amount is a Decimal with a currency code, rounded half-up to the cent by the services
(guanxi/billing/money.py). Data scope follows the contract owner (money of a contract) or the claimant
(expense claims).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries.fields import DictionaryField
from guanxi.core.files import private_upload_path
from guanxi.core.models import BusinessModel, TimeStampedModel
from guanxi.core.money import MONEY, RATE


class Instalment(BusinessModel):
    """One instalment of a contract's payment plan (回款计划): due date and amount; `paid` is what payments
    allocated to it add up to (kept by the payment services, never set by hand)."""

    contract = models.ForeignKey(
        "commerce.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="instalments"
    )
    sequence = models.PositiveIntegerField(_("instalment"))
    due_date = models.DateField(_("due date"), db_index=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    paid = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_module = "payments"
    scope_owner_path = "contract__owner"

    class Meta:
        ordering = ["contract", "sequence", "id"]
        verbose_name = _("instalment")
        verbose_name_plural = _("payment plan")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "sequence"], condition=Q(deleted_at__isnull=True), name="instalment_sequence_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="instalment_paid_not_negative"),
            models.CheckConstraint(condition=Q(paid__lte=models.F("amount")), name="instalment_paid_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.sequence} {self.due_date} {self.amount}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.paid

    @property
    def customer_id(self) -> int | None:
        """The contract's customer, so audit rows land on the customer 360 timeline."""
        return self.contract.customer_id if self.contract_id else None


class Invoice(BusinessModel):
    """An invoice issued to the customer (开票). `amount` is the total including tax (价税合计)."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary VAT invoice")
        SPECIAL = "special", _("Special VAT invoice")

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        VOID = "void", _("Void")

    contract = models.ForeignKey(
        "commerce.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=40)
    issued_on = models.DateField(_("invoice date"), db_index=True)
    kind = models.CharField(_("invoice type"), max_length=10, choices=Kind.choices, default=Kind.ORDINARY)
    amount = models.DecimalField(_("amount incl. tax"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    tax_rate = models.DecimalField(_("tax rate"), **RATE, default=Decimal("0.1300"))
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    net_amount = models.DecimalField(_("amount before tax"), **MONEY)
    buyer_title = models.CharField(_("buyer title"), max_length=200)
    buyer_tax_id = models.CharField(_("buyer tax id"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_module = "invoices"
    scope_owner_path = "contract__owner"

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=Q(deleted_at__isnull=True), name="invoice_number_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="invoice_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_id(self) -> int | None:
        """The contract's customer, so audit rows land on the customer 360 timeline."""
        return self.contract.customer_id if self.contract_id else None


class Payment(BusinessModel):
    """A payment received (回款), allocated to the contract's instalments. A mistaken payment is never deleted:
    a reversal (红冲) is a second row with the negative amount that points at it."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill")
        ONLINE = "online", _("Online payment")
        OTHER = "other", _("Other")

    contract = models.ForeignKey(
        "commerce.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("date received"), db_index=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    method = DictionaryField(_("method"), dictionary="payment_method", max_length=20, default=Method.BANK_TRANSFER)
    account = models.CharField(_("receiving account"), max_length=100, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_module = "payments"
    scope_owner_path = "contract__owner"

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["contract", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reversal_of__isnull=True) & Q(amount__gt=0))
                | (Q(reversal_of__isnull=False) & Q(amount__lt=0)),
                name="payment_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} {self.currency}"

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None

    @property
    def customer_id(self) -> int | None:
        """The contract's customer, so audit rows land on the customer 360 timeline."""
        return self.contract.customer_id if self.contract_id else None


class Allocation(TimeStampedModel):
    """The part of a payment booked against one instalment (negative on a reversal)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["instalment__sequence", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="allocation_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.instalment_id}: {self.amount}"


class ReminderPolicy(TimeStampedModel):
    """The overdue-reminder thresholds (one row, edited by an administrator; see policies.py)."""

    first_overdue_days = models.PositiveIntegerField(_("first overdue reminder after (days)"), default=7)
    second_overdue_days = models.PositiveIntegerField(_("second overdue reminder after (days)"), default=30)
    remind_on_due_date = models.BooleanField(_("remind the owner on the due date"), default=True)

    class Meta:
        verbose_name = _("receivables reminder policy")
        verbose_name_plural = _("receivables reminder policies")

    def __str__(self) -> str:
        return f"{self.first_overdue_days}/{self.second_overdue_days}"


class ExpenseClaim(BusinessModel):
    """An expense claim (费用报销) for work on one customer, linked to a follow-up or an opportunity of it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_APPROVAL = "in_approval", _("In approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    title = models.CharField(_("title"), max_length=200)
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimant"), on_delete=models.PROTECT, related_name="expense_claims"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="expense_claims"
    )
    follow_up = models.ForeignKey(
        "customers.FollowUp",
        verbose_name=_("follow-up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.TextField(_("purpose and progress"), blank=True)
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)

    scope_module = "expenses"
    scope_owner_path = "claimant"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        indexes = [models.Index(fields=["claimant", "status", "deleted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up__isnull=False) | Q(opportunity__isnull=False), name="expense_claim_linked"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="expense_claim_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


def receipt_path(instance: ExpenseLine, filename: str) -> str:
    return private_upload_path("expenses", filename)


class ExpenseLine(models.Model):
    class Category(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        ENTERTAINMENT = "entertainment", _("Entertainment")
        TRANSPORT = "transport", _("Local transport")
        OTHER = "other", _("Other")

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("line"), default=1)
    category = DictionaryField(_("category"), dictionary="expense_category", max_length=20, default=Category.TRAVEL)
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)
    receipt = models.FileField(_("receipt"), upload_to=receipt_path, max_length=300, blank=True)

    if TYPE_CHECKING:  # added by DictionaryField

        def get_category_display(self) -> str: ...

    class Meta:
        ordering = ["claim", "position", "id"]
        verbose_name = _("expense line")
        verbose_name_plural = _("expense lines")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expense_line_amount_positive")]

    def __str__(self) -> str:
        return f"{self.claim_id}#{self.position}"


class FinanceAccounts(TimeStampedModel):
    """The ledger accounts of the finance (voucher) export, one row edited by an administrator; until then the
    defaults in policies.FINANCE_ACCOUNT_DEFAULTS (the 2007 Enterprise Accounting Standards' chart) apply."""

    voucher_word = models.CharField(_("voucher word"), max_length=4, default="记")
    receivable_code = models.CharField(_("accounts receivable: code"), max_length=40)
    receivable_name = models.CharField(_("accounts receivable: name"), max_length=100)
    revenue_code = models.CharField(_("revenue: code"), max_length=40)
    revenue_name = models.CharField(_("revenue: name"), max_length=100)
    output_tax_code = models.CharField(_("output VAT: code"), max_length=40)
    output_tax_name = models.CharField(_("output VAT: name"), max_length=100)
    bank_code = models.CharField(_("bank deposits: code"), max_length=40)
    bank_name = models.CharField(_("bank deposits: name"), max_length=100)
    cash_code = models.CharField(_("cash on hand: code"), max_length=40)
    cash_name = models.CharField(_("cash on hand: name"), max_length=100)

    class Meta:
        verbose_name = _("finance export accounts")
        verbose_name_plural = _("finance export accounts")

    def __str__(self) -> str:
        return f"{self.receivable_code}/{self.revenue_code}"
