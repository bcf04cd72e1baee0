"""The sales app's dictionaries (数据字典): where an opportunity came from. Leads share the customers' sources
and sizes (customers/dictionaries.py); lead and opportunity statuses are states of their life cycles, not lists
an administrator edits, and lost reasons have their own settings page (opportunities' LostReason)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import DefaultDictionaries, DictionarySpec
from guanxi.customers.dictionaries import entries_of

from .opportunities.models import Opportunity

OPPORTUNITY_SOURCE = "opportunity_source"

SALES_DICTIONARIES = DefaultDictionaries(
    app="sales",
    dictionaries=(
        DictionarySpec(
            key=OPPORTUNITY_SOURCE,
            label=_("Opportunity sources"),
            # A converted lead's opportunity and one opened from a customer's page set these themselves.
            entries=entries_of(Opportunity.Source.choices, system=("lead", "customer")),
        ),
    ),
)
