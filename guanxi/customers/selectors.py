"""Every read of customers, contacts, follow-ups and tasks: querysets already narrowed to what the
user may see (org.policies.scope_queryset), with the list filters applied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.core.registry import registry
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, scope_queryset

from .filters import SORTS, ContactFilter, CustomerFilter, FollowUpFilter, TaskFilter, apply_search
from .models import Contact, Customer, FollowUp, SavedView, Task


def _filtered(filterset_class: Any, data: QueryDict | dict[str, Any] | None, qs: QuerySet, request: Any) -> QuerySet:
    fs = filterset_class(data=data or {}, queryset=qs, request=request)
    if not fs.is_valid():
        raise ValidationFailed("Invalid filter", fields={k: [str(m) for m in v] for k, v in fs.errors.items()})
    return fs.qs


class _RequestLike:
    def __init__(self, user: User):
        self.user = user


def customer_list(
    *, user: User, filters: QueryDict | dict[str, Any] | None = None, action: str = "view"
) -> QuerySet[Customer]:
    """Customers the user may see, filtered and sorted (`sort` key from filters.SORTS)."""
    qs = scope_queryset(user, Customer.objects.all(), action)
    qs = _filtered(CustomerFilter, filters, qs, _RequestLike(user))
    sort = (filters or {}).get("sort") or "-updated"
    order = SORTS.get(str(sort), "-updated_at")
    return qs.select_related("owner", "department").prefetch_related("tags").order_by(order, "-id")


def customer_get(*, user: User, pk: Any, action: str = "view") -> Customer:
    return get_scoped_or_404(user, Customer.objects.select_related("owner", "department", "created_by"), pk, action)


def customer_recycle_bin(*, user: User) -> QuerySet[Customer]:
    return (
        scope_queryset(user, Customer.all_objects.filter(deleted_at__isnull=False), "delete")
        .select_related("owner", "deleted_by")
        .order_by("-deleted_at")
    )


def customer_pending_review(*, user: User) -> QuerySet[Customer]:
    return scope_queryset(
        user, Customer.objects.filter(review_status=Customer.Review.PENDING), "approve"
    ).select_related("owner", "created_by")


def contact_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[Contact]:
    qs = scope_queryset(user, Contact.objects.all(), "view")
    return _filtered(ContactFilter, filters, qs, _RequestLike(user)).select_related("customer")


def contact_get(*, user: User, pk: Any, action: str = "view") -> Contact:
    return get_scoped_or_404(user, Contact.objects.select_related("customer"), pk, action)


def follow_up_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[FollowUp]:
    qs = scope_queryset(user, FollowUp.objects.all(), "view")
    return (
        _filtered(FollowUpFilter, filters, qs, _RequestLike(user))
        .select_related("customer", "contact", "author")
        .prefetch_related("attachments")
    )


def follow_up_get(*, user: User, pk: Any, action: str = "view") -> FollowUp:
    return get_scoped_or_404(user, FollowUp.objects.select_related("customer", "contact", "author"), pk, action)


def task_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[Task]:
    qs = scope_queryset(user, Task.objects.all(), "view")
    return _filtered(TaskFilter, filters, qs, _RequestLike(user)).select_related("customer", "assignee")


def task_get(*, user: User, pk: Any, action: str = "view") -> Task:
    return get_scoped_or_404(user, Task.objects.select_related("customer", "assignee"), pk, action)


def search_customers(*, user: User, query: str, limit: int = 10) -> QuerySet[Customer]:
    return (
        apply_search(scope_queryset(user, Customer.objects.all(), "view"), query)
        .select_related("owner")
        .order_by("-updated_at")[:limit]
    )


def search_contacts(*, user: User, query: str, limit: int = 10) -> QuerySet[Contact]:
    return (
        apply_search(scope_queryset(user, Contact.objects.all(), "view"), query)
        .select_related("customer")
        .order_by("name")[:limit]
    )


def global_search(*, user: User, query: str, limit: int = 8) -> list[dict[str, Any]]:
    """Results from every registered search source the user may use, grouped by source."""
    from guanxi.core.errors import PermissionDeniedError

    groups = []
    if not query.strip():
        return groups
    for source in registry.search:
        try:
            hits = source.search(user=user, query=query, limit=limit)
        except PermissionDeniedError:
            continue
        if hits:
            groups.append({"key": source.key, "label": source.label, "hits": hits})
    return groups


def customer_360(*, user: User, pk: Any) -> dict[str, Any]:
    """Everything the customer page shows, in a fixed number of queries."""
    customer = get_scoped_or_404(
        user,
        Customer.objects.select_related("owner", "department", "created_by").prefetch_related(
            "tags", "collaborators", Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name"))
        ),
        pk,
        "view",
    )
    return {"customer": customer, "contacts": list(customer.contacts.all())}


def customer_timeline(
    *, user: User, customer: Customer, kinds: set[str] | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Follow-ups, tasks and recorded changes of one customer, newest first, as uniform events."""
    events: list[dict[str, Any]] = []
    want = kinds or {"followup", "task", "change"}
    if "followup" in want:
        for f in (
            FollowUp.objects.filter(customer=customer)
            .select_related("author", "contact")
            .prefetch_related("attachments")[:limit]
        ):
            events.append({"kind": "followup", "at": f.occurred_at, "obj": f, "actor": f.author})
    if "task" in want:
        for t in Task.objects.filter(customer=customer).select_related("assignee")[:limit]:
            events.append({"kind": "task", "at": t.due_at, "obj": t, "actor": t.assignee})
    if "change" in want:
        for a in AuditLog.objects.filter(customer_id=customer.pk).select_related("actor", "content_type")[:limit]:
            events.append({"kind": "change", "at": a.at, "obj": a, "actor": a.actor})
    for source in registry.timeline.get("customers.customer", []):
        events.extend(source(user=user, customer=customer, limit=limit))
    events.sort(key=lambda e: e["at"], reverse=True)
    return events[:limit]


def my_day(*, user: User, today: dt.date | None = None) -> dict[str, Any]:
    """Today's and overdue tasks, and customers whose follow-up is due, for the "my day" page."""
    now = timezone.localtime()
    today = today or now.date()
    tasks = Task.objects.filter(assignee=user, done=False).select_related("customer")
    start_of_tomorrow = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    follow_ups_due = (
        scope_queryset(user, Customer.objects.filter(owner=user), "view")
        .filter(next_follow_up_on__lte=today)
        .order_by("next_follow_up_on")[:50]
    )
    return {
        "overdue": list(tasks.filter(due_at__lt=start_of_today).order_by("due_at")[:50]),
        "today": list(tasks.filter(due_at__gte=start_of_today, due_at__lt=start_of_tomorrow).order_by("due_at")),
        "upcoming": list(tasks.filter(due_at__gte=start_of_tomorrow).order_by("due_at")[:10]),
        "follow_ups_due": list(follow_ups_due),
        "today_date": today,
        "done_today": Task.objects.filter(assignee=user, done=True, done_at__gte=start_of_today).count(),
    }


def saved_views(*, user: User, list_name: str = "customers") -> QuerySet[SavedView]:
    return SavedView.objects.filter(user=user, list_name=list_name)


def customer_counts_by_owner(*, user: User) -> QuerySet:
    return scope_queryset(user, Customer.objects.all(), "view").values("owner").annotate(n=Count("id"))


def audit_for(*, obj: Any, limit: int = 50) -> QuerySet[AuditLog]:
    ct = ContentType.objects.get_for_model(obj)
    return AuditLog.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")[:limit]
