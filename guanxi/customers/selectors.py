"""Every read of customers, contacts, follow-ups and tasks: querysets already narrowed to what the
user may see (org.policies.scope_queryset), with the list filters applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.export import local_time
from guanxi.core.filters import RequestLike, sort_with_tiebreak
from guanxi.core.models import AuditLog
from guanxi.core.prefetch import prefetch_always
from guanxi.core.registry import registry
from guanxi.org.audit_changes import audit_visible, describe_changes, model_label
from guanxi.org.models import User
from guanxi.org.policies import (
    get_scoped_or_404,
    has_permission,
    scope_children,
    scope_queryset,
)

from .filters import CONTACT_SORTS, SORTS, ContactFilter, CustomerFilter, FollowUpFilter, TaskFilter, apply_search
from .models import Attachment, Contact, Customer, FollowUp, PoolEvent, RegistrationConflict, Tag, Task


def _filtered(filterset_class: Any, data: QueryDict | dict[str, Any] | None, qs: QuerySet, request: Any) -> QuerySet:
    fs = filterset_class(data=data or {}, queryset=qs, request=request)
    if not fs.is_valid():
        raise ValidationFailed("Invalid filter", fields={k: [str(m) for m in v] for k, v in fs.errors.items()})
    return fs.qs


def customer_list(
    *, user: User, filters: QueryDict | dict[str, Any] | None = None, action: str = "view"
) -> QuerySet[Customer]:
    """Customers the user may see, filtered and sorted (`sort` key from filters.SORTS)."""
    qs = scope_queryset(user, Customer.objects.all(), action)
    qs = _filtered(CustomerFilter, filters, qs, RequestLike(user))
    sort = (filters or {}).get("sort") or "-updated"
    order = SORTS.get(str(sort), "-updated_at")
    return qs.select_related("owner", "department").prefetch_related("tags").order_by(*sort_with_tiebreak(order))


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


def customer_review_state(*, user: User, customer: Customer) -> dict[str, Any]:
    """The new-customer review on the customer page: the latest approval request (open or ended) of a pending
    customer, whether the user decides it as an approver, and whether they may resubmit it. No queries for a
    customer that is not pending."""
    from guanxi.approvals.models import ApprovalRequest
    from guanxi.approvals.selectors import can_decide

    from .review import REVIEW_KIND

    state: dict[str, Any] = {"request": None, "is_open": False, "can_decide": False, "can_resubmit": False}
    if customer.review_status != Customer.Review.PENDING:
        return state
    latest = (
        ApprovalRequest.objects.filter(kind=REVIEW_KIND, object_id=customer.pk).order_by("-submitted_at", "-id").first()
    )
    if latest is None:
        return state
    state["request"] = latest
    state["is_open"] = latest.is_open
    if latest.is_open:
        state["can_decide"] = can_decide(user, latest)
    elif latest.status in (ApprovalRequest.Status.RETURNED, ApprovalRequest.Status.WITHDRAWN):
        state["can_resubmit"] = user.pk in (customer.owner_id, customer.created_by_id) and (
            scope_queryset(user, Customer.objects.filter(pk=customer.pk), "edit").exists()
        )
    return state


def contact_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[Contact]:
    """Contacts the user may see, filtered (filters.ContactFilter) and sorted by `sort` (name or updated, "-" for
    descending: indexed); without it a customer's contacts keep their primary-first order, and every other list
    is by name."""
    qs = scope_queryset(user, Contact.objects.all(), "view")
    qs = _filtered(ContactFilter, filters, qs, RequestLike(user)).select_related("customer")
    sort = str((filters or {}).get("sort") or "")
    if sort in CONTACT_SORTS:
        return qs.order_by(*sort_with_tiebreak(CONTACT_SORTS[sort]))
    if (filters or {}).get("customer"):
        return qs
    return qs.order_by("name_sort", "id")


def contact_get(*, user: User, pk: Any, action: str = "view") -> Contact:
    return get_scoped_or_404(user, Contact.objects.select_related("customer"), pk, action)


def follow_up_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[FollowUp]:
    qs = scope_queryset(user, FollowUp.objects.all(), "view")
    return (
        _filtered(FollowUpFilter, filters, qs, RequestLike(user))
        .select_related("customer", "contact", "author")
        .prefetch_related("attachments")
    )


def follow_up_get(*, user: User, pk: Any, action: str = "view") -> FollowUp:
    return get_scoped_or_404(user, FollowUp.objects.select_related("customer", "contact", "author"), pk, action)


def attachment_get(*, user: User, pk: Any) -> Attachment:
    """A follow-up's attachment, for a reader who may see the follow-up (403 without followups.view, 404 otherwise)."""
    follow_ups = scope_queryset(user, FollowUp.objects.all(), "view")
    try:
        return Attachment.objects.select_related("follow_up").get(pk=int(pk), follow_up__in=follow_ups)
    except (Attachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(gettext("Not found, or you may not see it.")) from None


def task_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[Task]:
    qs = scope_queryset(user, Task.objects.all(), "view")
    return _filtered(TaskFilter, filters, qs, RequestLike(user)).select_related("customer", "assignee")


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
        .order_by("name_sort")[:limit]
    )


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


