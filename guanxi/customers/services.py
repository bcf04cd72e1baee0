"""Every write to customers, contacts, follow-ups and tasks. Permission-checked, transactional, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.core.search import build_search_text
from guanxi.core.services import (
    audit_record,
    check_version,
    model_create,
    model_update,
    notify,
    soft_delete,
    soft_restore,
)
from guanxi.org.models import User
from guanxi.org.policies import (
    ensure_in_scope,
    get_scoped_or_404,
    has_permission,
    require_permission,
    scope_queryset,
)

from .models import Attachment, Contact, Customer, FollowUp, SavedView, Task

CUSTOMER_FIELDS = {
    "kind",
    "name",
    "credit_code",
    "industry",
    "province",
    "city",
    "size",
    "source",
    "level",
    "status",
    "phone",
    "email",
    "website",
    "address",
    "remarks",
    "next_follow_up_on",
}
CONTACT_FIELDS = {
    "name",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "birthday",
    "is_decision_maker",
    "is_primary",
    "remarks",
}
FOLLOW_UP_FIELDS = {"occurred_at", "method", "contact", "content", "result", "next_step", "next_follow_up_on"}
TASK_FIELDS = {"title", "description", "due_at", "customer"}


def _customer_search_text(c: Customer) -> str:
    return build_search_text(names=[c.name], phones=[c.phone], others=[c.email, c.credit_code])


def _contact_search_text(c: Contact) -> str:
    return build_search_text(names=[c.name], phones=[c.mobile, c.phone], others=[c.email, c.wechat])


def _pick(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    return dict(data)


def _normalise_customer(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("credit_code"):
        data["credit_code"] = str(data["credit_code"]).strip().upper()
    if "name" in data and data["name"] is not None:
        data["name"] = " ".join(str(data["name"]).split())
    return data


def _reviewers(department: Any) -> list[User]:
    """Who reviews a department's new customers: its manager and users holding customers.approve there."""
    people: dict[int, User] = {}
    if department is None:
        return []
    if department.manager_id and department.manager.is_active:
        people[department.manager_id] = department.manager
    for user in User.objects.filter(department=department, is_active=True).prefetch_related("roles"):
        if has_permission(user, "customers.approve"):
            people[user.pk] = user
    return list(people.values())


# --- customers -------------------------------------------------------------------------------
def customer_create(
    *,
    actor: User,
    data: dict[str, Any],
    owner: User | None = None,
    collaborators: Iterable[User] = (),
    tags: Iterable[Any] = (),
) -> Customer:
    """Register a customer. The owner defaults to the actor; registering for someone else needs "assign".

    If the owner's department reviews new customers (录入审核) and the actor may not approve,
    the customer stays pending until the department manager or assistant decides.
    """
    require_permission(actor, "customers.create")
    data = _normalise_customer(_pick(data, CUSTOMER_FIELDS))
    owner = owner or actor
    if owner.pk != actor.pk:
        require_permission(actor, "customers.assign")
    with transaction.atomic():
        customer = Customer(**data, owner=owner, department=owner.department, created_by=actor)
        dept = owner.department
        needs_review = bool(dept and dept.requires_customer_review and not has_permission(actor, "customers.approve"))
        if needs_review:
            customer.review_status = Customer.Review.PENDING
        customer.search_text = _customer_search_text(customer)
        model_create(instance=customer, actor=actor, m2m={"collaborators": list(collaborators), "tags": list(tags)})
        ensure_in_scope(actor, customer, "view")
        if needs_review:
            url = reverse("customers:detail", args=[customer.pk])
            for reviewer in _reviewers(dept):
                notify(
                    recipient=reviewer,
                    kind="customer_review",
                    url=url,
                    title=_("New customer to review: %(name)s") % {"name": customer.name},
                    body=_("%(user)s entered this customer; approve or reject it.") % {"user": actor},
                )
    return customer


def customer_update(
    *, actor: User, customer: Customer, data: dict[str, Any], expected_version: int | None = None
) -> Customer:
    """Edit a customer's fields (owner changes go through customer_transfer)."""
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "edit")
    check_version(customer, expected_version)
    data = _normalise_customer(_pick(data, CUSTOMER_FIELDS | {"collaborators", "tags"}))
    with transaction.atomic():
        customer, changes = model_update(instance=customer, data=data, actor=actor)
        if {"name", "phone", "email", "credit_code"} & changes.keys():
            customer.search_text = _customer_search_text(customer)
            Customer.objects.filter(pk=customer.pk).update(search_text=customer.search_text)
        ensure_in_scope(actor, customer, "view")
    return customer


