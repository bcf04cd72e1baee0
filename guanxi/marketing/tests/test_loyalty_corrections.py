"""Manual points corrections go through the approval engine: a small one is applied at once, one of 500 points or
more (the default rule, data an administrator edits) waits for the applicant's manager and its ledger entry is
written only when approved; rejected or withdrawn changes nothing; a rep may not ask; all of it audited, over the
API and the member page too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.approvals.models import ApprovalRequest, ApprovalRule
from guanxi.approvals.services import approval_approve, approval_reject, approval_withdraw
from guanxi.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.marketing.loyalty import corrections, ledger, services
from guanxi.marketing.loyalty.models import Member, PointsCorrection, PointsEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(people):
    marketer = people["marketer"]
    marketer.manager = people["executive"]
    marketer.save(update_fields=["manager"])
    return marketer


@pytest.fixture
def member(marketer, book):
    member = services.member_enrol(actor=marketer, data={"customer": book["a1"].pk})
    ledger.points_earn(member=member, points=1000, source="payment:1", rule=None)
    member.refresh_from_db()
    return member


def _request(correction: PointsCorrection) -> ApprovalRequest:
    return ApprovalRequest.objects.get(kind="points_correction", object_id=correction.pk)


def _balance(member: Member) -> int:
    member.refresh_from_db()
    assert member.points_balance == ledger.ledger_sum(member.pk)
    return member.points_balance


def test_a_small_correction_is_applied_at_once_and_audited(marketer, member):
    correction = corrections.points_correction_request(actor=marketer, member=member, points=-120, note="退货扣回")
    assert correction.status == "applied" and correction.entry.points == -120
    assert correction.entry.kind == "adjust" and correction.entry.created_by == marketer
    assert _balance(member) == 880
    assert not ApprovalRequest.objects.filter(kind="points_correction").exists()
    assert AuditLog.objects.filter(object_id=str(member.pk), message__contains="-120").exists()


def test_a_large_correction_waits_for_the_managers_approval(marketer, member, people):
    correction = corrections.points_correction_request(actor=marketer, member=member, points=500, note="补录展会积分")
    # nothing in the ledger yet
    assert correction.status == "pending" and correction.entry is None
    assert _balance(member) == 1000 and PointsEntry.objects.filter(member=member).count() == 1
    request = _request(correction)
    assert list(request.steps.get().assignments.values_list("user", flat=True)) == [people["executive"].pk]
    approval_approve(actor=people["executive"], request=request, comment="同意")
    correction.refresh_from_db()
    assert correction.status == "applied" and correction.entry.points == 500 and correction.decided_at
    assert correction.entry.expires_on is not None and _balance(member) == 1500
    # the engine calling again (a second decision) writes nothing more
    corrections.correction_on_decided(document=correction, outcome="approved", actor=people["executive"])
    assert _balance(member) == 1500


@pytest.mark.parametrize("end", ["reject", "withdraw"])
def test_a_rejected_or_withdrawn_correction_changes_nothing(marketer, member, people, end):
    correction = corrections.points_correction_request(actor=marketer, member=member, points=-800, note="误发")
    request = _request(correction)
    if end == "reject":
        approval_reject(actor=people["executive"], request=request, comment="依据不足")
    else:
        approval_withdraw(actor=marketer, request=request, comment="撤回")
    correction.refresh_from_db()
    assert correction.status == ("rejected" if end == "reject" else "withdrawn") and correction.entry is None
    assert _balance(member) == 1000 and PointsEntry.objects.filter(member=member).count() == 1


def test_the_threshold_is_data_an_administrator_edits(marketer, member):
    rule = ApprovalRule.objects.get(seed_key="points_correction_manager")
    rule.conditions = [{"fact": "points", "op": "gte", "value": "1"}]  # every correction
    rule.save(update_fields=["conditions"])
    correction = corrections.points_correction_request(actor=marketer, member=member, points=1, note="补一分")
    assert correction.status == "pending" and _balance(member) == 1000
    rule.is_active = False  # no rule: applied at once
    rule.save(update_fields=["is_active"])
    correction = corrections.points_correction_request(actor=marketer, member=member, points=900, note="补录")
    assert correction.status == "applied" and _balance(member) == 1900


def test_refusals_change_nothing(marketer, member, people):
    with pytest.raises(PermissionDeniedError):  # a rep reads members, and may not correct their points
        corrections.points_correction_request(actor=people["east_rep"], member=member, points=10, note="x")
    with pytest.raises(ValidationFailed) as exc:  # more than the balance: refused before anyone is asked
        corrections.points_correction_request(actor=marketer, member=member, points=-1001, note="x")
    assert "points" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        corrections.points_correction_request(actor=marketer, member=member, points=10, note=" ")
    assert "note" in exc.value.fields
    assert not PointsCorrection.objects.exists() and _balance(member) == 1000
    # the balance fell while the correction waited: approving it is refused and leaves it waiting
    correction = corrections.points_correction_request(actor=marketer, member=member, points=-900, note="扣回")
    ledger.points_redeem(actor=marketer, member=member, points=200)
    with pytest.raises(ConflictError):
        approval_approve(actor=people["executive"], request=_request(correction), comment="")
    correction.refresh_from_db()
    assert correction.status == "pending" and _request(correction).status == "pending" and _balance(member) == 800


def test_corrections_over_the_api_and_on_the_member_page(client, marketer, member, people, api_token_for):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(marketer)}"}
    url = f"/api/v1/loyalty/members/{member.pk}/adjust"
    small = client.post(url, {"points": 30, "note": "补偿"}, content_type="application/json", **auth)
    assert small.status_code == 201 and small.json()["status"] == "applied" and small.json()["entry_id"]
    large = client.post(url, {"points": 600, "note": "补录"}, content_type="application/json", **auth)
    assert large.status_code == 201 and large.json()["status"] == "pending" and large.json()["entry_id"] is None
    listed = client.get(f"/api/v1/loyalty/members/{member.pk}/corrections", **auth).json()
    assert [c["status"] for c in listed["items"]] == ["pending", "applied"]
    rep = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['east_rep'])}"}
    denied = client.post(url, {"points": 30, "note": "x"}, content_type="application/json", **rep)
    assert denied.status_code in (403, 404)
    assert _balance(member) == 1030
    # the member page: the form posts a correction and lists it with its status
    client.force_login(marketer)
    page = reverse("marketing:member_detail", args=[member.pk])
    response = client.post(reverse("marketing:member_adjust", args=[member.pk]), {"points": "-700", "note": "冲正"},
                           follow=True)  # fmt: skip
    assert response.status_code == 200 and response.redirect_chain[-1][0] == page
    text = response.content.decode()
    assert 'id="corrections"' in text and "-700" in text and _balance(member) == 1030
    client.force_login(people["east_rep"])
    assert "member_adjust" not in client.get(page).content.decode()
    assert client.post(reverse("marketing:member_adjust", args=[member.pk]), {"points": "5", "note": "x"}).status_code \
        in (403, 404)  # fmt: skip
    assert _balance(member) == 1030
