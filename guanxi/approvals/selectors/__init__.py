"""Reads of the approval engine: a document's requests, who may see and decide a request, the inbox, rules and
delegations. Rule matching and the route explanation are in `routing` (re-exported here, so
`guanxi.approvals.selectors.<name>` is the one public way in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.registry import ReadRule
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

from ..models import (
    ApprovalAction,
    ApprovalAssignment,
    ApprovalDelegation,
    ApprovalRequest,
    ApprovalRule,
    ApprovalRuleStep,
    ApprovalStep,
)
from .routing import (
    PlannedStep,
    RoutePlan,
    approval_route_explain,
    approval_rule_matching,
    coerce_fact,
    condition_holds,
    delegate_for,
    describe_condition,
    format_fact_value,
    resolve_step_approvers,
)

if TYPE_CHECKING:
    from django.db.models import Model


# --- a document's requests --------------------------------------------------------------------
def _document_q(document: Model) -> Q:
    ct = ContentType.objects.get_for_model(document)
    return Q(content_type=ct, object_id=document.pk)


def approval_open_for(document: Model) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(_document_q(document), status=ApprovalRequest.Status.PENDING).first()


def approval_applicant_id(document: Model) -> int | None:
    """Who applied in the document's latest request. The engine tells the applicant of a decision; a document
    app telling its owner too skips the owner who applied, so one decision gives each person one notification."""
    latest = ApprovalRequest.objects.filter(_document_q(document)).order_by("-submitted_at", "-id")
    return latest.values_list("applicant_id", flat=True).first()


def approval_is_locked(document: Model) -> bool:
    """True while an open request exists (document pages and services refuse edits)."""
    return ApprovalRequest.objects.filter(_document_q(document), status=ApprovalRequest.Status.PENDING).exists()


def _with_details(qs: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return qs.select_related("applicant", "content_type").prefetch_related(
        Prefetch(
            "steps",
            queryset=ApprovalStep.objects.order_by("order").prefetch_related(
                Prefetch(
                    "assignments",
                    queryset=ApprovalAssignment.objects.select_related("user", "on_behalf_of").order_by("id"),
                )
            ),
        ),
        Prefetch(
            "actions",
            queryset=ApprovalAction.objects.select_related("actor", "on_behalf_of", "step").order_by("at", "id"),
        ),
    )


def approver_read_rule(model: str) -> ReadRule:
    """The read rule "an approver reads the documents they decide on": the rows of `model` whose approval
    names the user (or the person they stand in for) as an approver, even outside their data scope or without
    the module's view permission. An app registers it for its documents (core.registry.add_read_rule)."""

    def documents_approved_by(user: User) -> Q:
        content_type = ContentType.objects.get_by_natural_key(*model.split("."))
        assigned = ApprovalAssignment.objects.filter(
            Q(user=user) | Q(on_behalf_of=user), step__request__content_type=content_type
        )
        return Q(pk__in=assigned.values("step__request__object_id"))

    return ReadRule(key=f"approvers:{model}", model=model, rows=documents_approved_by, needs_permission=False)


def approvals_for_document(document: Model) -> QuerySet[ApprovalRequest]:
    """The document's approval history, newest first, with steps, approvers and actions."""
    return _with_details(ApprovalRequest.objects.filter(_document_q(document))).order_by("-submitted_at", "-id")


# --- who may see / act ------------------------------------------------------------------------
def approval_involves(*, user: User, document: Model) -> bool:
    """True when the user approves (or approved, or was delegated) any step of the document's requests (the
    APPROVAL_ENGINE port: a lower app's document page lets its approvers read it)."""
    return ApprovalAssignment.objects.filter(
        Q(user=user) | Q(on_behalf_of=user),
        step__request__content_type=ContentType.objects.get_for_model(document),
        step__request__object_id=document.pk,
    ).exists()


def can_view_request(user: User, request: ApprovalRequest) -> bool:
    if not user.is_authenticated:
        return False
    if request.applicant_id == user.pk or has_permission(user, "org.admin"):
        return True
    return ApprovalAssignment.objects.filter(Q(user=user) | Q(on_behalf_of=user), step__request_id=request.pk).exists()


def current_step(request: ApprovalRequest) -> ApprovalStep | None:
    if not request.is_open:
        return None
    for step in request.steps.all():
        if step.order == request.current_step:
            return step
    return None