def customer_transfer(
    *, actor: User, customer_ids: Iterable[int], new_owner: User, keep_as_collaborator: bool = False
) -> tuple[int, int]:
    """Hand customers to another owner. Returns (moved, skipped) where skipped are out of the actor's reach."""
    require_permission(actor, "customers.assign")
    if not new_owner.is_active:
        raise ValidationFailed(_("The new owner's account is closed."), fields={"owner": [_("Choose an active user.")]})
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    moved = 0
    with transaction.atomic():
        allowed = scope_queryset(actor, Customer.objects.filter(pk__in=ids), "assign").select_for_update()
        for customer in allowed:
            old_owner = customer.owner
            if old_owner and old_owner.pk == new_owner.pk:
                continue
            model_update(
                instance=customer,
                data={"owner": new_owner, "department": new_owner.department},
                actor=actor,
                audit=False,
            )
            if keep_as_collaborator and old_owner:
                customer.collaborators.add(old_owner)
            audit_record(
                actor=actor,
                action=AuditLog.Action.TRANSFER,
                obj=customer,
                changes={"owner": [str(old_owner) if old_owner else None, str(new_owner)]},
            )
            moved += 1
        if moved:
            notify(
                recipient=new_owner,
                kind="customer_transfer",
                url=reverse("customers:list") + "?scene=mine",
                title=_("%(count)s customer(s) were handed to you") % {"count": moved},
                body=_("Handed over by %(user)s.") % {"user": actor},
            )
    return moved, len(ids) - moved


def customer_delete(*, actor: User, customer: Customer) -> None:
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "delete")
    with transaction.atomic():
        soft_delete(instance=customer, actor=actor)


def customer_restore(*, actor: User, customer_id: int) -> Customer:
    customer = get_scoped_or_404(actor, Customer.all_objects.filter(deleted_at__isnull=False), customer_id, "delete")
    with transaction.atomic():
        soft_restore(instance=customer, actor=actor)
    return customer


def customer_review(*, actor: User, customer: Customer, approve: bool, reason: str = "") -> Customer:
    """The department manager or assistant approves or rejects a pending customer (rejection needs a reason)."""
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "approve")
    if customer.review_status != Customer.Review.PENDING:
        raise InvalidStateError(_("This customer is not waiting for review."))
    if not approve and not reason.strip():
        raise ValidationFailed(_("Give a reason for the rejection."), fields={"reason": [_("This field is required.")]})
    with transaction.atomic():
        status = Customer.Review.ACTIVE if approve else Customer.Review.REJECTED
        model_update(
            instance=customer, data={"review_status": status, "review_reason": reason.strip()}, actor=actor, audit=False
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.APPROVE if approve else AuditLog.Action.REJECT,
            obj=customer,
            changes={"review_status": [Customer.Review.PENDING, status]},
            message=reason,
        )
        if customer.created_by and customer.created_by.pk != actor.pk:
            title = (_("Customer approved: %(name)s") if approve else _("Customer rejected: %(name)s")) % {
                "name": customer.name
            }
            notify(
                recipient=customer.created_by,
                kind="customer_review_result",
                title=title,
                body=reason,
                url=reverse("customers:detail", args=[customer.pk]),
            )
    return customer


# --- contacts --------------------------------------------------------------------------------
def _customer_for(actor: User, customer_id: int, perm: str) -> Customer:
    """The customer a contact/follow-up/task hangs off, within the actor's scope for `perm`."""
    module, _dot, action = perm.partition(".")
    return get_scoped_or_404(actor, Customer.objects.all(), customer_id, action, module=module)


def contact_create(*, actor: User, customer: Customer, data: dict[str, Any]) -> Contact:
    customer = _customer_for(actor, customer.pk, "contacts.create")
    data = _pick(data, CONTACT_FIELDS)
    with transaction.atomic():
        contact = Contact(customer=customer, **data)
        contact.name = (contact.name or "").strip()
        contact.search_text = _contact_search_text(contact)
        model_create(instance=contact, actor=actor)
        if contact.is_primary:
            Contact.objects.filter(customer=customer).exclude(pk=contact.pk).update(is_primary=False)
    return contact


def contact_update(
    *, actor: User, contact: Contact, data: dict[str, Any], expected_version: int | None = None
) -> Contact:
    contact = get_scoped_or_404(actor, Contact.objects.all(), contact.pk, "edit")
    check_version(contact, expected_version)
    data = _pick(data, CONTACT_FIELDS)
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    with transaction.atomic():
        contact, changes = model_update(instance=contact, data=data, actor=actor)
        if {"name", "mobile", "phone", "email", "wechat"} & changes.keys():
            Contact.objects.filter(pk=contact.pk).update(search_text=_contact_search_text(contact))
        if changes.get("is_primary", [None, False])[1]:
            Contact.objects.filter(customer_id=contact.customer_id).exclude(pk=contact.pk).update(is_primary=False)
    return contact


