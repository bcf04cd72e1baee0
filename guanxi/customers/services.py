"""Every write to customers, contacts, follow-ups and tasks. Permission-checked, transactional, audited."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.approvals.models import ApprovalRequest
from guanxi.approvals.selectors import approval_open_for, pending_assignment
from guanxi.approvals.services import (
    approval_approve,
    approval_close_decided_elsewhere,
    approval_reject,
    approval_submit,
)
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
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

from .dedupe import services as dedupe
from .models import CUSTOMER_EDITABLE_FIELDS, Attachment, Contact, Customer, FollowUp, SavedView, Task
from .review import REVIEW_KIND, review_facts

logger = logging.getLogger(__name__)

CUSTOMER_FIELDS = set(CUSTOMER_EDITABLE_FIELDS)
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
    entry_path: str = "ui",
    confirm_warnings: bool = False,
) -> Customer:
    """Register a customer. The owner defaults to the actor; registering for someone else needs "assign".

    The duplicate check runs first (dedupe.dedupe_enforce): a BLOCK match refuses it (409, and a
    registration conflict when someone else has the customer); warnings need confirm_warnings=True.

    If the owner's department reviews new customers (录入审核) and the actor may not approve,
    the customer stays pending and goes to the approval engine ("customer_review": by default the
    department manager or assistant decides); see _review_route for the fallback.
    """
    require_permission(actor, "customers.create")
    data = _normalise_customer(_pick(data, CUSTOMER_FIELDS))
    owner = owner or actor
    if owner.pk != actor.pk:
        require_permission(actor, "customers.assign")
    dedupe.dedupe_enforce(actor=actor, data=data, entry_path=entry_path, confirm_warnings=confirm_warnings)
    with transaction.atomic():
        customer = Customer(**data, owner=owner, department=owner.department, created_by=actor)
        dept = owner.department
        needs_review = bool(dept and dept.requires_customer_review and not has_permission(actor, "customers.approve"))
        if needs_review:
            customer.review_status = Customer.Review.PENDING
        customer.search_text = _customer_search_text(customer)
        model_create(instance=customer, actor=actor, m2m={"collaborators": list(collaborators), "tags": list(tags)})
        dedupe.customer_keys_sync(customer=customer)
        ensure_in_scope(actor, customer, "view")
        if needs_review:
            _review_route(actor=actor, customer=customer)
    return customer


def customer_update(
    *,
    actor: User,
    customer: Customer,
    data: dict[str, Any],
    expected_version: int | None = None,
    confirm_warnings: bool = False,
) -> Customer:
    """Edit a customer's fields (owner changes go through customer_transfer). Changed name, credit
    code, phone or e-mail are checked for duplicates like a new customer (see customer_create)."""
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "edit")
    check_version(customer, expected_version)
    data = _normalise_customer(_pick(data, CUSTOMER_FIELDS | {"collaborators", "tags"}))
    changed_keys = {k: v for k, v in data.items() if k in dedupe.KEY_FIELDS and v != getattr(customer, k)}
    if "kind" in changed_keys:  # a person becoming a company gets a name key
        changed_keys.setdefault("name", customer.name)
    if changed_keys:
        dedupe.dedupe_enforce(
            actor=actor,
            data={"kind": data.get("kind", customer.kind), **changed_keys},
            exclude_customer_id=customer.pk,
            entry_path="edit",
            confirm_warnings=confirm_warnings,
        )
    with transaction.atomic():
        customer, changes = model_update(instance=customer, data=data, actor=actor, expected_version=expected_version)
        if {"name", "phone", "email", "credit_code"} & changes.keys():
            customer.search_text = _customer_search_text(customer)
            Customer.objects.filter(pk=customer.pk).update(search_text=customer.search_text)
        if dedupe.KEY_FIELDS & changes.keys():
            dedupe.customer_keys_sync(customer=customer)
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
        allowed = scope_queryset(actor, Customer.objects.filter(pk__in=ids), "assign").select_for_update(of=("self",))
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
                title=Message(gettext_noop("%(count)s customer(s) were handed to you"), {"count": moved}),
                body=Message(gettext_noop("Handed over by %(user)s."), {"user": actor}),
            )
    return moved, len(ids) - moved


def customer_delete(*, actor: User, customer: Customer, expected_version: int | None = None) -> None:
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "delete")
    check_version(customer, expected_version)
    with transaction.atomic():
        soft_delete(instance=customer, actor=actor, expected_version=expected_version)


def customer_restore(*, actor: User, customer_id: int) -> Customer:
    customer = get_scoped_or_404(actor, Customer.all_objects.filter(deleted_at__isnull=False), customer_id, "delete")
    # Someone may have registered the same customer meanwhile: the live one wins.
    dedupe.dedupe_enforce(
        actor=actor,
        data={f: getattr(customer, f) for f in dedupe.KEY_FIELDS},
        exclude_customer_id=customer.pk,
        record_conflicts=False,
        blocks_only=True,
    )
    with transaction.atomic():
        soft_restore(instance=customer, actor=actor)
    return customer


def _review_route(*, actor: User, customer: Customer) -> ApprovalRequest | None:
    """Send a pending customer to the approval engine (the engine tells the approvers).

    When the engine refuses (no active rule, or nobody can approve a step), the customer still stays
    pending and, as before the engine, the department's manager and its users with customers.approve are
    told; they decide through customer_review. Runs inside the caller's transaction.
    """
    try:
        with transaction.atomic():
            return approval_submit(
                actor=actor, document=customer, kind=REVIEW_KIND, facts=review_facts(customer), title=customer.name
            )
    except ValidationFailed as exc:
        logger.warning(
            "Customer %s: the approval engine refused the new-customer review (%s); "
            "notifying the department's reviewers instead.",
            customer.pk,
            exc.message,
        )
    url = reverse("customers:detail", args=[customer.pk])
    for reviewer in _reviewers(customer.department):
        notify(
            recipient=reviewer,
            kind="customer_review",
            url=url,
            title=Message(gettext_noop("New customer to review: %(name)s"), {"name": customer.name}),
            body=Message(gettext_noop("%(user)s entered this customer; approve or reject it."), {"user": actor}),
        )
    return None


def _review_by_engine(*, actor: User, customer: Customer, approve: bool, reason: str) -> Customer | None:
    """Decide as an approver of the customer's open review request; None when the actor is not one."""
    request = approval_open_for(customer)
    if request is None or pending_assignment(actor, request) is None:
        return None
    customer = Customer.objects.get(pk=customer.pk)
    if customer.review_status != Customer.Review.PENDING:
        raise InvalidStateError(_("This customer is not waiting for review."))
    if approve:
        approval_approve(actor=actor, request=request, comment=reason)
    else:
        if not reason:
            raise ValidationFailed(
                _("Give a reason for the rejection."), fields={"reason": [_("This field is required.")]}
            )
        approval_reject(actor=actor, request=request, comment=reason)
    customer.refresh_from_db()
    return customer