def approval_assignments_to_decide(user: User, request: ApprovalRequest) -> QuerySet[ApprovalAssignment]:
    """The user's undecided assignments on the request's current, pending step: what lets them decide it now
    (the services lock these rows to record the decision)."""
    if not request.is_open:
        return ApprovalAssignment.objects.none()
    return ApprovalAssignment.objects.filter(
        user_id=user.pk,
        decision=ApprovalAssignment.Decision.PENDING,
        step__request_id=request.pk,
        step__order=request.current_step,
        step__status=ApprovalStep.Status.PENDING,
    )


def can_decide(user: User, request: ApprovalRequest) -> bool:
    """May this user decide this approval now (approve, reject, return)? The one answer for pages, the API and the
    services. A request read with its steps (`_with_details`) is answered without a query."""
    if "steps" not in getattr(request, "_prefetched_objects_cache", {}):
        return approval_assignments_to_decide(user, request).exists()
    step = current_step(request)
    return (
        step is not None
        and step.status == ApprovalStep.Status.PENDING
        and any(
            a.user_id == user.pk and a.decision == ApprovalAssignment.Decision.PENDING for a in step.assignments.all()
        )
    )


def approval_get_for_user(user: User, pk: Any) -> ApprovalRequest:
    """One request with details for a reader allowed to see it (404 otherwise)."""
    try:
        request = _with_details(ApprovalRequest.objects.all()).get(pk=pk)
    except (ApprovalRequest.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it.")) from None
    if not can_view_request(user, request):
        raise NotFoundError(_("Not found, or you may not see it."))
    return request


# --- inbox -------------------------------------------------------------------------------------
# The inbox's boxes, the list's tabs (the API has all but "all"): 待我审批 / 我已审批 / 我发起的 / all I may read.
INBOX_BOXES = ("pending", "done", "mine", "all")


def _waiting_for(user: User) -> QuerySet[ApprovalAssignment]:
    return ApprovalAssignment.objects.filter(
        user=user,
        decision=ApprovalAssignment.Decision.PENDING,
        step__status=ApprovalStep.Status.PENDING,
        step__request__status=ApprovalRequest.Status.PENDING,
    )


def _decided_by(user: User) -> QuerySet[ApprovalAction]:
    return ApprovalAction.objects.filter(
        actor=user,
        action__in=[ApprovalAction.Action.APPROVE, ApprovalAction.Action.REJECT, ApprovalAction.Action.RETURN],
    )


def approval_box(qs: QuerySet[ApprovalRequest], *, user: User, box: str) -> QuerySet[ApprovalRequest]:
    """The requests of `qs` in one box of the user's inbox; an unknown box is a ValidationFailed naming `box`."""
    if box == "pending":
        return qs.filter(pk__in=_waiting_for(user).values("step__request_id"))
    if box == "done":
        return qs.filter(pk__in=_decided_by(user).values("request_id"))
    if box == "mine":
        return qs.filter(applicant=user)
    if box == "all":
        return qs
    message = _("Unknown box “%(box)s”.") % {"box": box}
    raise ValidationFailed(message, fields={"box": [message]})


def approval_list(*, user: User) -> QuerySet[ApprovalRequest]:
    """Every request the user may read (can_view_request: theirs, those they approve or approved, in person or
    for someone away; all for administrators), with steps, approvers and actions, newest first."""
    qs = ApprovalRequest.objects.all()
    if not has_permission(user, "org.admin"):
        involved = ApprovalAssignment.objects.filter(Q(user=user) | Q(on_behalf_of=user)).values("step__request_id")
        qs = qs.filter(Q(applicant=user) | Q(pk__in=involved))
    return _with_details(qs).order_by("-submitted_at", "-id")


def approval_search(qs: QuerySet[ApprovalRequest], text: str) -> QuerySet[ApprovalRequest]:
    """Requests whose title or applicant's name or user name holds every word of `text`."""
    for term in text.split()[:5]:
        qs = qs.filter(
            Q(title__icontains=term) | Q(applicant__name__icontains=term) | Q(applicant__username__icontains=term)
        )
    return qs


def approvals_pending_for(user: User) -> QuerySet[ApprovalRequest]:
    """Requests whose current step waits for this user (待我审批)."""
    return approval_inbox(user, box="pending")


def approvals_pending_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return _waiting_for(user).values("step__request_id").distinct().count()


def approval_inbox(user: User, *, box: str = "pending", kind: str = "") -> QuerySet[ApprovalRequest]:
    """One box of the user's inbox (not "all": the API's boxes), optionally of one document type, newest first."""
    if box == "all":  # the API has no box for everything: its reader lists one box at a time
        message = _("Unknown box “%(box)s”.") % {"box": box}
        raise ValidationFailed(message, fields={"box": [message]})
    qs = approval_box(_with_details(ApprovalRequest.objects.all()), user=user, box=box)
    return (qs.filter(kind=kind) if kind else qs).order_by("-submitted_at", "-id")


def delegation_get_for_user(user: User, pk: Any) -> ApprovalDelegation:
    """A delegation its owner (or an administrator) may end; 404 for anyone else."""
    try:
        delegation = ApprovalDelegation.objects.get(pk=pk)
    except (ApprovalDelegation.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it.")) from None
    if delegation.user_id != user.pk and not has_permission(user, "org.admin"):
        raise NotFoundError(_("Not found, or you may not see it."))
    return delegation


def approval_document(approval: ApprovalRequest) -> Model | None:
    """The document an approval is about (a soft-deleted one too), or None when its model or row is gone."""
    model = approval.content_type.model_class()
    return model._base_manager.filter(pk=approval.object_id).first() if model is not None else None


def approval_documents(approvals: list[ApprovalRequest]) -> dict[tuple[int, int], Model]:
    """The documents of a page of requests, by (content type id, id): one query per document type."""
    wanted: dict[int, set[int]] = {}
    for approval in approvals:
        wanted.setdefault(approval.content_type_id, set()).add(approval.object_id)
    found: dict[tuple[int, int], Model] = {}
    for approval in approvals:
        if approval.content_type_id not in wanted:
            continue
        ids = wanted.pop(approval.content_type_id)
        model = approval.content_type.model_class()
        if model is not None:
            for document in model._base_manager.filter(pk__in=ids):
                found[(approval.content_type_id, document.pk)] = document
    return found


def approval_rules(kind: str = "") -> QuerySet[ApprovalRule]:
    qs = ApprovalRule.objects.annotate(step_count=Count("steps")).prefetch_related(
        Prefetch("steps", queryset=ApprovalRuleStep.objects.order_by("order", "id").prefetch_related("users"))
    )
    return qs.filter(kind=kind) if kind else qs


def approval_rule_get(*, user: User, pk: Any) -> ApprovalRule:
    """One rule for an administrator (org.admin, else 403); 404 when there is none."""
    require_permission(user, "org.admin")
    rule = approval_rules().filter(pk=pk).first()
    if rule is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return rule


def approval_rule_kinds() -> set[str]:
    """The document types rules exist for (a type whose app is gone still shows its rules)."""
    return set(ApprovalRule.objects.values_list("kind", flat=True).distinct())


def delegate_choices(user: User) -> QuerySet[User]:
    """Whom a user may name as their delegate: any other active user."""
    return User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("name", "username")


def delegations_of(user: User) -> QuerySet[ApprovalDelegation]:
    return ApprovalDelegation.objects.filter(user=user).select_related("delegate").order_by("-start_date", "-id")


def approval_assignments_undecided(*, user: Any) -> QuerySet[ApprovalAssignment]:
    """A user's undecided approvals: the step waiting for them now and later steps of requests still in approval
    (what a leaver hands over; the deactivation page counts them)."""
    return ApprovalAssignment.objects.filter(
        user=user,
        decision=ApprovalAssignment.Decision.PENDING,
        step__status__in=[ApprovalStep.Status.WAITING, ApprovalStep.Status.PENDING],
        step__request__status=ApprovalRequest.Status.PENDING,
    )


__all__ = [
    "PlannedStep",
    "RoutePlan",
    "approval_route_explain",
    "approval_rule_matching",
    "coerce_fact",
    "condition_holds",
    "delegate_for",
    "describe_condition",
    "format_fact_value",
    "resolve_step_approvers",
    "approval_open_for",
    "approval_applicant_id",
    "approval_is_locked",
    "approver_read_rule",
    "approvals_for_document",
    "approval_involves",
    "can_view_request",
    "current_step",
    "approval_assignments_to_decide",
    "can_decide",
    "approval_get_for_user",
    "INBOX_BOXES",
    "approval_box",
    "approval_list",
    "approval_search",
    "approvals_pending_for",
    "approvals_pending_count",
    "approval_inbox",
    "delegation_get_for_user",
    "approval_document",
    "approval_documents",
    "approval_rules",
    "approval_rule_get",
    "approval_rule_kinds",
    "delegate_choices",
    "delegations_of",
    "approval_assignments_undecided",
]
