"""The customers app's dictionaries (数据字典) and their default entries: today's codes, so records keep their
values. The model's TextChoices stay as the names of the seeded codes the code relies on (Customer.Status.WON…).

Behaviour flags (DictionaryEntry.attributes) the customers app reads:
- customer_status "deal_made": a customer in such a status counts as won; the public pool leaves it with its
  owner unless a pool rule names its status (customers/pool/policies.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import DefaultDictionaries, DictionaryEntrySpec, DictionarySpec

from .models import Customer, FollowUp

LEVEL = "customer_level"
STATUS = "customer_status"
SOURCE = "customer_source"  # leads use it too: a converted lead carries its source over unchanged
SIZE = "company_size"
METHOD = "follow_up_method"
INDUSTRY = "industry"  # core's (GB/T 4754 sections)

DEAL_MADE = "deal_made"


def entries_of(
    choices: Iterable[tuple[str, Any]],
    *,
    colours: Mapping[str, str] | None = None,
    system: Iterable[str] = (),
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[DictionaryEntrySpec, ...]:
    """Seed entries from a TextChoices' (code, English msgid) pairs."""
    held = set(system)
    return tuple(
        DictionaryEntrySpec(
            code=code,
            label=label,
            colour=(colours or {}).get(code, ""),
            system=code in held,
            attributes=(attributes or {}).get(code, {}),
        )
        for code, label in choices
    )


CUSTOMER_DICTIONARIES = DefaultDictionaries(
    app="customers",
    dictionaries=(
        DictionarySpec(
            key=LEVEL,
            label=_("Customer levels"),
            entries=entries_of(Customer.Level.choices, colours={"A": "orange", "B": "blue"}),
        ),
        DictionarySpec(
            key=STATUS,
            label=_("Customer statuses"),
            entries=entries_of(
                Customer.Status.choices,
                colours={"following": "blue", "won": "green", "lost": "red", "dormant": "yellow"},
                # A first follow-up moves a potential customer to "following up" (services/follow_ups.py).
                system=("potential", "following", "won"),
                attributes={"won": {DEAL_MADE: True}},
            ),
        ),
        DictionarySpec(
            key=SOURCE,
            label=_("Customer and lead sources"),
            # Imports and the website form set these two themselves.
            entries=entries_of(Customer.Source.choices, system=("import", "website")),
        ),
        DictionarySpec(key=SIZE, label=_("Company sizes"), entries=entries_of(Customer.Size.choices)),
        DictionarySpec(
            key=METHOD,
            label=_("Follow-up methods"),
            entries=entries_of(FollowUp.Method.choices, colours={"visit": "green", "wechat": "teal"}),
        ),
    ),
)