def customer_review(*, actor: User, customer: Customer, approve: bool, reason: str = "") -> Customer:
    """Approve or reject a pending customer (rejection needs a reason).

    An approver of the customer's open review request decides through the approval engine (its
    on_decided, customer_review_decided, changes the customer). Anyone else needs customers.approve within
    scope and decides directly, as before the engine; the open request then ends with the same outcome and
    leaves the approvers' inboxes.
    """
    reason = (reason or "").strip()
    decided = _review_by_engine(actor=actor, customer=customer, approve=approve, reason=reason)
    if decided is not None:
        return decided
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
        open_request = approval_open_for(customer)
        if open_request is not None:
            approval_close_decided_elsewhere(actor=actor, request=open_request, approved=approve, comment=reason)
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


def customer_review_decided(*, document: Customer, outcome: str, actor: User, comment: str) -> None:
    """The approval engine ended a customer's review request (its on_decided; inside its transaction).

    approved → active; rejected → rejected with the comment as the reason; returned → stays pending with
    the comment shown, the owner or creator resubmits after editing; withdrawn → stays pending, resubmittable.
    A customer someone already decided directly keeps that decision.
    """
    customer = document
    if customer.review_status != Customer.Review.PENDING:
        logger.info(
            "Customer %s was already decided (%s); the review request ended %s.",
            customer.pk,
            customer.review_status,
            outcome,
        )
        return
    comment = (comment or "").strip()
    if outcome in (ApprovalRequest.Status.APPROVED, ApprovalRequest.Status.REJECTED):
        approved = outcome == ApprovalRequest.Status.APPROVED
        status = Customer.Review.ACTIVE if approved else Customer.Review.REJECTED
        model_update(
            instance=customer, data={"review_status": status, "review_reason": comment[:300]}, actor=actor, audit=False
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.APPROVE if approved else AuditLog.Action.REJECT,
            obj=customer,
            changes={"review_status": [Customer.Review.PENDING, status]},
            message=comment,
        )
    elif outcome == ApprovalRequest.Status.RETURNED:
        model_update(instance=customer, data={"review_reason": comment[:300]}, actor=actor, audit=False)
    # The engine tells the applicant; the creator is told here when someone else (the owner) resubmitted.
    applicant_id = (
        ApprovalRequest.objects.filter(kind=REVIEW_KIND, object_id=customer.pk)
        .order_by("-submitted_at", "-id")
        .values_list("applicant_id", flat=True)
        .first()
    )
    creator = customer.created_by
    if creator is None or creator.pk in (actor.pk, applicant_id) or outcome == ApprovalRequest.Status.WITHDRAWN:
        return
    titles = {
        ApprovalRequest.Status.APPROVED: _("Customer approved: %(name)s"),
        ApprovalRequest.Status.REJECTED: _("Customer rejected: %(name)s"),
        ApprovalRequest.Status.RETURNED: _("Customer returned for changes: %(name)s"),
    }
    notify(
        recipient=creator,
        kind="customer_review_result",
        title=titles[outcome] % {"name": customer.name},  # type: ignore[index]
        body=comment,
        url=reverse("customers:detail", args=[customer.pk]),
    )


