"""The scan for duplicate groups: live customers the reader may see that share a match key."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from ...models import Customer, CustomerKey

SCAN_LIMIT = 1000


@dataclass
class DuplicateGroup:
    """Live customers sharing one match key."""

    kind: str
    value: str
    customers: list[Customer]

    @property
    def kind_label(self) -> str:
        return str(CustomerKey.Kind(self.kind).label)

    @property
    def ids(self) -> list[int]:
        return [c.pk for c in self.customers]


def dedupe_scan(*, actor: User, kind: str | None = None, limit: int = SCAN_LIMIT) -> list[DuplicateGroup]:
    """Groups of live customers within the actor's view scope that share a match key, largest first.

    One GROUP BY over CustomerKey, one query for the members and one for the customers.
    """
    if kind and kind not in CustomerKey.Kind.values:
        raise ValidationFailed(_("Unknown key."), fields={"kind": [_("Choose name, credit_code, phone or email.")]})
    visible = scope_queryset(actor, Customer.objects.all(), "view").values("pk")
    keys = CustomerKey.objects.filter(customer__in=visible)
    if kind:
        keys = keys.filter(kind=kind)
    groups = list(
        keys.values("kind", "value")
        .annotate(n=Count("customer_id", distinct=True))
        .filter(n__gt=1)
        .order_by("-n", "kind", "value")[:limit]
    )
    if not groups:
        return []
    wanted: dict[str, list[str]] = defaultdict(list)
    for g in groups:
        wanted[g["kind"]].append(g["value"])
    q = Q(pk__in=[])
    for k, values in wanted.items():
        q |= Q(kind=k, value__in=values)
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, value, cid in keys.filter(q).values_list("kind", "value", "customer_id").distinct():
        if cid not in members[(k, value)]:
            members[(k, value)].append(cid)
    ids = {cid for cids in members.values() for cid in cids}
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=ids).select_related("owner", "department")}
    out = []
    for g in groups:
        found = sorted(
            (customers[cid] for cid in members[(g["kind"], g["value"])] if cid in customers),
            key=lambda c: (c.created_at, c.pk),
        )
        if len(found) > 1:
            out.append(DuplicateGroup(kind=g["kind"], value=g["value"], customers=found))
    return out