def customer_changes(*, user: User, customer: Customer) -> QuerySet[AuditLog]:
    """Recorded changes of a customer the user may see and of everything hanging off it (contacts, follow-ups,
    tasks, deals, documents, money…), newest first: only entries about records the user may open themselves."""
    entries = AuditLog.objects.filter(customer_id=customer.pk)
    part_of_the_customer = (Customer, PoolEvent, RegistrationConflict)
    return audit_visible(user, entries, always=part_of_the_customer).select_related("actor", "content_type")


def customer_timeline(
    *,
    user: User,
    customer: Customer,
    kinds: set[str] | None = None,
    limit: int = 100,
    changes: list[AuditLog] | None = None,
) -> list[dict[str, Any]]:
    """Follow-ups, tasks and recorded changes of one customer, newest first, as uniform events: follow-ups and
    tasks in the user's scope of their own module (none without its view permission), changes about records
    the user may open (customer_changes; a page that read them already for its change log passes `changes`)."""
    events: list[dict[str, Any]] = []
    want = kinds or {"followup", "task", "change"}
    if "followup" in want:
        follow_ups = scope_children(user, FollowUp.objects.all(), via="customer", parent=customer, or_none=True)
        shown = list(follow_ups.select_related("author", "contact")[:limit])
        # the attachments in one query asked whether or not there are follow-ups (a constant count for the 360)
        prefetch_always(shown, "attachments", Attachment.objects.filter(follow_up__in=follow_ups.values("pk")))
        for f in shown:
            events.append({"kind": "followup", "at": f.occurred_at, "obj": f, "actor": f.author})
    if "task" in want:
        tasks = scope_children(user, Task.objects.all(), via="customer", parent=customer, or_none=True)
        for t in tasks.select_related("assignee")[:limit]:
            events.append({"kind": "task", "at": t.due_at, "obj": t, "actor": t.assignee})
    if "change" in want:
        for a in changes if changes is not None else customer_changes(user=user, customer=customer)[:limit]:
            events.append({"kind": "change", "at": a.at, "obj": a, "actor": a.actor})
    for source in registry.timeline.get("customers.customer", []):
        events.extend(source(user=user, customer=customer, limit=limit))
    events.sort(key=lambda e: e["at"], reverse=True)
    return events[:limit]


def my_day(*, user: User, today: dt.date | None = None) -> dict[str, Any]:
    """Today's and overdue tasks, and customers whose follow-up is due, for the "my day" page. Tasks only with
    tasks.view (a role without it sees no task anywhere, its own included)."""
    now = timezone.localtime()
    today = today or now.date()
    mine = Task.objects.filter(assignee=user) if has_permission(user, "tasks.view") else Task.objects.none()
    tasks = mine.filter(done=False).select_related("customer")
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
        "done_today": mine.filter(done=True, done_at__gte=start_of_today).count(),
    }


