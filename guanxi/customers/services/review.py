"""New-customer review (录入审核): sending a pending customer to the approval engine, deciding, resubmitting.

The document kind and its default rule are in `customers.review`; the engine calls back
`customer_review_decided` when a request ends.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.approvals.models import ApprovalRequest
from guanxi.approvals.selectors import approval_applicant_id, approval_open_for, can_decide
from guanxi.approvals.services import (
    approval_approve,
    approval_close_decided_elsewhere,
    approval_reject,
    approval_submit,
)
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_update, notify
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, has_permission

from ..models import Customer
from ..review import REVIEW_KIND, review_facts

logger = logging.getLogger(__name__)


def customer_reviewers(department: Any) -> list[User]:
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


def customer_review_request(*, actor: User, customer: Customer) -> ApprovalRequest | None:
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
    for reviewer in customer_reviewers(customer.department):
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
    if request is None or not can_decide(actor, request):
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
    applicant_id = approval_applicant_id(customer)
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
    were told instead (see customer_review_request).
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
        return customer_review_request(actor=actor, customer=customer)
