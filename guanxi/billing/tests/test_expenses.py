"""Expense claims: the customer + follow-up/opportunity link, lines, approval through the engine (the claimant's
manager, then finance), locking while in approval, paid by finance; scope of claimants and managers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from guanxi.approvals.selectors import approval_is_locked, approval_open_for
from guanxi.approvals.services import approval_approve, approval_reject, approval_return
from guanxi.billing import selectors, services
from guanxi.billing.models import ExpenseClaim
from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory, FollowUpFactory

pytestmark = pytest.mark.django_db
D = Decimal
LINES = [
    {"category": "travel", "spent_on": dt.date(2026, 11, 20), "amount": "1280.50", "note": "上海—北京高铁"},
    {"category": "entertainment", "spent_on": dt.date(2026, 11, 21), "amount": "600", "note": "客户晚餐"},
]


@pytest.fixture
def visit(people: Any) -> Any:
    customer = CustomerFactory(name="北京华腾科技有限公司", owner=people["east_rep"])
    return FollowUpFactory(customer=customer, author=people["east_rep"], content="上门演示，客户确认二期需求")


def claim_for(people: Any, visit: Any) -> ExpenseClaim:
    return services.expense_claim_create(
        actor=people["east_rep"],
        data={"title": "北京出差", "customer": visit.customer, "follow_up": visit, "purpose": "二期方案演示"},
        lines=LINES,
    )


def test_a_claim_without_a_follow_up_or_opportunity_is_refused(people: Any, visit: Any) -> None:
    # when a rep claims for a customer without naming a follow-up or opportunity
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as err:
        services.expense_claim_create(
            actor=people["east_rep"], data={"title": "出差", "customer": visit.customer}, lines=LINES
        )
    # then it is refused with the policy's words, and nothing is written
    assert err.value.message == "报销必须关联客户及其跟进记录或销售机会"
    assert not ExpenseClaim.objects.exists()
    # a follow-up of another customer does not count either
    other = FollowUpFactory(customer=CustomerFactory(owner=people["east_rep"]), author=people["east_rep"])
    with pytest.raises(ValidationFailed) as err:
        services.expense_claim_create(
            actor=people["east_rep"],
            data={"title": "出差", "customer": visit.customer, "follow_up": other},
            lines=LINES,
        )
    assert "follow_up" in err.value.fields


def test_claim_totals_its_lines(people: Any, visit: Any) -> None:
    claim = claim_for(people, visit)
    assert claim.amount == D("1880.50") and claim.status == "draft"
    assert [line.position for line in claim.lines.all()] == [1, 2]
    with pytest.raises(ValidationFailed):
        services.expense_claim_create(
            actor=people["east_rep"],
            data={"title": "x", "customer": visit.customer, "follow_up": visit},
            lines=[{"category": "travel", "spent_on": dt.date(2026, 11, 1), "amount": "0"}],
        )


def test_approval_by_the_manager_then_finance_and_paid(people: Any, visit: Any) -> None:
    claim = claim_for(people, visit)
    # when the claimant submits it
    services.expense_claim_submit(actor=people["east_rep"], claim=claim)
    claim.refresh_from_db()
    request = approval_open_for(claim)
    # then it is in approval and locked
    assert claim.status == "in_approval" and approval_is_locked(claim)
    with pytest.raises(InvalidStateError):
        services.expense_claim_update(actor=people["east_rep"], claim=claim, data={"title": "改"})
    # the manager approves, then finance
    approval_approve(actor=people["east_manager"], request=request)
    claim.refresh_from_db()
    assert claim.status == "in_approval"
    request.refresh_from_db()
    approval_approve(actor=people["finance"], request=request)
    claim.refresh_from_db()
    assert claim.status == "approved"
    # a rep cannot mark it paid; finance can
    with pytest.raises(PermissionDeniedError):
        services.expense_claim_mark_paid(actor=people["east_rep"], claim=claim)
    services.expense_claim_mark_paid(actor=people["finance"], claim=claim, reference="网银 20261202")
    claim.refresh_from_db()
    assert claim.status == "paid" and claim.paid_by == people["finance"]


def test_the_approvers_inbox_card_shows_the_amount_once_and_the_customer(people: Any, visit: Any, client: Any) -> None:
    # given a submitted claim of 1,880.50 waiting for the claimant's manager
    services.expense_claim_submit(actor=people["east_rep"], claim=claim_for(people, visit))
    # when the manager opens the approvals inbox
    client.force_login(people["east_manager"])
    html = client.get("/approvals/").content.decode()
    # then the card names the customer and prints the amount once (not again in the document's summary)
    assert "北京华腾科技有限公司" in html
    assert html.count("1,880.50") == 1


def test_rejected_and_returned_claims(people: Any, visit: Any) -> None:
    claim = claim_for(people, visit)
    services.expense_claim_submit(actor=people["east_rep"], claim=claim)
    approval_return(actor=people["east_manager"], request=approval_open_for(claim), comment="补充发票")
    claim.refresh_from_db()
    # returned: a draft again, editable and resubmittable
    assert claim.status == "draft"
    services.expense_claim_update(actor=people["east_rep"], claim=claim, data={"purpose": "已补发票"})
    services.expense_claim_submit(actor=people["east_rep"], claim=claim)
    approval_reject(actor=people["east_manager"], request=approval_open_for(claim), comment="不符合标准")
    claim.refresh_from_db()
    assert claim.status == "rejected"
    with pytest.raises(InvalidStateError):
        services.expense_claim_submit(actor=people["east_rep"], claim=claim)


def test_scope_claimant_manager_finance(people: Any, visit: Any) -> None:
    claim = claim_for(people, visit)
    assert selectors.expense_claim_get(user=people["east_manager"], pk=claim.pk)
    assert selectors.expense_claim_get(user=people["finance"], pk=claim.pk)
    for who in ("east_rep2", "west_manager"):
        with pytest.raises(NotFoundError):
            selectors.expense_claim_get(user=people[who], pk=claim.pk)
    # the manager may not change the rep's claim: nothing changes, no audit row
    before = AuditLog.objects.count()
    with pytest.raises(ValidationFailed):
        services.expense_claim_update(actor=people["east_manager"], claim=claim, data={"title": "改"})
    claim.refresh_from_db()
    assert claim.title == "北京出差" and AuditLog.objects.count() == before


def test_expense_claim_api(people: Any, visit: Any, api_as: Any) -> None:
    api = api_as(people["east_rep"])
    body = {
        "title": "北京出差",
        "customer_id": visit.customer_id,
        "lines": [{"category": "travel", "spent_on": "2026-11-20", "amount": "300.00"}],
    }
    refused = api.call("post", "/expense-claims", body)
    assert refused.status_code == 400 and "follow_up" in refused.json()["error"]["fields"]
    created = api.call("post", "/expense-claims", {**body, "follow_up_id": visit.pk}, {"Idempotency-Key": "c1"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["amount"] == "300.00"
    submitted = api.call("post", f"/expense-claims/{pk}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_approval"
    locked = api.call("patch", f"/expense-claims/{pk}", {"title": "改"})
    assert locked.status_code == 409
    assert api_as(people["west_rep"]).call("get", f"/expense-claims/{pk}").status_code == 404
    assert api_as(people["east_manager"]).call("get", "/expense-claims").json()["count"] == 1


def test_receipt_upload_through_the_api(people: Any, visit: Any, settings: Any, tmp_path: Any) -> None:
    from django.test import Client

    settings.MEDIA_ROOT = str(tmp_path)
    claim = claim_for(people, visit)
    c = Client()
    c.force_login(people["east_rep"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post(
        f"/api/v1/expense-claims/{claim.pk}/lines/2/receipt",
        {"receipt": SimpleUploadedFile("dinner.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")},
    )
    assert r.status_code == 200, r.content
    line = r.json()["lines"][1]
    assert line["receipt_url"] == f"/files/expense-receipt/{claim.lines.get(position=2).pk}/"
    assert c.get(line["receipt_url"]).status_code == 200
    # another rep cannot attach to it
    other = Client()
    other.force_login(people["east_rep2"])
    assert (
        other.post(
            f"/api/v1/expense-claims/{claim.pk}/lines/1/receipt", {"receipt": SimpleUploadedFile("x.jpg", b"x")}
        ).status_code
        == 404
    )
    assert AuditLog.objects.filter(object_id=str(claim.pk), changes__has_key="lines[2].receipt").exists()


def test_the_claim_form_lists_only_the_follow_ups_and_opportunities_the_claimant_may_see(
    people: Any, visit: Any
) -> None:
    from django.test import Client

    from guanxi.sales.opportunities import services as sales_services

    # given east rep's customer with a follow-up and an opportunity, east rep 2 collaborating on the customer only
    customer = visit.customer
    customer.collaborators.add(people["east_rep2"])
    sales_services.opportunity_create(actor=people["east_rep"], customer=customer, data={"name": "二期扩容商机"})

    def form_for(user: Any) -> str:
        client = Client()
        client.force_login(user)
        response = client.get("/billing/expenses/new/", {"customer": customer.pk})
        assert response.status_code == 200
        return response.content.decode()

    # when the owner opens the claim form for the customer, then both are offered
    html = form_for(people["east_rep"])
    assert "上门演示" in html and "二期扩容商机" in html
    # when the collaborator does, then the shared follow-up is offered but not the owner's opportunity
    html = form_for(people["east_rep2"])
    assert "上门演示" in html and "二期扩容商机" not in html
    # when finance (no follow-ups or opportunities permission) does, then neither is offered
    html = form_for(people["finance"])
    assert "上门演示" not in html and "二期扩容商机" not in html


def test_bulk_delete_takes_only_the_claimants_own_drafts(people: Any, visit: Any) -> None:
    # given a draft and a submitted claim of the rep
    draft = claim_for(people, visit)
    submitted = claim_for(people, visit)
    ExpenseClaim.objects.filter(pk=submitted.pk).update(status=ExpenseClaim.Status.IN_APPROVAL)
    # when their manager deletes the draft / then it is skipped: only the claimant deletes a claim
    assert services.expense_claims_delete(actor=people["east_manager"], ids=[draft.pk]) == (0, 1)
    assert ExpenseClaim.objects.filter(pk=draft.pk).exists()
    # when the rep deletes both from the list
    deleted, skipped = services.expense_claims_delete(actor=people["east_rep"], ids=[draft.pk, submitted.pk])
    # then only the draft went to the recycle bin, audited; the submitted claim is untouched
    assert (deleted, skipped) == (1, 1)
    assert list(ExpenseClaim.objects.values_list("pk", flat=True)) == [submitted.pk]
    assert AuditLog.objects.filter(action=AuditLog.Action.DELETE, object_id=str(draft.pk)).count() == 1
    # and someone without the permission is refused outright
    with pytest.raises(PermissionDeniedError):
        services.expense_claims_delete(actor=people["nobody"], ids=[submitted.pk])