def customer_review_resubmit(*, actor: User, customer: Customer) -> ApprovalRequest | None:
    """The owner or creator sends a customer returned for changes (or withdrawn) to review again.

    Returns the new approval request, or None when the engine refused and the department's reviewers
    were told instead (see _review_route).
    """
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "edit")
    if actor.pk not in (customer.owner_id, customer.created_by_id):
        raise PermissionDeniedError(_("Only the owner or the person who entered this customer can resubmit it."))
    with transaction.atomic():
        customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
        if customer.review_status != Customer.Review.PENDING:
            raise InvalidStateError(_("This customer is not waiting for review."))
        latest = (
            ApprovalRequest.objects.filter(kind=REVIEW_KIND, object_id=customer.pk)
            .order_by("-submitted_at", "-id")
            .first()
        )
        if latest is None or latest.status not in (
            ApprovalRequest.Status.RETURNED,
            ApprovalRequest.Status.WITHDRAWN,
        ):
            raise InvalidStateError(_("Only a customer returned for changes or withdrawn can be resubmitted."))
        model_update(instance=customer, data={"review_reason": ""}, actor=actor, audit=False)
        return _review_route(actor=actor, customer=customer)


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
        dedupe.contact_keys_sync(contact=contact)
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
        contact, changes = model_update(instance=contact, data=data, actor=actor, expected_version=expected_version)
        if {"name", "mobile", "phone", "email", "wechat"} & changes.keys():
            Contact.objects.filter(pk=contact.pk).update(search_text=_contact_search_text(contact))
        if {"mobile", "phone", "email"} & changes.keys():
            dedupe.contact_keys_sync(contact=contact)
        if changes.get("is_primary", [None, False])[1]:
            Contact.objects.filter(customer_id=contact.customer_id).exclude(pk=contact.pk).update(is_primary=False)
    return contact


def contact_delete(*, actor: User, contact: Contact, expected_version: int | None = None) -> None:
    contact = get_scoped_or_404(actor, Contact.objects.all(), contact.pk, "delete")
    check_version(contact, expected_version)
    with transaction.atomic():
        soft_delete(instance=contact, actor=actor, expected_version=expected_version)
        dedupe.contact_keys_delete(contact=contact)


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
        updates["pool_warning"] = 0  # the public-pool clock restarts, so do its warnings
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
        follow_up, changes = model_update(instance=follow_up, data=data, actor=actor, expected_version=expected_version)
        if "occurred_at" in changes or "next_follow_up_on" in changes:
            _touch_customer_contact(follow_up.customer, follow_up)
    return follow_up