def contact_delete(*, actor: User, contact: Contact) -> None:
    contact = get_scoped_or_404(actor, Contact.objects.all(), contact.pk, "delete")
    with transaction.atomic():
        soft_delete(instance=contact, actor=actor)


# --- follow-ups ------------------------------------------------------------------------------
def _check_attachments(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    files = list(files)
    for f in files:
        if f.size and f.size > settings.GUANXI_ATTACHMENT_MAX_BYTES:
            raise ValidationFailed(
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": f.name, "mb": settings.GUANXI_ATTACHMENT_MAX_BYTES // 2**20},
                fields={"attachments": [_("File too large.")]},
            )
    return files


def _touch_customer_contact(customer: Customer, follow_up: FollowUp) -> None:
    """A follow-up moves the customer's last contact forward (never back) and sets its next follow-up."""
    updates: dict[str, Any] = {}
    if customer.last_contact_at is None or follow_up.occurred_at > customer.last_contact_at:
        updates["last_contact_at"] = follow_up.occurred_at
    if follow_up.next_follow_up_on and follow_up.occurred_at >= (customer.last_contact_at or follow_up.occurred_at):
        updates["next_follow_up_on"] = follow_up.next_follow_up_on
    if customer.status == Customer.Status.POTENTIAL:
        updates["status"] = Customer.Status.FOLLOWING
    if updates:
        Customer.objects.filter(pk=customer.pk).update(**updates, updated_at=timezone.now())
        for k, v in updates.items():
            setattr(customer, k, v)


def follow_up_create(
    *, actor: User, customer: Customer, data: dict[str, Any], attachments: Iterable[UploadedFile] = ()
) -> FollowUp:
    """Log an interaction; the customer's last contact time moves to it."""
    customer = _customer_for(actor, customer.pk, "followups.create")
    data = _pick(data, FOLLOW_UP_FIELDS)
    contact = data.get("contact")
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationFailed(
            _("That contact belongs to another customer."),
            fields={"contact": [_("Choose a contact of this customer.")]},
        )
    if data.get("occurred_at") and data["occurred_at"] > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed(
            _("A follow-up cannot be in the future."),
            fields={"occurred_at": [_("A follow-up cannot be in the future.")]},
        )
    files = _check_attachments(attachments)
    with transaction.atomic():
        follow_up = FollowUp(customer=customer, author=actor, **data)
        model_create(instance=follow_up, actor=actor)
        for f in files:
            Attachment.objects.create(
                follow_up=follow_up, file=f, name=(f.name or "file")[:200], size=f.size or 0, uploaded_by=actor
            )
        _touch_customer_contact(customer, follow_up)
    return follow_up


def _own_follow_up(actor: User, follow_up: FollowUp, action: str) -> FollowUp:
    follow_up = get_scoped_or_404(actor, FollowUp.objects.all(), follow_up.pk, action)
    if follow_up.author_id != actor.pk:
        raise PermissionDeniedError(_("Only the author may change a follow-up record."))
    return follow_up


def follow_up_update(
    *, actor: User, follow_up: FollowUp, data: dict[str, Any], expected_version: int | None = None
) -> FollowUp:
    """Correct one's own follow-up record (nobody edits another person's records)."""
    follow_up = _own_follow_up(actor, follow_up, "edit")
    check_version(follow_up, expected_version)
    data = _pick(data, FOLLOW_UP_FIELDS)
    with transaction.atomic():
        follow_up, changes = model_update(instance=follow_up, data=data, actor=actor)
        if "occurred_at" in changes or "next_follow_up_on" in changes:
            _touch_customer_contact(follow_up.customer, follow_up)
    return follow_up


def follow_up_delete(*, actor: User, follow_up: FollowUp) -> None:
    follow_up = _own_follow_up(actor, follow_up, "delete")
    with transaction.atomic():
        soft_delete(instance=follow_up, actor=actor)


# --- tasks -----------------------------------------------------------------------------------
def task_create(*, actor: User, data: dict[str, Any], assignee: User | None = None) -> Task:
    """Create a to-do. Giving it to someone else needs "tasks.assign"; a customer must be within reach."""
    require_permission(actor, "tasks.create")
    data = _pick(data, TASK_FIELDS)
    assignee = assignee or actor
    if assignee.pk != actor.pk:
        require_permission(actor, "tasks.assign")
    if data.get("customer") is not None:
        data["customer"] = _customer_for(actor, data["customer"].pk, "customers.view")
    with transaction.atomic():
        task = Task(assignee=assignee, created_by=actor, **data)
        model_create(instance=task, actor=actor)
        if assignee.pk != actor.pk:
            notify(
                recipient=assignee,
                kind="task_assigned",
                url=reverse("customers:my_day"),
                title=_("New task: %(title)s") % {"title": task.title},
                body=_("From %(user)s, due %(due)s")
                % {"user": actor, "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
            )
    return task


def task_update(*, actor: User, task: Task, data: dict[str, Any], expected_version: int | None = None) -> Task:
    task = get_scoped_or_404(actor, Task.objects.all(), task.pk, "edit")
    check_version(task, expected_version)
    data = _pick(data, TASK_FIELDS | {"done"})
    if data.get("customer") is not None:
        data["customer"] = _customer_for(actor, data["customer"].pk, "customers.view")
    if "done" in data:
        data["done_at"] = timezone.now() if data["done"] else None
    if "due_at" in data:  # a new due time deserves new reminders
        data["reminded_due_at"] = None
        data["reminded_overdue_at"] = None
    with transaction.atomic():
        task, _changes = model_update(instance=task, data=data, actor=actor)
    return task


def task_set_done(*, actor: User, task: Task, done: bool = True) -> Task:
    return task_update(actor=actor, task=task, data={"done": done})


def task_delete(*, actor: User, task: Task) -> None:
    task = get_scoped_or_404(actor, Task.objects.all(), task.pk, "delete")
    with transaction.atomic():
        soft_delete(instance=task, actor=actor)


def task_send_reminders(*, now: dt.datetime | None = None, due_within_minutes: int = 60) -> dict[str, int]:
    """Remind assignees of tasks due soon and of overdue ones, once each (the worker runs this)."""
    now = now or timezone.now()
    soon = Task.objects.filter(
        done=False,
        reminded_due_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + dt.timedelta(minutes=due_within_minutes),
    ).select_related("assignee")
    overdue = Task.objects.filter(done=False, reminded_overdue_at__isnull=True, due_at__lte=now).select_related(
        "assignee"
    )
    sent = {"due": 0, "overdue": 0}
    url = reverse("customers:my_day")
    for task in soon:
        with transaction.atomic():
            if notify(
                recipient=task.assignee,
                kind="task_due",
                url=url,
                dedupe_key=f"task_due:{task.pk}:{task.due_at:%s}",
                title=_("Due soon: %(title)s") % {"title": task.title},
                body=_("Due at %(due)s") % {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
            ):
                sent["due"] += 1
            Task.objects.filter(pk=task.pk).update(reminded_due_at=now)
    for task in overdue:
        with transaction.atomic():
            if notify(
                recipient=task.assignee,
                kind="task_overdue",
                url=url,
                level="warning",
                dedupe_key=f"task_overdue:{task.pk}:{task.due_at:%s}",
                title=_("Overdue: %(title)s") % {"title": task.title},
                body=_("Was due at %(due)s") % {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
            ):
                sent["overdue"] += 1
            Task.objects.filter(pk=task.pk).update(reminded_overdue_at=now, reminded_due_at=now)
    return sent


# --- hand-over when a user leaves ------------------------------------------------------------
def customers_hand_over(*, actor: User, leaving: User, successor: User) -> dict[str, int]:
    """Move a leaver's customers (with their contacts) and open tasks to the successor; audit each."""
    counts = {"customers": 0, "tasks": 0}
    for customer in Customer.objects.filter(owner=leaving).select_for_update():
        model_update(
            instance=customer, data={"owner": successor, "department": successor.department}, actor=actor, audit=False
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=customer,
            changes={"owner": [str(leaving), str(successor)]},
        )
        counts["customers"] += 1
    for task in Task.objects.filter(assignee=leaving, done=False):
        model_update(instance=task, data={"assignee": successor}, actor=actor)
        counts["tasks"] += 1
    Customer.collaborators.through.objects.filter(user=leaving).delete()
    if counts["customers"] or counts["tasks"]:
        notify(
            recipient=successor,
            kind="handover",
            url=reverse("customers:list") + "?scene=mine",
            title=_("You took over %(customers)s customers and %(tasks)s tasks from %(user)s")
            % {"customers": counts["customers"], "tasks": counts["tasks"], "user": leaving},
        )
    return counts


# --- saved views -----------------------------------------------------------------------------
def saved_view_save(
    *, actor: User, name: str, query: str, list_name: str = "customers", is_default: bool = False
) -> SavedView:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the view a name."), fields={"name": [_("This field is required.")]})
    with transaction.atomic():
        view, _created = SavedView.objects.update_or_create(
            user=actor, list_name=list_name, name=name[:100], defaults={"query": query[:2000], "is_default": is_default}
        )
        if is_default:
            SavedView.objects.filter(user=actor, list_name=list_name).exclude(pk=view.pk).update(is_default=False)
    return view


def saved_view_delete(*, actor: User, view_id: int) -> None:
    SavedView.objects.filter(user=actor, pk=view_id).delete()
