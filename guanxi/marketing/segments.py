"""Who a segment holds, read in the reader's data scope.

A dynamic segment is the customer or contact list's own query string (what its page address holds: quick
filters, `where` rules, the search, a scene), resolved by the list toolkit exactly as the list page resolves it
(org.lists.engine.resolve): the same fields, the same refusals of a bad value (a warning, never a 500), the same
data scope. A customer segment holds the customers' live contacts. A static segment holds the contacts added
to it, those the reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.http import QueryDict

from guanxi.org.lists.engine import resolve
from guanxi.org.lists.registry import definition
from guanxi.org.policies import scope_queryset

from .models import Segment

# What a list address carries that is not a filter: paging, sorting and a saved view are dropped.
NOT_FILTERS = ("page", "per_page", "sort", "view", "fmt", "ids", "csrfmiddlewaretoken", "next")
PREVIEW_ROWS = 10


@dataclass
class Members:
    contacts: QuerySet[Any]
    warnings: list[str] = field(default_factory=list)
    query: str = ""  # the filters as the list kept them (what was refused is gone)


def clean_query(text: str) -> tuple[str, str | None]:
    """The filters out of what was pasted: a whole list address or only its query string. Returns the query
    string and the base the address names (contacts or customers), when it names one."""
    text = (text or "").strip()
    base = None
    if "?" in text or text.startswith(("/", "http://", "https://")):
        parts = urlsplit(text)
        path, text = parts.path, parts.query
        if "/contacts" in path:
            base = Segment.Base.CONTACTS
        elif path.rstrip("/").endswith("/customers") or path == "/customers/":
            base = Segment.Base.CUSTOMERS
    params = QueryDict(text, mutable=True)
    for key in NOT_FILTERS:
        params.pop(key, None)
    return params.urlencode(), base


def filtered_contacts(*, user: Any, base: str, query: str) -> Members:
    """The contacts the filters select for this reader (the list's PermissionDeniedError passes through)."""
    from guanxi.customers.models import Contact

    resolved = resolve(definition(base), user=user, query=QueryDict(query))
    rows = resolved.qs.order_by()
    contacts = rows if base == Segment.Base.CONTACTS else Contact.objects.filter(customer__in=rows.values("pk"))
    clean = resolved.params.copy()
    for key in NOT_FILTERS:
        clean.pop(key, None)
    return Members(contacts=contacts, warnings=list(resolved.warnings), query=clean.urlencode())


def segment_members(*, user: Any, segment: Segment) -> Members:
    from guanxi.customers.models import Contact

    if segment.kind == Segment.Kind.STATIC:
        contacts = Contact.objects.filter(pk__in=segment.members.values("contact_id"))
        return Members(contacts=scope_queryset(user, contacts, "view", module="contacts"))
    return filtered_contacts(user=user, base=segment.base, query=segment.query)


def preview(members: Members) -> list[Any]:
    return list(members.contacts.select_related("customer").order_by("customer__name", "name", "pk")[:PREVIEW_ROWS])