def follow_up_delete(*, actor: User, follow_up: FollowUp, expected_version: int | None = None) -> None:
    follow_up = _own_follow_up(actor, follow_up, "delete")
    check_version(follow_up, expected_version)
    with transaction.atomic():
        soft_delete(instance=follow_up, actor=actor, expected_version=expected_version)


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
                title=Message(gettext_noop("New task: %(title)s"), {"title": task.title}),
                body=Message(
                    gettext_noop("From %(user)s, due %(due)s"),
                    {"user": actor, "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
                ),
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
        task, _changes = model_update(instance=task, data=data, actor=actor, expected_version=expected_version)
    return task


def task_set_done(*, actor: User, task: Task, done: bool = True) -> Task:
    return task_update(actor=actor, task=task, data={"done": done})


def task_delete(*, actor: User, task: Task, expected_version: int | None = None) -> None:
    task = get_scoped_or_404(actor, Task.objects.all(), task.pk, "delete")
    check_version(task, expected_version)
    with transaction.atomic():
        soft_delete(instance=task, actor=actor, expected_version=expected_version)


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
                dedupe_key=f"task_due:{task.pk}:{int(task.due_at.timestamp())}",
                title=Message(gettext_noop("Due soon: %(title)s"), {"title": task.title}),
                body=Message(
                    gettext_noop("Due at %(due)s"), {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")}
                ),
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
                dedupe_key=f"task_overdue:{task.pk}:{int(task.due_at.timestamp())}",
                title=Message(gettext_noop("Overdue: %(title)s"), {"title": task.title}),
                body=Message(
                    gettext_noop("Was due at %(due)s"),
                    {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
                ),
            ):
                sent["overdue"] += 1
            Task.objects.filter(pk=task.pk).update(reminded_overdue_at=now, reminded_due_at=now)
    return sent


# --- hand-over when a user leaves ------------------------------------------------------------
def customers_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """Move a leaver's customers (their contacts, follow-ups and history go with them) to the successor and
    the successor's department, audited per customer; the leaver stops collaborating on any customer."""
    moved = 0
    for customer in Customer.objects.filter(owner=leaving).select_for_update(of=("self",)):
        model_update(
            instance=customer, data={"owner": successor, "department": successor.department}, actor=actor, audit=False
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=customer,
            changes={"owner": [str(leaving), str(successor)]},
        )
        moved += 1
    Customer.collaborators.through.objects.filter(user=leaving).delete()
    return moved


def tasks_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """Give a leaver's open tasks to the successor (done ones keep the leaver's name), audited per task."""
    moved = 0
    for task in Task.objects.filter(assignee=leaving, done=False).select_for_update(of=("self",)):
        model_update(instance=task, data={"assignee": successor}, actor=actor)
        moved += 1
    return moved


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


# --- tags, bulk actions, the customer form, export (web UI) ----------------------------------
def _tag_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("A tag needs a name."), fields={"tags": [_("A tag needs a name.")]})
    if len(name) > 50:
        raise ValidationFailed(
            _("Tag names are at most 50 characters."), fields={"tags": [_("Tag names are at most 50 characters.")]}
        )
    return name


def tag_get_or_create(*, actor: User, name: str) -> Any:
    """The tag with this name (case-insensitive), created if missing; needs customers.create or .edit."""
    from .models import Tag

    if not (has_permission(actor, "customers.create") or has_permission(actor, "customers.edit")):
        raise PermissionDeniedError(_("You do not have permission to create tags."))
    name = _tag_name(name)
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        return model_create(instance=Tag(name=name), actor=actor)


def customer_save(
    *,
    actor: User,
    data: dict[str, Any],
    customer: Customer | None = None,
    owner: User | None = None,
    collaborators: Iterable[User] = (),
    tags: Iterable[Any] = (),
    new_tags: Iterable[str] = (),
    expected_version: int | None = None,
    confirm_warnings: bool = False,
) -> Customer:
    """What the customer form saves, all or nothing: new tags, the customer (created or updated, with
    tags and collaborators) and, on an edit, an owner change (a transfer, so it needs "assign").

    The duplicate check runs first, outside the transaction, exactly as customer_create/customer_update
    run it: a refused registration stays on record as a conflict although nothing else is saved.
    """
    names = [_tag_name(n) for n in new_tags if n.strip()]
    clean = _normalise_customer(_pick(dict(data), CUSTOMER_FIELDS))
    if customer is None:
        require_permission(actor, "customers.create")
        if owner is not None and owner.pk != actor.pk:
            require_permission(actor, "customers.assign")
        dedupe.dedupe_enforce(actor=actor, data=clean, entry_path="ui", confirm_warnings=confirm_warnings)
    else:
        current = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "edit")
        check_version(current, expected_version)
        changed = {k: v for k, v in clean.items() if k in dedupe.KEY_FIELDS and v != getattr(current, k)}
        if "kind" in changed:
            changed.setdefault("name", current.name)
        if changed:
            dedupe.dedupe_enforce(
                actor=actor,
                data={"kind": clean.get("kind", current.kind), **changed},
                exclude_customer_id=current.pk,
                entry_path="edit",
                confirm_warnings=confirm_warnings,
            )
    with transaction.atomic():
        all_tags = list(tags) + [tag_get_or_create(actor=actor, name=n) for n in names]
        all_tags = list({t.pk: t for t in all_tags}.values())
        if customer is None:
            return customer_create(
                actor=actor,
                data=clean,
                owner=owner,
                collaborators=list(collaborators),
                tags=all_tags,
                confirm_warnings=True,  # checked above
            )
        customer = customer_update(
            actor=actor,
            customer=customer,
            data={**clean, "tags": all_tags, "collaborators": list(collaborators)},
            expected_version=expected_version,
            confirm_warnings=True,  # checked above
        )
        if owner is not None and owner.pk != customer.owner_id:
            moved, _skipped = customer_transfer(actor=actor, customer_ids=[customer.pk], new_owner=owner)
            if not moved:
                raise PermissionDeniedError(_("You may not hand this customer to someone else."))
            customer.refresh_from_db()
    return customer


