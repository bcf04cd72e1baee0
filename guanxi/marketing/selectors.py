"""Reads of the marketing app (querysets; the reader's permission checked)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from guanxi.core.errors import NotFoundError
from guanxi.core.prefetch import prefetch_always
from guanxi.org.policies import require_permission, scope_children

from .consent import reachable
from .models import Channel, Segment
from .segments import Members


def segment_get(*, user: Any, pk: Any) -> Segment:
    require_permission(user, "marketing.view")
    found = Segment.objects.select_related("owner").filter(pk=pk).first()
    if found is None:
        raise NotFoundError("Not found.")
    return found


def segment_list(*, user: Any) -> QuerySet[Segment]:
    require_permission(user, "marketing.view")
    return Segment.objects.select_related("owner").order_by("name", "pk")


def reach_by_channel(members: Members) -> dict[str, int]:
    """How many of the members each channel may reach (consent and suppression applied)."""
    return {channel: reachable(members.contacts, channel).count() for channel in Channel.values}


def customer_contacts(*, user: Any, customer: Any) -> QuerySet[Any]:
    from guanxi.customers.models import Contact

    contacts = Contact.objects.prefetch_related("consents").order_by("-is_primary", "name")
    return scope_children(user, contacts, via="customer", parent=customer)


def customer_contacts_with_consents(*, user: Any, customer: Any) -> list[Any]:
    """customer_contacts as a list, their consents read in one query asked even when there is no contact (the 360
    page's query count does not depend on the customer's data)."""
    from .models import Consent

    contacts = customer_contacts(user=user, customer=customer).prefetch_related(None)
    shown = list(contacts)
    prefetch_always(shown, "consents", Consent.objects.filter(contact__in=contacts.values("pk")))
    return shown
