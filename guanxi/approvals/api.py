"""REST endpoints of the approvals app, mounted on the one NinjaAPI in guanxi/api/main.py.

Inbox lists, one request with steps and actions, approve / reject / return / withdraw, route explanation,
rules (org.admin) and delegations. Errors use the common envelope.
"""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.core.api import LIST_ERRORS, READ_ERRORS, PageParams, clean_query_text, error_responses, paginate
from guanxi.org.current import current_user
from guanxi.org.policies import require_permission
from guanxi.org.selectors import users_by_ids

from . import selectors, services
from .models import ApprovalRule
from .schemas import (
    CommentIn,
    DelegationIn,
    DelegationOut,
    ExplainIn,
    InboxParams,
    RequestDetailOut,
    RequestPage,
    RoutePlanOut,
    RuleIn,
    RuleOut,
)

router = Router(tags=["Approvals"])

WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


@router.get("/approvals", response={200: RequestPage, **LIST_ERRORS}, summary="Approval inbox")
def approval_list(request: HttpRequest, params: Query[InboxParams], page: Query[PageParams]) -> object:
    """Requests waiting for you (box=pending), those you decided (done) or submitted (mine), newest first."""
    return paginate(selectors.approval_inbox(current_user(request), box=params.box, kind=params.kind), page)


@router.get("/approvals/{int:request_id}", response={200: RequestDetailOut, **READ_ERRORS}, summary="One request")
def approval_get(request: HttpRequest, request_id: int) -> object:
    """A request with its steps, approvers and every action; for its applicant, approvers and org.admin."""
    return selectors.approval_get_for_user(current_user(request), request_id)


def _decide(request: HttpRequest, request_id: int, run: Any, comment: str) -> object:
    user = current_user(request)
    approval = selectors.approval_get_for_user(user, request_id)
    run(actor=user, request=approval, comment=comment)
    return selectors.approval_get_for_user(user, request_id)


@router.post("/approvals/{int:request_id}/approve", response={200: RequestDetailOut, **WRITE_ERRORS}, summary="Approve")
def approval_approve(request: HttpRequest, request_id: int, payload: CommentIn) -> object:
    """Approve as an approver of the current step (或签: completes the step; 会签: once all approved)."""
    return _decide(request, request_id, services.approval_approve, payload.comment)


@router.post("/approvals/{int:request_id}/reject", response={200: RequestDetailOut, **WRITE_ERRORS}, summary="Reject")
def approval_reject(request: HttpRequest, request_id: int, payload: CommentIn) -> object:
    """Reject with a reason (`comment` required); the request ends."""
    return _decide(request, request_id, services.approval_reject, payload.comment)


@router.post(
    "/approvals/{int:request_id}/return",
    response={200: RequestDetailOut, **WRITE_ERRORS},
    summary="Return for changes",
)
def approval_return(request: HttpRequest, request_id: int, payload: CommentIn) -> object:
    """Send the document back to the applicant (`comment` required); it can be resubmitted."""
    return _decide(request, request_id, services.approval_return, payload.comment)


@router.post(
    "/approvals/{int:request_id}/withdraw", response={200: RequestDetailOut, **WRITE_ERRORS}, summary="Withdraw"
)
def approval_withdraw(request: HttpRequest, request_id: int, payload: CommentIn) -> object:
    """The applicant takes the request back (`comment` required)."""
    return _decide(request, request_id, services.approval_withdraw, payload.comment)


@router.post("/approvals/explain", response={200: RoutePlanOut, **WRITE_ERRORS}, summary="Explain a route")
def approval_explain(request: HttpRequest, payload: ExplainIn) -> object:
    """Which rule a document with these facts would match, why, and who would approve each step."""
    user = current_user(request)
    applicant = user
    if payload.applicant_id is not None and payload.applicant_id != user.pk:
        require_permission(user, "org.admin")
        applicant = users_by_ids(user=user, ids=[payload.applicant_id], field="applicant_id")[0]
    plan = selectors.approval_route_explain(kind=payload.kind, facts=payload.facts, applicant=applicant)
    return {
        "kind": plan.kind,
        "rule_id": plan.rule.pk,
        "rule_name": str(plan.rule),
        "explanation": plan.explanation,
        "reasons": plan.reasons,
        "steps": [{"label": label, "mode": mode, "approvers": users} for label, mode, users in plan.steps],
    }