def customer_bulk_delete(*, actor: User, customer_ids: Iterable[int]) -> tuple[int, int]:
    """Move customers to the recycle bin. Returns (deleted, skipped): skipped are out of the actor's reach."""
    require_permission(actor, "customers.delete")
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    deleted = 0
    with transaction.atomic():
        for customer in scope_queryset(actor, Customer.objects.filter(pk__in=ids), "delete"):
            soft_delete(instance=customer, actor=actor)
            deleted += 1
    return deleted, len(ids) - deleted


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def customer_export(*, actor: User, filters: Any, fmt: str) -> tuple[bytes, str, str]:
    """The customers of a list view (its filters, or `ids` for a selection) as CSV or XLSX, formula-safe.

    Needs customers.export and reads with the export data scope; writes one EXPORT audit row with the
    filters and the row count. Returns (content, content type, file name).
    """
    from django.http import QueryDict

    from guanxi.core.export import to_csv, to_xlsx
    from guanxi.core.services import audit_value

    from . import selectors

    require_permission(actor, "customers.export")
    if fmt not in EXPORT_TYPES:
        raise ValidationFailed(_("Choose CSV or XLSX."), fields={"fmt": [_("Choose CSV or XLSX.")]})
    params: Any
    if isinstance(filters, QueryDict):  # a web query string: multi-valued keys stay lists
        params = filters.copy()
        ids = params.getlist("ids")
    else:
        params = dict(filters or {})
        raw_ids = params.get("ids")
        ids = [raw_ids] if isinstance(raw_ids, str | int) else list(raw_ids or [])
    for key in ("ids", "page", "per_page", "fmt", "csrfmiddlewaretoken"):
        params.pop(key, None)
    if any(not str(i).isdigit() or len(str(i)) > 18 for i in ids):
        raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
    qs = selectors.customer_list(user=actor, filters=params, action="export")
    if isinstance(params, QueryDict):
        params = {k: v if len(v) > 1 else v[0] for k, v in params.lists()}
    if ids:
        qs = qs.filter(pk__in=[int(i) for i in ids])
    headers = [
        _("Name"),
        _("Type"),
        _("Unified social credit code"),
        _("Level"),
        _("Status"),
        _("Owner"),
        _("Department"),
        _("Industry"),
        _("Province"),
        _("City"),
        _("Source"),
        _("Phone"),
        _("E-mail"),
        _("Tags"),
        _("Last contact"),
        _("Next follow-up"),
        _("Created at"),
        _("Updated at"),
    ]

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    rows = [
        [
            c.name,
            c.get_kind_display(),
            c.credit_code,
            c.get_level_display(),
            c.get_status_display(),
            str(c.owner) if c.owner else "",
            str(c.department) if c.department else "",
            c.industry,
            c.province,
            c.city,
            c.get_source_display() if c.source else "",
            c.phone,
            c.email,
            ", ".join(t.name for t in c.tags.all()),
            local(c.last_contact_at),
            c.next_follow_up_on,
            local(c.created_at),
            local(c.updated_at),
        ]
        for c in qs.iterator(chunk_size=2000)
    ]
    content = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, sheet=str(_("Customers")))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.EXPORT,
            changes={
                "filters": {k: audit_value(v) for k, v in params.items()},
                "ids": [int(i) for i in ids],
                "rows": len(rows),
                "format": fmt,
            },
            message=Message(gettext_noop("Exported %(count)s customers"), {"count": len(rows)}),
        )
    filename = f"customers-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    return content, EXPORT_TYPES[fmt], filename
