"""The billing app's dictionaries (数据字典): how a payment was received and what an expense was for."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import DefaultDictionaries, DictionarySpec
from guanxi.customers.dictionaries import entries_of

from .models import ExpenseLine, Payment

PAYMENT_METHOD = "payment_method"
EXPENSE_CATEGORY = "expense_category"

BILLING_DICTIONARIES = DefaultDictionaries(
    app="billing",
    dictionaries=(
        DictionarySpec(
            key=PAYMENT_METHOD,
            label=_("Payment methods"),
            entries=entries_of(Payment.Method.choices, system=("bank_transfer",)),
        ),
        DictionarySpec(
            key=EXPENSE_CATEGORY, label=_("Expense categories"), entries=entries_of(ExpenseLine.Category.choices)
        ),
    ),
)