def customer_counts_by_owner(*, user: User) -> QuerySet:
    return scope_queryset(user, Customer.objects.all(), "view").values("owner").annotate(n=Count("id"))


def audit_for(*, obj: Any, limit: int = 50) -> QuerySet[AuditLog]:
    ct = ContentType.objects.get_for_model(obj)
    return AuditLog.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")[:limit]


# --- web UI helpers (customer pages) ---------------------------------------------------------
def assignable_users(*, user: User) -> QuerySet[User]:
    """Active users a customer or task can be handed to; partner users only see their own organisation."""
    qs = User.objects.filter(is_active=True).select_related("department")
    if user.partner_org_id and not user.is_superuser:
        qs = qs.filter(partner_org_id=user.partner_org_id)
    return qs.order_by("department__path", "name", "username")


def department_choices() -> QuerySet[Any]:
    from guanxi.org.models import Department

    return Department.objects.filter(is_active=True).order_by("path", "sort_order", "name")


def tag_choices() -> QuerySet[Any]:
    from .models import Tag

    return Tag.objects.order_by("name")


def customer_industries(*, user: User, limit: int = 200) -> list[str]:
    """Industries already used on the customers the user sees (suggestions for filters and forms)."""
    qs = scope_queryset(user, Customer.objects.exclude(industry=""), "view")
    return list(qs.order_by("industry").values_list("industry", flat=True).distinct()[:limit])


def customer_duplicates(*, user: User, name: str = "", credit_code: str = "", exclude_pk: Any = None) -> dict[str, Any]:
    """Customers with the same normalised name or credit code: the ones the user may see, and whether
    others exist out of the user's reach (reported without any detail, so nothing leaks)."""
    from django.db.models import Q

    from guanxi.core.search import normalise

    name = " ".join((name or "").split())[:200]
    code = (credit_code or "").strip().upper()[:18]
    q = Q(pk__in=[])
    if len(name) >= 2:
        key = normalise(name).replace(" ", "")
        q |= Q(name__iexact=name) | Q(search_text=key) | Q(search_text__startswith=key + " ")
    if code:
        q |= Q(credit_code=code)
    base = Customer.objects.filter(q)
    if exclude_pk is not None and str(exclude_pk).isdigit():
        base = base.exclude(pk=int(exclude_pk))
    visible = list(scope_queryset(user, base, "view").select_related("owner")[:5])
    hidden = not visible and base.exists()
    return {"visible": visible, "hidden": hidden, "name": name, "credit_code": code}


def customer_editable_ids(*, user: User, ids: Iterable[int]) -> set[int]:
    """Of these customers, the ones the user may edit (the edit policy the services apply, one query for a page
    of rows): what the list offers to edit inline."""
    if not has_permission(user, "customers.edit"):
        return set()
    return set(scope_queryset(user, Customer.objects.filter(pk__in=list(ids)), "edit").values_list("pk", flat=True))


def customer_actions(*, user: User, customer: Customer) -> dict[str, bool]:
    """What the user may do on one customer page (buttons shown); the services check again on POST."""

    def in_scope(action: str) -> bool:
        if not has_permission(user, f"customers.{action}"):
            return False
        return scope_queryset(user, Customer.objects.filter(pk=customer.pk), action).exists()

    return {
        "edit": in_scope("edit"),
        "delete": in_scope("delete"),
        "assign": in_scope("assign"),
        # the owner gives a customer back to the public pool; a manager may release any in reach
        "return_to_pool": customer.owner_id == user.pk or in_scope("assign"),
        "approve": customer.review_status == Customer.Review.PENDING and in_scope("approve"),
        "export": has_permission(user, "customers.export"),
        "contacts_create": has_permission(user, "contacts.create"),
        "contacts_edit": has_permission(user, "contacts.edit"),
        "contacts_delete": has_permission(user, "contacts.delete"),
        "followups_view": has_permission(user, "followups.view"),
        "followups_create": has_permission(user, "followups.create"),
        "followups_edit": has_permission(user, "followups.edit"),
        "followups_delete": has_permission(user, "followups.delete"),
        "tasks_view": has_permission(user, "tasks.view"),
        "tasks_create": has_permission(user, "tasks.create"),
        "tasks_assign": has_permission(user, "tasks.assign"),
        "tasks_edit": has_permission(user, "tasks.edit"),
    }


