"""The caller view (来电弹屏): who is calling, from a phone number (a call centre passes the caller's number) or a
plate, policy or serial number typed by the agent — the customer with the matching contact, their assets with dates,
open tickets, latest follow-ups and open receivables, each read through the reader's own data scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guanxi.billing.selectors import customer_open_receivables
from guanxi.org.models import User
from guanxi.org.policies import has_permission, scope_queryset_or_none

from ..lists import OPEN as OPEN_TICKETS
from ..models import Asset, Ticket
from ..selectors import identifier_search

CUSTOMERS_MAX = 5


@dataclass
class CallerCard:
    customer: Any
    contacts: list[Any] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    open_tickets: list[Ticket] = field(default_factory=list)
    past_tickets: int = 0
    follow_ups: list[Any] = field(default_factory=list)
    matched_asset: Asset | None = None
    receivables: dict[str, Any] | None = None  # {"contracts", "totals"}: balances still due (payments.view only)


def caller_lookup(*, user: User, query: str) -> list[CallerCard]:
    """The customers the number or identifier points at (at most five), newest match first."""
    from guanxi.customers.dedupe.normalise import phone_key
    from guanxi.customers.models import Contact, Customer, CustomerKey, FollowUp

    text = " ".join(str(query or "").split())[:100]
    if not text:
        return []
    customers = scope_queryset_or_none(user, Customer.objects.all(), "view", module="customers")
    contact_ids: dict[int, set[int]] = {}
    found: list[int] = []
    matched: dict[int, Asset] = {}
    key = phone_key(text)
    if key:
        rows = CustomerKey.objects.filter(kind=CustomerKey.Kind.PHONE, value=key, customer__in=customers.values("pk"))
        for customer_id, contact_id in rows.values_list("customer_id", "contact_id").order_by("-id")[:50]:
            if customer_id not in found:
                found.append(customer_id)
            if contact_id:
                contact_ids.setdefault(customer_id, set()).add(contact_id)
    assets = scope_queryset_or_none(user, Asset.objects.all(), "view", module="assets")
    if len(found) < CUSTOMERS_MAX:
        for asset in identifier_search(assets, text).order_by("-id")[:20]:
            if asset.customer_id not in found:
                found.append(asset.customer_id)
            matched.setdefault(asset.customer_id, asset)
    found = found[:CUSTOMERS_MAX]
    if not found:
        return []
    by_pk = {c.pk: c for c in customers.filter(pk__in=found).select_related("owner")}
    cards = [CallerCard(customer=by_pk[pk], matched_asset=matched.get(pk)) for pk in found if pk in by_pk]
    contacts = scope_queryset_or_none(user, Contact.objects.filter(customer_id__in=found), "view", module="contacts")
    wanted = {pk for ids in contact_ids.values() for pk in ids}
    tickets = scope_queryset_or_none(user, Ticket.objects.filter(customer_id__in=found), "view", module="tickets")
    follow_ups = scope_queryset_or_none(
        user, FollowUp.objects.filter(customer_id__in=found), "view", module="followups"
    ).select_related("author", "contact")
    receivables = customer_open_receivables(user=user, customer_ids=found)
    for card in cards:
        pk = card.customer.pk
        card.receivables = receivables.get(pk)
        own = list(contacts.filter(customer_id=pk).order_by("name", "id")[:10])
        card.contacts = sorted(own, key=lambda c: c.pk not in wanted)
        card.assets = list(assets.filter(customer_id=pk).select_related("product").order_by("ends_on", "-id")[:10])
        mine = tickets.filter(customer_id=pk)
        card.open_tickets = list(mine.filter(status__in=OPEN_TICKETS).select_related("owner").order_by("-id")[:10])
        card.past_tickets = mine.exclude(status__in=OPEN_TICKETS).count()
        card.follow_ups = list(follow_ups.filter(customer_id=pk).order_by("-occurred_at", "-id")[:5])
    return cards


def may_use(user: User) -> bool:
    return has_permission(user, "tickets.view") or has_permission(user, "assets.view")
