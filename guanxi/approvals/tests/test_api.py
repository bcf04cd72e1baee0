"""The approvals API: inbox lists, detail, decisions, route explanation, rules and delegations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from guanxi.approvals.models import ApprovalDelegation, ApprovalRequest, ApprovalRule
from guanxi.approvals.services import approval_submit
from guanxi.core.models import AuditLog
from guanxi.core.tests.clients import JsonClient

pytestmark = pytest.mark.django_db


def submit(document: Any, applicant: Any) -> ApprovalRequest:
    return approval_submit(
        actor=applicant,
        document=document,
        kind="test_doc",
        facts={"amount": "500"},
        title="单据",
        amount=Decimal("500"),
    )


def test_inbox_and_detail(chain: Any, document: Any, org: Any, django_assert_max_num_queries: Any) -> None:
    request = submit(document, org["east_rep"])
    api = JsonClient(chain["a1"])
    with django_assert_max_num_queries(15):
        body = api.call("get", "/approvals?box=pending").json()
    assert body["count"] == 1 and body["items"][0]["id"] == request.pk
    assert body["items"][0]["current_step"] == 0 and body["items"][0]["amount"] == "500.00"
    detail = api.call("get", f"/approvals/{request.pk}").json()
    assert [s["mode"] for s in detail["steps"]] == ["any", "all"]
    assert [a["user"]["id"] for a in detail["steps"][0]["approvers"]] == [chain["a1"].pk, chain["a2"].pk]
    assert JsonClient(org["west_rep"]).call("get", f"/approvals/{request.pk}").status_code == 404
    assert api.call("get", "/approvals?box=nope").status_code in (400, 422)


def test_decisions_through_the_api(chain: Any, document: Any, org: Any, decisions: Any) -> None:
    request = submit(document, org["east_rep"])
    a1 = JsonClient(chain["a1"])
    # reject without a reason: 400 naming the comment, nothing written
    response = a1.call("post", f"/approvals/{request.pk}/reject", {"comment": ""})
    assert response.status_code == 400 and "comment" in response.json()["error"]["fields"]
    # someone from a later step: 403, nothing written
    audits = AuditLog.objects.count()
    assert JsonClient(chain["b1"]).call("post", f"/approvals/{request.pk}/approve", {}).status_code == 403
    assert AuditLog.objects.count() == audits
    # approve, then b1 returns it
    assert a1.call("post", f"/approvals/{request.pk}/approve", {"comment": "ok"}).json()["current_step"] == 1
    body = JsonClient(chain["b1"]).call("post", f"/approvals/{request.pk}/return", {"comment": "改"}).json()
    assert body["status"] == "returned" and decisions.outcomes == ["returned"]
    # a closed request cannot be withdrawn
    again = JsonClient(org["east_rep"]).call("post", f"/approvals/{request.pk}/withdraw", {"comment": "x"})
    assert again.status_code == 409


def test_explain(org: Any, execs: Any, decisions: Any) -> None:
    api = JsonClient(org["east_rep"])
    body = api.call("post", "/approvals/explain", {"kind": "quote", "facts": {"min_discount_rate": "0.40"}}).json()
    assert body["steps"][0]["mode"] == "any"
    assert sorted(u["id"] for u in body["steps"][0]["approvers"]) == sorted(
        execs[k].pk for k in ("vp", "rd_vp", "impl_vp", "president")
    )
    # routing as someone else needs org.admin
    other = {"kind": "quote", "facts": {"min_discount_rate": "0.6"}, "applicant_id": org["west_rep"].pk}
    assert api.call("post", "/approvals/explain", other).status_code == 403
    admin = JsonClient(org["admin"]).call("post", "/approvals/explain", other).json()
    assert [u["id"] for u in admin["steps"][0]["approvers"]] == [org["west_manager"].pk]
    assert api.call("post", "/approvals/explain", {"kind": "nope", "facts": {}}).status_code == 400


def test_rules_crud_for_admins(org: Any, execs: Any, decisions: Any) -> None:
    payload = {
        "kind": "expense_claim",
        "name": "大额报销",
        "priority": 1,
        "conditions": [{"fact": "amount", "op": "gte", "value": "10000"}],
        "steps": [
            {"label": "经理", "approver_type": "manager"},
            {"label": "财务", "approver_type": "role", "codes": ["finance"]},
            {"label": "总裁", "approver_type": "users", "users": [execs["president"].pk]},
        ],
    }
    assert JsonClient(org["east_rep"]).call("post", "/approval-rules", payload).status_code == 403
    admin = JsonClient(org["admin"])
    created = admin.call("post", "/approval-rules", payload)
    assert created.status_code == 201, created.content
    rule = created.json()
    assert rule["steps"][2]["users"] == [execs["president"].pk]
    assert admin.call("get", "/approval-rules?kind=expense_claim").json()[0]["id"] == rule["id"]
    # a bad condition value is a field error
    bad = {**payload, "conditions": [{"fact": "amount", "op": "gte", "value": "lots"}]}
    response = admin.call("put", f"/approval-rules/{rule['id']}", bad)
    assert response.status_code == 400 and "conditions" in response.json()["error"]["fields"]
    assert ApprovalRule.objects.get(pk=rule["id"]).conditions == [{"fact": "amount", "op": "gte", "value": "10000"}]
    assert admin.call("delete", f"/approval-rules/{rule['id']}").status_code == 204
    assert not ApprovalRule.objects.filter(pk=rule["id"]).exists()


def test_delegations(org: Any) -> None:
    api = JsonClient(org["east_rep"])
    body = {"delegate_id": org["east_rep2"].pk, "start_date": "2026-12-01", "end_date": "2026-12-05"}
    created = api.call("post", "/approval-delegations", body)
    assert created.status_code == 201 and created.json()["delegate"]["id"] == org["east_rep2"].pk
    assert len(api.call("get", "/approval-delegations").json()) == 1
    bad = api.call("post", "/approval-delegations", {**body, "delegate_id": org["east_rep"].pk})
    assert bad.status_code == 400 and "delegate" in bad.json()["error"]["fields"]
    pk = created.json()["id"]
    # someone else may not end it (and it stays active); its owner may, and so may an administrator
    assert JsonClient(org["west_rep"]).call("delete", f"/approval-delegations/{pk}").status_code == 404
    assert ApprovalDelegation.objects.get(pk=pk).is_active
    assert api.call("delete", f"/approval-delegations/{pk}").status_code == 204
    assert not ApprovalDelegation.objects.get(pk=pk).is_active
    other = api.call("post", "/approval-delegations", body).json()["id"]
    assert JsonClient(org["admin"]).call("delete", f"/approval-delegations/{other}").status_code == 204
    assert not ApprovalDelegation.objects.get(pk=other).is_active