def _with_rows(entries: list[AuditLog], *, user: User) -> list[AuditLog]:
    """Attach the entries' field changes as the user may read them (org.audit_changes): `change_rows`, and
    `rows` [(label, old, new)] for the page, which leaves a creation's initial values out."""
    describe_changes([e for e in entries if e.action != AuditLog.Action.CREATE and not hasattr(e, "rows")], reader=user)
    for entry in entries:
        if not hasattr(entry, "rows"):
            rows = getattr(entry, "change_rows", [])
            entry.rows = [(r.label, r.old, r.new) for r in rows]  # type: ignore[attr-defined]
            entry.model_label = model_label(entry)  # type: ignore[attr-defined]
        entry.is_customer = entry.content_type_id == _content_type_id(Customer)  # type: ignore[attr-defined]
    return entries


def _content_type_id(model: type) -> int:
    return ContentType.objects.get_for_model(model).pk


def customer_change_log(*, user: User, customer: Customer, limit: int = 100) -> list[AuditLog]:
    """The customer's change log (customer_changes) with readable changes; `customer` is one the user may see
    (read through customer_get or customer_360), as for customer_timeline."""
    return _with_rows(list(customer_changes(user=user, customer=customer)[:limit]), user=user)


def timeline_with_labels(events: list[dict[str, Any]], *, user: User) -> list[dict[str, Any]]:
    """customer_timeline's change events with readable changes (see _with_rows); the "created" entries of
    follow-ups and tasks are left out, as those are events of their own in the timeline."""
    own_events = {_content_type_id(FollowUp), _content_type_id(Task)}
    events = [
        e
        for e in events
        if not (
            e["kind"] == "change"
            and e["obj"].action == AuditLog.Action.CREATE
            and e["obj"].content_type_id in own_events
        )
    ]
    _with_rows([e["obj"] for e in events if e["kind"] == "change"], user=user)
    return events


def customer_tasks(*, user: User, customer: Customer) -> list[Task]:
    """The customer's tasks the user may see (empty without tasks.view)."""
    tasks = scope_children(user, Task.objects.all(), via="customer", parent=customer, or_none=True)
    return list(tasks.select_related("customer", "assignee").order_by("done", "due_at", "id")[:100])


def task_customer_choices(*, user: User, limit: int = 300) -> QuerySet[Customer]:
    """Customers offered in the quick "new task" form: the user's own, most recently updated first."""
    return scope_queryset(user, Customer.objects.filter(owner=user), "view").order_by("-updated_at")[:limit]


def customer_choices(*, user: User) -> QuerySet[Customer]:
    """Every customer the user may see (to validate a chosen id)."""
    return scope_queryset(user, Customer.objects.all(), "view")


# --- REST API reads --------------------------------------------------------------------------
def tags_attach(customers: list[Customer]) -> list[Customer]:
    """Each customer's tags as `tag_list` (by name, as prefetch_related("tags") gives them), from one query and without
    Django's related manager for every row, which cost an API page of 50 customers about 3 ms of CPU."""
    by_customer: dict[int, list[Tag]] = {c.pk: [] for c in customers}
    rows = Tag.objects.filter(customers__in=list(by_customer)).annotate(gx_customer_id=F("customers__id"))
    for tag in rows:
        by_customer[tag.gx_customer_id].append(tag)
    for customer in customers:
        customer.tag_list = by_customer[customer.pk]  # type: ignore[attr-defined]
    return customers