# --- rules (org.admin) -----------------------------------------------------------------------------
def _rule(request: HttpRequest, rule_id: int) -> ApprovalRule:
    return selectors.approval_rule_get(user=current_user(request), pk=rule_id)


@router.get("/approval-rules", response={200: list[RuleOut], **READ_ERRORS}, summary="Approval rules")
def rule_list(request: HttpRequest, kind: str = "") -> object:
    """Every rule (org.admin), by document type and priority."""
    require_permission(current_user(request), "org.admin")
    return list(selectors.approval_rules(clean_query_text(kind, max_length=40)).order_by("kind", "priority", "id"))


@router.get("/approval-rules/{int:rule_id}", response={200: RuleOut, **READ_ERRORS}, summary="One rule")
def rule_get(request: HttpRequest, rule_id: int) -> object:
    return _rule(request, rule_id)


def _rule_data(payload: RuleIn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = payload.dict()
    steps = data.pop("steps")
    return data, steps


@router.post("/approval-rules", response={201: RuleOut, **WRITE_ERRORS}, summary="Create a rule")
def rule_create(request: HttpRequest, payload: RuleIn) -> object:
    """A new rule (org.admin): conditions [{fact, op, value}] that must all hold, then ordered steps."""
    data, steps = _rule_data(payload)
    rule = services.approval_rule_create(actor=current_user(request), data=data, steps=steps)
    return Status(201, selectors.approval_rules().get(pk=rule.pk))


@router.put("/approval-rules/{int:rule_id}", response={200: RuleOut, **WRITE_ERRORS}, summary="Replace a rule")
def rule_update(request: HttpRequest, rule_id: int, payload: RuleIn) -> object:
    """Replace a rule's fields and steps; running requests keep the approvers they were given."""
    rule = _rule(request, rule_id)
    data, steps = _rule_data(payload)
    services.approval_rule_update(actor=current_user(request), rule=rule, data=data, steps=steps)
    return selectors.approval_rules().get(pk=rule_id)


@router.delete("/approval-rules/{int:rule_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a rule")
def rule_delete(request: HttpRequest, rule_id: int) -> object:
    services.approval_rule_delete(actor=current_user(request), rule=_rule(request, rule_id))
    return Status(204, None)


# --- delegations ----------------------------------------------------------------------------------
@router.get("/approval-delegations", response={200: list[DelegationOut], **READ_ERRORS}, summary="My delegations")
def delegation_list(request: HttpRequest) -> object:
    return list(selectors.delegations_of(current_user(request)).select_related("user"))


@router.post("/approval-delegations", response={201: DelegationOut, **WRITE_ERRORS}, summary="Delegate while away")
def delegation_create(request: HttpRequest, payload: DelegationIn) -> object:
    """From start_date to end_date (inclusive) approvals that reach you go to the delegate."""
    user = current_user(request)
    delegate = users_by_ids(user=user, ids=[payload.delegate_id], field="delegate_id")[0]
    delegation = services.delegation_create(
        actor=user, delegate=delegate, start_date=payload.start_date, end_date=payload.end_date, note=payload.note
    )
    return Status(201, delegation)


@router.delete(
    "/approval-delegations/{int:delegation_id}", response={204: None, **WRITE_ERRORS}, summary="End a delegation"
)
def delegation_cancel(request: HttpRequest, delegation_id: int) -> object:
    user = current_user(request)
    delegation = selectors.delegation_get_for_user(user, delegation_id)
    services.delegation_cancel(actor=user, delegation=delegation)
    return Status(204, None)
