"""Approval text is stored as message ids and shown in the reader's language (STYLE.md rule 19): the name of the
default rule that routed a request, the notifications of a request and the audit lines of its decisions, read on
the pages and through the API by a Chinese and an English reader."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.approvals.models import ApprovalRequest, ApprovalRule
from guanxi.approvals.services import approval_approve, approval_submit
from guanxi.core.models import AuditLog, Notification
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RULE_EN = "Quote discount down to 5折 — department manager"
RULE_ZH = "报价折扣低至5折——部门经理"


def _set_language(user: Any, language: str) -> None:
    type(user).objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def quote_request(org: Any, decisions: Any) -> ApprovalRequest:
    """A Chinese-speaking rep's quote at 5折, routed by the default rule to the east manager (who reads English)."""
    _set_language(org["east_rep"], "zh-hans")
    return approval_submit(
        actor=org["east_rep"],
        document=org.agent,
        kind="quote",
        facts={"min_discount_rate": "0.50"},
        title="报价 Q-001",
    )


def test_the_default_rule_name_is_shown_in_each_readers_language(org: Any, quote_request: ApprovalRequest) -> None:
    # given a request routed by a default rule, submitted by a Chinese reader
    assert quote_request.rule_name_id == RULE_EN
    # when the Chinese applicant and the English approver read it, on the page and through the API
    applicant, approver = _web(org["east_rep"]), _web(org["east_manager"])
    url = reverse("approvals:detail", args=[quote_request.pk])
    api = f"/api/v1/approvals/{quote_request.pk}"
    # then each reads the rule's name in their own language
    assert RULE_ZH in applicant.get(url).content.decode()
    assert RULE_EN in approver.get(url).content.decode()
    assert applicant.get(api).json()["rule_name"] == RULE_ZH
    assert approver.get(api).json()["rule_name"] == RULE_EN


def test_a_rule_an_administrator_named_keeps_its_name_as_typed(org: Any, decisions: Any) -> None:
    # given an administrator's own rule, named in English, that takes precedence over the defaults
    ApprovalRule.objects.create(kind="quote", name="Department manager", priority=1).steps.create(
        order=0, label="Department manager", approver_type="department_manager"
    )
    _set_language(org["east_rep"], "zh-hans")
    request = approval_submit(
        actor=org["east_rep"], document=org.agent, kind="quote", facts={"min_discount_rate": "0.9"}, title="Q"
    )
    # when the Chinese applicant reads it
    body = _web(org["east_rep"]).get(f"/api/v1/approvals/{request.pk}").json()
    # then the rule is named as the administrator typed it (not translated as if it were a default name)
    assert body["rule_name"] == "Department manager"


def test_a_notification_follows_its_readers_language(org: Any, quote_request: ApprovalRequest) -> None:
    # given the approver was told in English
    manager = org["east_manager"]
    note = Notification.objects.get(recipient=manager, kind="approval")
    assert note.title == "Approval needed: 报价 Q-001"
    # when the approver switches to Chinese and reads it on the page and through the API
    _set_language(manager, "zh-hans")
    client = _web(manager)
    page = client.get(reverse("core:notifications")).content.decode()
    items = client.get("/api/v1/notifications").json()["items"]
    # then the same notification reads in Chinese
    assert "待您审批：报价 Q-001" in page and "Approval needed" not in page
    assert [i["title"] for i in items] == ["待您审批：报价 Q-001"]
    # and back in English
    _set_language(manager, "en")
    assert _web(manager).get("/api/v1/notifications").json()["items"][0]["title"] == "Approval needed: 报价 Q-001"


def test_a_decisions_audit_line_is_read_in_each_readers_language(org: Any, quote_request: ApprovalRequest) -> None:
    # given the English approver approved the default rule's step
    approval_approve(actor=org["east_manager"], request=quote_request)
    row = AuditLog.objects.get(action=AuditLog.Action.APPROVE, object_id=str(quote_request.pk))
    # when an English and a Chinese administrator read the audit trail
    chinese_admin = UserFactory(username="admin_zh", department=org.hq, roles=["administrator"], language="zh-hans")
    english = _web(org["admin"]).get(reverse("org:audit_list")).content.decode()
    chinese = _web(chinese_admin).get(reverse("org:audit_list")).content.decode()
    # then each reads it, the step's default label included, in their own language
    assert row.message_id == "Approved step “%(step)s”."
    assert "Approved step “Department manager”." in english
    assert "通过了步骤“部门经理”。" in chinese
    # and the applicant's result notification reads in the applicant's language
    items = _web(org["east_rep"]).get("/api/v1/notifications").json()["items"]
    assert [i["title"] for i in items] == ["审批通过：报价 Q-001"]


def test_the_audit_trail_shows_the_default_rule_name_in_each_readers_language(
    org: Any, quote_request: ApprovalRequest
) -> None:
    from django.utils import translation

    from guanxi.org.audit_changes import describe_changes

    # given the request's audit entry (the rule stored as a message) and one written before that, as plain text
    entry = AuditLog.objects.get(object_id=str(quote_request.pk), action=AuditLog.Action.CREATE)
    assert entry.changes["rule"][1] == {"msgid": RULE_EN, "params": {}}
    legacy = AuditLog.objects.create(
        action=AuditLog.Action.CREATE,
        content_type=entry.content_type,
        object_id=entry.object_id,
        changes={"rule": [None, RULE_EN], "status": [None, "pending"]},
    )
    # when a Chinese and an English reader read the changes (the audit trail's one renderer)
    rule_text = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            rows = describe_changes([entry, legacy], reader=None)
            rule_text[language] = [next(r.new for r in e.change_rows if r.field == "rule") for e in rows]
    # then each reads the rule's name in their language, the old entry too
    assert rule_text == {"zh-hans": [RULE_ZH, RULE_ZH], "en": [RULE_EN, RULE_EN]}
    # and on the audit trail page the administrator (reading Chinese) sees no English msgid
    _set_language(org["admin"], "zh-hans")
    html = _web(org["admin"]).get(reverse("org:audit_list")).content.decode()
    assert RULE_ZH in html and RULE_EN not in html
