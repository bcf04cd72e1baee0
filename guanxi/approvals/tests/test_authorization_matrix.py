"""The authorisation matrix of approvals: who may see and act on a request depends on how they relate to it, not on
a role. Written out by hand: the applicant sees it and may withdraw it; an approver of the current step sees it and
may approve, reject or return it; an approver of a later step sees it but may not act yet; an administrator sees it
but does not decide in someone's place; the applicant's own manager (not an approver) and anyone else neither see
nor act (404). Every denied action changes nothing, audit trail included."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from guanxi.approvals.models import ApprovalAction, ApprovalAssignment, ApprovalRequest
from guanxi.approvals.services import approval_submit
from guanxi.core.models import AuditLog
from guanxi.core.tests.clients import JsonClient

pytestmark = pytest.mark.django_db

VIEW, APPROVE, REJECT, RETURN, WITHDRAW = "view", "approve", "reject", "return", "withdraw"
# relation: {action: expected status}
MATRIX = {
    "applicant": {VIEW: 200, APPROVE: 403, REJECT: 403, RETURN: 403, WITHDRAW: 200},
    "current_approver": {VIEW: 200, APPROVE: 200, REJECT: 200, RETURN: 200, WITHDRAW: 403},
    "later_approver": {VIEW: 200, APPROVE: 403, REJECT: 403, RETURN: 403, WITHDRAW: 403},
    "administrator": {VIEW: 200, APPROVE: 403, REJECT: 403, RETURN: 403, WITHDRAW: 403},
    "applicants_manager": {VIEW: 404, APPROVE: 404, REJECT: 404, RETURN: 404, WITHDRAW: 404},
    "outsider": {VIEW: 404, APPROVE: 404, REJECT: 404, RETURN: 404, WITHDRAW: 404},
}


def _actor(relation: str, chain: Any, org: Any) -> Any:
    return {
        "applicant": org["east_rep"],
        "current_approver": chain["a1"],
        "later_approver": chain["b1"],
        "administrator": org["admin"],
        "applicants_manager": org["east_manager"],
        "outsider": org["west_rep"],
    }[relation]


def _state(request: ApprovalRequest) -> tuple[Any, ...]:
    request.refresh_from_db()
    decisions = sorted(ApprovalAssignment.objects.filter(step__request=request).values_list("decision", flat=True))
    return (
        request.status,
        request.current_step,
        tuple(decisions),
        ApprovalAction.objects.count(),
        AuditLog.objects.count(),
    )


@pytest.mark.parametrize("relation", list(MATRIX))
@pytest.mark.parametrize("action", [VIEW, APPROVE, REJECT, RETURN, WITHDRAW])
def test_matrix(chain: Any, document: Any, org: Any, decisions: Any, relation: str, action: str) -> None:
    # given a request of the east rep waiting for a1 or a2, then b1 and b2
    request = approval_submit(
        actor=org["east_rep"], document=document, kind="test_doc", facts={}, title="矩阵", amount=Decimal("1")
    )
    before = _state(request)
    api = JsonClient(_actor(relation, chain, org))
    # when they try the action
    if action == VIEW:
        response = api.call("get", f"/approvals/{request.pk}")
    else:
        response = api.call("post", f"/approvals/{request.pk}/{action}", {"comment": "理由"})
    # then the answer is the matrix's, and a refusal changes nothing
    expected = MATRIX[relation][action]
    assert response.status_code == expected, response.content
    if expected != 200 or action == VIEW:
        assert _state(request) == before
    else:
        assert _state(request) != before
