"""Reads of the service app, each narrowed to the reader's data scope (org.policies): assets and tickets are
reached through their customer (owner and collaborators); a ticket's owner reads it besides (read rule)."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from guanxi.core.dbvendor import search_filter
from guanxi.core.dictionaries.selectors import codes_with
from guanxi.core.search import normalise, search_terms
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, scope_children, scope_queryset, scope_queryset_or_none

from .models import Asset, Ticket, TicketEvent

_SEPARATORS = re.compile(r"[\s\-_·・.,/\\()（）]+")


def identifier_forms(value: str) -> list[str]:
    """An identifier (plate, policy or serial number) as search text holds it: normalised (lower case, full-width
    → half-width) as typed, and compact, without spaces and separators ("京A·12345" → "京a·12345", "京a12345")."""
    text = normalise(value)
    if not text:
        return []
    compact = _SEPARATORS.sub("", text)
    return [text, compact] if compact and compact != text else [text]


def identifier_search(qs: QuerySet[Any], text: str) -> QuerySet[Any]:
    """Rows whose search text holds every term of `text`, or its compact form as one identifier (so "京A 12345",
    "京a-12345" and "ＪＩＮＧ"-width variants all find 京A12345)."""
    terms = search_terms(text)
    if not terms:
        return qs
    forms = identifier_forms(text)
    compact = forms[-1] if forms else ""
    matched = search_filter(qs, "search_text", terms)
    if not compact or terms == [compact]:
        return matched
    by_identifier = search_filter(qs, "search_text", [compact])
    return qs.filter(Q(pk__in=matched.values("pk")) | Q(pk__in=by_identifier.values("pk")))


def identifier_search_probes(model: type[Asset | Ticket], text: str) -> list[tuple[Any, str, list[str]]]:
    """What identifier_search asks the search index (core.dbvendor.probes), for the global search to ask ahead."""
    terms = search_terms(text)
    forms = identifier_forms(text)
    compact = forms[-1] if forms else ""
    extra = [[compact]] if terms and compact and terms != [compact] else []
    return [(model, "search_text", wanted) for wanted in ([terms] if terms else []) + extra]


# --- assets ----------------------------------------------------------------------------------------
def asset_list(*, user: User, action: str = "view") -> QuerySet[Asset]:
    qs = Asset.objects.select_related("customer", "product", "contract", "customer__owner")
    return scope_queryset(user, qs, action)


def asset_get(*, user: User, pk: Any, action: str = "view") -> Asset:
    qs = Asset.objects.select_related("customer", "product", "contract", "order", "created_by")
    return get_scoped_or_404(user, qs, pk, action)


def customer_assets(*, user: User, customer: Any) -> list[Asset]:
    qs = scope_children(user, Asset.objects.all(), via="customer", parent=customer, or_none=True)
    return list(qs.select_related("product").order_by("ends_on", "-id")[:200])


def search_assets(*, user: User, query: str, limit: int = 10) -> QuerySet[Asset]:
    qs = scope_queryset_or_none(user, Asset.objects.all(), "view")
    return identifier_search(qs, query).select_related("customer").order_by("-id")[:limit]


# --- tickets ---------------------------------------------------------------------------------------
def complaint_types() -> list[str]:
    return sorted(codes_with("ticket_type", "complaint"))


def ticket_list(*, user: User, action: str = "view") -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related("customer", "owner", "contact", "asset")
    return scope_queryset(user, qs, action)


def tickets_on_my_desk(*, user: User) -> QuerySet[Ticket]:
    """The open tickets the user handles, the nearest resolution deadline first (none last): their day's card."""
    from django.db.models import F

    return (
        ticket_list(user=user)
        .filter(owner=user, status__in=Ticket.OPEN_STATUSES)
        .select_related("customer")
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


def ticket_get(*, user: User, pk: Any, action: str = "view") -> Ticket:
    qs = Ticket.objects.select_related(
        "customer", "owner", "contact", "asset", "contract", "product", "created_by"
    ).prefetch_related("attachments")
    return get_scoped_or_404(user, qs, pk, action)


def ticket_history(*, ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.select_related("actor").order_by("-at", "-id"))


def customer_tickets(*, user: User, customer: Any) -> list[Ticket]:
    qs = scope_children(user, Ticket.objects.all(), via="customer", parent=customer, or_none=True)
    return list(qs.select_related("owner").order_by("-created_at")[:200])


def search_tickets(*, user: User, query: str, limit: int = 10) -> QuerySet[Ticket]:
    qs = scope_queryset_or_none(user, Ticket.objects.all(), "view")
    return identifier_search(qs, query).select_related("customer").order_by("-id")[:limit]


def ticket_attachment_get(*, user: User, pk: Any) -> Any:
    from .models import TicketAttachment

    row = TicketAttachment.objects.select_related("ticket").filter(pk=pk).first() if str(pk).isdigit() else None
    ticket_get(user=user, pk=row.ticket_id if row else 0)  # 403 without tickets.view, 404 out of scope
    return row


def agent_choices(*, user: User) -> QuerySet[User]:
    """Active users who may work on tickets (hold tickets.edit through a role), for the owner choice."""
    from guanxi.org.models import Role

    codes = [r.pk for r in Role.objects.all() if "tickets.edit" in (r.permissions or [])]
    return User.objects.filter(is_active=True, roles__in=codes).distinct().order_by("name", "username")