def tags_by_ids(*, ids: Any, field: str = "tag_ids") -> list[Any]:
    """Tags picked by id in an API request; unknown ids name the field."""
    from .models import Tag

    wanted = list(dict.fromkeys(int(i) for i in ids))
    found = {t.pk: t for t in Tag.objects.filter(pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        from django.utils.translation import gettext

        msg = gettext("Unknown tag: %(ids)s") % {"ids": ", ".join(str(i) for i in missing)}
        raise ValidationFailed(msg, fields={field: [msg]})
    return [found[i] for i in wanted]


def customer_overview(*, user: User, pk: Any, timeline_limit: int = 100) -> dict[str, Any]:
    """Customer, contacts and timeline in a fixed number of queries (the API's 360 view): contacts only with
    contacts.view, the timeline as customer_timeline gives it to the user, changes with readable values."""
    data = customer_360(user=user, pk=pk)
    customer = data["customer"]
    timeline = customer_timeline(user=user, customer=customer, limit=timeline_limit)
    describe_changes([e["obj"] for e in timeline if e["kind"] == "change"], reader=user)
    return {
        "customer": customer,
        "contacts": data["contacts"] if has_permission(user, "contacts.view") else [],
        "timeline": timeline,
    }


# --- a leaving user's data (the backup an administrator takes before the hand-over) -------------------------
Table = tuple[list[Any], list[list[Any]]]


def leaver_customers_table(*, user: User, leaving: User) -> Table:
    """The customers the leaver owns, as far as `user` may export customers."""
    qs = scope_queryset(user, Customer.objects.filter(owner=leaving), "export").select_related("department")
    headers = [_("Name"), _("Type"), _("Unified social credit code"), _("Level"), _("Status"), _("Department")]
    headers += [_("Industry"), _("Province"), _("City"), _("Phone"), _("E-mail"), _("Address"), _("Created at")]
    rows = [
        [
            c.name,
            c.get_kind_display(),
            c.credit_code,
            c.get_level_display(),
            c.get_status_display(),
            c.department,
            c.get_industry_display(),
            c.province,
            c.city,
            c.phone,
            c.email,
            c.address,
            local_time(c.created_at),
        ]
        for c in qs.order_by("pk")
    ]
    return headers, rows


def leaver_contacts_table(*, user: User, leaving: User) -> Table:
    """The contacts of the customers the leaver owns."""
    qs = Contact.objects.filter(customer__owner=leaving, customer__deleted_at__isnull=True)
    qs = scope_queryset(user, qs, "export").select_related("customer")
    headers = [_("Customer"), _("Full name"), _("Job title"), _("Mobile"), _("Phone"), _("E-mail"), _("WeChat")]
    headers += [_("Birthday"), _("Decision maker"), _("Remarks")]
    rows = [
        [
            c.customer.name,
            c.name,
            c.title,
            c.mobile,
            c.phone,
            c.email,
            c.wechat,
            c.birthday,
            c.is_decision_maker,
            c.remarks,
        ]
        for c in qs.order_by("customer_id", "pk")
    ]
    return headers, rows


def leaver_follow_ups_table(*, user: User, leaving: User) -> Table:
    """The follow-up records the leaver wrote."""
    qs = scope_queryset(user, FollowUp.objects.filter(author=leaving), "export").select_related("customer", "contact")
    headers = [_("Customer"), _("Contact"), _("Time"), _("Method"), _("Content"), _("Result"), _("Next step")]
    headers += [_("Next follow-up")]
    rows = [
        [
            f.customer.name,
            f.contact.name if f.contact else "",
            local_time(f.occurred_at),
            f.get_method_display(),
            f.content,
            f.result,
            f.next_step,
            f.next_follow_up_on,
        ]
        for f in qs.order_by("occurred_at", "pk")
    ]
    return headers, rows


def leaver_tasks_table(*, user: User, leaving: User) -> Table:
    """The tasks assigned to the leaver, open and done (tasks have no export permission: view decides)."""
    qs = scope_queryset(user, Task.objects.filter(assignee=leaving), "view").select_related("customer")
    headers = [_("Title"), _("Customer"), _("Due"), _("Done"), _("Done at"), _("Description")]
    rows = [
        [
            t.title,
            t.customer.name if t.customer else "",
            local_time(t.due_at),
            t.done,
            local_time(t.done_at),
            t.description,
        ]
        for t in qs.order_by("due_at", "pk")
    ]
    return headers, rows
