"""Permission change requests (权限变更须经审批, REQUIREMENTS §11) through the approval engine: asked on a page or the
API, approved by the manager in the approvals inbox, applied and audited on approval, nothing on rejection."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.approvals.models import ApprovalRequest, ApprovalRule
from guanxi.approvals.selectors import approvals_pending_for
from guanxi.approvals.services import approval_approve, approval_reject
from guanxi.core.models import AuditLog, Notification
from guanxi.org.models import PermissionChangeRequest, Role
from guanxi.org.permission_requests.defaults import KIND
from guanxi.org.permission_requests.providers import seed_default_rules
from guanxi.org.permission_requests.services import permission_change_request_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(org: Any) -> list[ApprovalRule]:
    """The kind's default rules, as org's set-up step seeds them on `guanxi run`."""
    assert seed_default_rules() == 2
    return list(ApprovalRule.objects.filter(kind=KIND).order_by("priority"))


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(client: Client, method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)("/api/v1" + url, data=data, content_type="application/json")


def _roles(user: Any) -> set[str]:
    return set(user.roles.values_list("code", flat=True))


def _ask(org: Any, *, add: str = "business_manager", remove: str = "") -> PermissionChangeRequest:
    return permission_change_request_create(
        actor=org["east_rep"],
        user=org["east_rep"],
        add_roles=list(Role.objects.filter(code=add)),
        remove_roles=list(Role.objects.filter(code=remove)),
        reason="接手华东区大客户，需要分配权限",
    )


def test_a_rep_asks_on_the_page_and_nothing_changes_until_the_manager_approves_in_the_inbox(
    org: Any, rules: Any
) -> None:
    rep, manager = org["east_rep"], org["east_manager"]
    role = Role.objects.get(code="business_manager")
    # given the rep's request form
    rep_web = _web(rep)
    form = rep_web.get(reverse("org:permission_request_create"))
    assert form.status_code == 200 and "Business manager" in form.content.decode()
    # when the rep asks for the business manager role with a reason
    response = rep_web.post(
        reverse("org:permission_request_create"),
        {"user": rep.pk, "add_roles": [role.pk], "reason": "接手华东区大客户"},
    )
    # then the request waits in the manager's approvals inbox and the rep's roles are unchanged
    assert response.status_code == 302
    request = PermissionChangeRequest.objects.get(user=rep)
    assert request.status == "pending" and _roles(rep) == {"sales_rep"}
    approval = approvals_pending_for(manager).get()
    assert approval.kind == KIND and approval.object_id == request.pk
    inbox = _web(manager).get(reverse("approvals:inbox")).content.decode()
    assert "Business manager" in inbox
    # and the manager may read the request's page; another rep may not
    assert _web(manager).get(reverse("org:permission_request_detail", args=[request.pk])).status_code == 200
    assert _web(org["west_rep"]).get(reverse("org:permission_request_detail", args=[request.pk])).status_code == 404

    # when the manager approves in the inbox
    assert _web(manager).post(reverse("approvals:approve", args=[approval.pk]), {"comment": "同意"}).status_code == 302
    # then the role is granted, audited as a permission change by the manager, and the rep is told
    assert _roles(rep) == {"sales_rep", "business_manager"}
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_at is not None
    change = AuditLog.objects.get(action=AuditLog.Action.PERMISSION, object_id=str(rep.pk))
    assert change.actor == manager and change.changes["roles"] == [["sales_rep"], ["business_manager", "sales_rep"]]
    assert Notification.objects.filter(recipient=rep, kind="permission_change").exists()
    assert Notification.objects.filter(recipient=rep, kind="approval", title__startswith="Approved").exists()


def test_a_rejected_request_changes_nothing(org: Any, rules: Any) -> None:
    # given a rep's request to take away their sales rep role and become a business manager
    request = _ask(org, add="business_manager", remove="sales_rep")
    approval = ApprovalRequest.objects.get(kind=KIND, object_id=request.pk)
    # when the manager rejects it
    approval_reject(actor=org["east_manager"], request=approval, comment="不需要")
    # then the rep's roles are as before and no permission change is audited; the request says rejected
    assert _roles(org["east_rep"]) == {"sales_rep"}
    assert not AuditLog.objects.filter(action=AuditLog.Action.PERMISSION, object_id=str(org["east_rep"].pk)).exists()
    request.refresh_from_db()
    assert request.status == "rejected"
    # and the rep hears the result
    assert Notification.objects.filter(recipient=org["east_rep"], title__startswith="Rejected").exists()


def test_granting_administration_also_needs_an_administrator(org: Any, rules: Any) -> None:
    # given a rep asks for the administrator role
    request = _ask(org, add="administrator")
    approval = ApprovalRequest.objects.get(kind=KIND, object_id=request.pk)
    assert approval.rule_name_id == rules[0].name
    # when the manager approves
    approval_approve(actor=org["east_manager"], request=approval)
    # then nothing changes yet: the administrator's step is next
    assert _roles(org["east_rep"]) == {"sales_rep"}
    assert approvals_pending_for(org["admin"]).filter(pk=approval.pk).exists()
    # when the administrator approves too, the role is granted
    approval_approve(actor=org["admin"], request=approval)
    assert "administrator" in _roles(org["east_rep"])


def test_a_rep_cannot_ask_for_someone_elses_roles_and_nothing_is_written(org: Any, rules: Any) -> None:
    # given a rep and a colleague who is not their staff
    rep_web = _web(org["east_rep"])
    requests, audits, approvals = (PermissionChangeRequest.objects.count(), AuditLog.objects.count(), 0)
    # when the rep asks through the API for the colleague's roles
    response = _api(
        rep_web,
        "post",
        "/permission-requests",
        {"user_id": org["east_rep2"].pk, "add_roles": ["business_manager"], "reason": "帮同事申请"},
    )
    # then it is refused and nothing was written, audit trail included
    assert response.status_code == 403
    assert PermissionChangeRequest.objects.count() == requests and AuditLog.objects.count() == audits
    assert ApprovalRequest.objects.count() == approvals
    # and the page does not offer the colleague either
    page = rep_web.get(reverse("org:permission_request_create"), {"user": org["east_rep2"].pk})
    assert page.status_code == 404


def test_a_manager_asks_for_their_staff_and_the_api_shows_the_result(org: Any, execs: Any, rules: Any) -> None:
    # given the east manager and their rep (the president manages headquarters, above the east department)
    manager = _web(org["east_manager"])
    # when the manager asks through the API to make the rep a department assistant
    response = _api(
        manager,
        "post",
        "/permission-requests",
        {"user_id": org["east_rep"].pk, "add_roles": ["department_assistant"], "reason": "协助部门审核"},
    )
    # then it is created in approval, for the manager's own manager: without one, the department manager above
    assert response.status_code == 201, response.content
    body = response.json()
    assert approvals_pending_for(execs["president"]).filter(object_id=body["id"], kind=KIND).exists()
    assert body["status"] == "pending" and [r["code"] for r in body["add_roles"]] == ["department_assistant"]
    assert body["user"]["id"] == org["east_rep"].pk and body["requested_by"]["id"] == org["east_manager"].pk
    # and the rep sees it in their list
    listed = _api(_web(org["east_rep"]), "get", "/permission-requests").json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]


def test_bad_requests_name_the_field_and_write_nothing(org: Any, rules: Any) -> None:
    rep = _web(org["east_rep"])
    before = (PermissionChangeRequest.objects.count(), AuditLog.objects.count())
    # a role the rep already holds is no change
    r = _api(rep, "post", "/permission-requests", {"add_roles": ["sales_rep"], "reason": "x"})
    assert r.status_code == 400 and "add_roles" in r.json()["error"]["fields"]
    # no reason
    r = _api(rep, "post", "/permission-requests", {"add_roles": ["finance"], "reason": "  "})
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    # an unknown role
    r = _api(rep, "post", "/permission-requests", {"add_roles": ["no_such_role"], "reason": "x"})
    assert r.status_code == 400 and "add_roles" in r.json()["error"]["fields"]
    # a NUL inside a listed code (PostgreSQL refuses it in the IN (…) that would look the roles up)
    r = _api(rep, "post", "/permission-requests", {"add_roles": ["fin\x00ance"], "reason": "x"})
    assert r.status_code in (400, 422) and "add_roles" in r.json()["error"]["fields"]
    assert (PermissionChangeRequest.objects.count(), AuditLog.objects.count()) == before


def test_one_request_per_user_in_approval(org: Any, rules: Any) -> None:
    # given a request in approval
    _ask(org)
    # when the rep asks again
    r = _api(_web(org["east_rep"]), "post", "/permission-requests", {"add_roles": ["finance"], "reason": "再申请"})
    # then it is a conflict
    assert r.status_code == 409 and PermissionChangeRequest.objects.count() == 1


def test_the_default_rules_are_seeded_once_and_an_administrators_choice_stays(org: Any) -> None:
    # given the set-up step seeded the kind's rules
    assert seed_default_rules() == 2
    # when an administrator deletes the catch-all default and keeps the other
    ApprovalRule.objects.filter(seed_key="permission_change_manager").delete()
    # then running the set-up again leaves the rules as the administrator left them
    assert seed_default_rules() == 0
    assert list(ApprovalRule.objects.filter(kind=KIND).values_list("seed_key", flat=True)) == [
        "permission_change_grants_admin"
    ]
