"""Reads for merges: the customers picked for one, and past merges (to undo)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.org.models import User
from guanxi.org.policies import scope_children, scope_queryset

from ...models import Contact, Customer, CustomerMerge

MAX_MERGE = 10


def merge_candidates(*, user: User, ids: Iterable[Any]) -> list[Customer]:
    """The customers picked for a merge, each editable by the user (404 otherwise), with the counts
    of what would move."""
    try:
        wanted = list(dict.fromkeys(int(i) for i in ids))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
    if len(wanted) < 2:
        raise ValidationFailed(
            _("Choose at least two customers to merge."), fields={"ids": [_("Choose at least two customers.")]}
        )
    if len(wanted) > MAX_MERGE:
        raise ValidationFailed(
            _("At most %(n)s customers can be merged at once.") % {"n": MAX_MERGE},
            fields={"ids": [_("Too many customers.")]},
        )
    qs = (
        scope_queryset(user, Customer.objects.filter(pk__in=wanted), "edit")
        .select_related("owner", "department")
        .annotate(
            n_contacts=Count("contacts", filter=Q(contacts__deleted_at__isnull=True), distinct=True),
            n_follow_ups=Count("follow_ups", filter=Q(follow_ups__deleted_at__isnull=True), distinct=True),
            n_tasks=Count("tasks", filter=Q(tasks__deleted_at__isnull=True), distinct=True),
        )
    )
    found = {c.pk: c for c in qs}
    if len(found) != len(wanted):
        raise NotFoundError(_("Not found, or you may not see it."))
    return [found[i] for i in wanted]


def merge_list(*, user: User, limit: int = 50) -> QuerySet:
    """Recent merges whose surviving customer the user may edit."""
    scoped = scope_queryset(user, Customer.objects.all(), "edit")
    return (
        CustomerMerge.objects.filter(survivor__in=scoped.values("pk"))
        .select_related("survivor", "actor", "undone_by")
        .order_by("-created_at", "-id")[:limit]
    )


def merge_get(*, user: User, pk: Any) -> CustomerMerge:
    scoped = scope_queryset(user, Customer.objects.all(), "edit")
    try:
        return CustomerMerge.objects.select_related("survivor").get(pk=int(pk), survivor__in=scoped.values("pk"))
    except (CustomerMerge.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it."))


def merge_customer_names(merge: CustomerMerge) -> dict[int, str]:
    """Names of the merged customers as they were (deleted ones included), for display."""
    ids = [int(i) for i in merge.merged_ids]
    return dict(Customer.all_objects.filter(pk__in=ids).values_list("pk", "name"))


def contact_merge_candidates(*, user: User, customer_id: Any, ids: Iterable[Any] = ()) -> list[Contact]:
    """The live contacts of one customer the user may edit, for a contact merge: those picked (`ids`, in that order;
    404 when one is out of reach or of another customer), or all of them to pick from."""
    try:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        customer_pk = int(customer_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
    qs = scope_children(user, Contact.objects.all(), via="customer", parent=customer_pk, action="edit")
    qs = qs.order_by("name_sort", "pk")
    if not wanted:
        return list(qs)
    found = {c.pk: c for c in qs.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise NotFoundError(_("Not found, or you may not see it."))
    return [found[i] for i in wanted]
