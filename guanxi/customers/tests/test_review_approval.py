"""New-customer review (录入审核) through the approval engine: routing, decisions, return and resubmit,
withdraw, who may decide, the fallback when the engine refuses, and the customer page / inbox."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from guanxi.approvals.defaults import ensure_defaults
from guanxi.approvals.models import ApprovalRequest, ApprovalRule
from guanxi.approvals.selectors import approval_open_for, approvals_pending_for
from guanxi.approvals.services import approval_approve, approval_return, approval_withdraw
from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.customers.review import REVIEW_KIND, REVIEW_RULE
from guanxi.org.models import Department
from guanxi.org.tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewing(org: Any) -> Any:
    """华东销售部 reviews the customers its reps enter."""
    org.east.requires_customer_review = True
    org.east.save(update_fields=["requires_customer_review"])
    return org


def enter(user: Any, name: str = "待审科技有限公司") -> Customer:
    return services.customer_create(actor=user, data={"name": name, "source": "website"})


def approvers(request: ApprovalRequest) -> set[str]:
    step = request.steps.get(order=request.current_step)
    return set(step.assignments.filter(decision="").values_list("user__username", flat=True))


def snapshot(customer: Customer, request: ApprovalRequest) -> tuple[Any, ...]:
    customer.refresh_from_db()
    request.refresh_from_db()
    return (customer.review_status, customer.review_reason, customer.version, request.status, AuditLog.objects.count())


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- routing -------------------------------------------------------------------------------------
def test_the_default_rule_is_seeded_once(db: Any) -> None:
    # given the migrated database: the default rule exists, with one 或签 step of department manager or assistant
    rule = ApprovalRule.objects.get(seed_key=REVIEW_RULE["seed_key"])
    step = rule.steps.get()
    assert (rule.kind, rule.conditions, rule.is_active) == (REVIEW_KIND, [], True)
    assert (step.approver_type, step.codes, step.same_department, step.mode) == (
        "role",
        ["department_manager", "department_assistant"],
        True,
        "any",
    )
    # when seeding again, nothing is added; and a deleted default stays deleted until seeded on purpose
    assert ensure_defaults() == 0
    assert ApprovalRule.objects.filter(kind=REVIEW_KIND).count() == 1


def test_a_reps_new_customer_goes_to_the_department_manager_and_assistant(reviewing: Any) -> None:
    # when a rep of a reviewing department enters a customer
    customer = enter(reviewing["east_rep"])
    # then it waits for review and an approval request routes it to the manager and the assistant (either one)
    assert customer.review_status == Customer.Review.PENDING
    request = approval_open_for(customer)
    assert request is not None and request.kind == REVIEW_KIND and request.title == "待审科技有限公司"
    assert request.applicant == reviewing["east_rep"] and request.customer_id == customer.pk
    assert approvers(request) == {"east_manager", "east_assistant"}
    assert request.facts == {
        "department_id": reviewing.east.pk,
        "source": "website",
        "kind": "company",
        "level": customer.level,
    }
    # with the explanation of why they approve
    assert "Department manager or assistant" in request.explanation
    # and both are told by the engine, with a link to the customer
    told = Notification.objects.filter(kind="approval", url=f"/customers/{customer.pk}/")
    assert set(told.values_list("recipient__username", flat=True)) == {"east_manager", "east_assistant"}
    assert not Notification.objects.filter(kind="customer_review").exists()


def test_a_team_reps_customer_goes_up_to_the_departments_reviewers(reviewing: Any) -> None:
    # given the team under 华东销售部 reviews too, but has no manager or assistant of its own
    reviewing.east_team.requires_customer_review = True
    reviewing.east_team.save(update_fields=["requires_customer_review"])
    # when a team rep enters a customer
    customer = enter(reviewing["team_rep"])
    # then the nearest manager/assistant up the tree approve
    assert approvers(approval_open_for(customer)) == {"east_manager", "east_assistant"}


def test_someone_who_may_approve_skips_review(reviewing: Any) -> None:
    customer = enter(reviewing["east_assistant"], "助理录入有限公司")
    assert customer.review_status == Customer.Review.ACTIVE and approval_open_for(customer) is None


# --- decisions -----------------------------------------------------------------------------------
def test_an_approver_approves_through_the_engine(reviewing: Any) -> None:
    customer = enter(reviewing["east_rep"])
    request = approval_open_for(customer)
    # when the assistant approves on the customer page (customer_review)
    services.customer_review(actor=reviewing["east_assistant"], customer=customer, approve=True)
    # then the request is approved and the customer active, with an audit row on each
    customer.refresh_from_db()
    request.refresh_from_db()
    assert request.status == "approved" and customer.review_status == Customer.Review.ACTIVE
    assert AuditLog.objects.filter(object_id=str(customer.pk), action="approve", actor=reviewing["east_assistant"])
    # and the rep who entered it is told once
    told = Notification.objects.filter(recipient=reviewing["east_rep"], title__contains="待审科技有限公司")
    assert [n.title for n in told] == ["Approved: 待审科技有限公司"]
    # a second decision finds nothing to decide
    with pytest.raises(InvalidStateError):
        services.customer_review(actor=reviewing["east_manager"], customer=customer, approve=True)


def test_rejecting_needs_a_reason_and_keeps_it(reviewing: Any) -> None:
    customer = enter(reviewing["east_rep"])
    request = approval_open_for(customer)
    before = snapshot(customer, request)
    # a rejection without a reason is refused, naming the field, and nothing changes
    with pytest.raises(ValidationFailed) as exc:
        services.customer_review(actor=reviewing["east_manager"], customer=customer, approve=False, reason="  ")
    assert "reason" in exc.value.fields
    assert snapshot(customer, request) == before
    # with a reason the customer is rejected and the reason shown
    services.customer_review(actor=reviewing["east_manager"], customer=customer, approve=False, reason="重复录入")
    customer.refresh_from_db()
    request.refresh_from_db()
    assert (customer.review_status, customer.review_reason) == (Customer.Review.REJECTED, "重复录入")
    assert request.status == "rejected"


def test_returned_customer_stays_pending_and_can_be_resubmitted(reviewing: Any) -> None:
    customer = enter(reviewing["east_rep"])
    first = approval_open_for(customer)
    # when the manager returns it for changes
    approval_return(actor=reviewing["east_manager"], request=first, comment="请补充统一社会信用代码")
    # then it stays pending with the comment shown, and nobody has it to decide
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.PENDING
    assert customer.review_reason == "请补充统一社会信用代码"
    assert approval_open_for(customer) is None
    with pytest.raises(PermissionDeniedError):  # the rep may not decide it directly either
        services.customer_review(actor=reviewing["east_rep"], customer=customer, approve=True)
    # another rep cannot resubmit it (out of reach); the owner can, after editing
    with pytest.raises(NotFoundError):
        services.customer_review_resubmit(actor=reviewing["east_rep2"], customer=customer)
    services.customer_update(actor=reviewing["east_rep"], customer=customer, data={"credit_code": "91350100M000100Y43"})
    second = services.customer_review_resubmit(actor=reviewing["east_rep"], customer=customer)
    # a new request waits for the same approvers; the returned one stays in the history
    assert second is not None and second.pk != first.pk and approval_open_for(customer) == second
    assert approvers(second) == {"east_manager", "east_assistant"}
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.PENDING and customer.review_reason == ""
    assert ApprovalRequest.objects.filter(object_id=customer.pk, kind=REVIEW_KIND).count() == 2
    # resubmitting an open request is refused
    with pytest.raises(InvalidStateError):
        services.customer_review_resubmit(actor=reviewing["east_rep"], customer=customer)
    # and the second time it is approved
    services.customer_review(actor=reviewing["east_manager"], customer=customer, approve=True)
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.ACTIVE


def test_withdrawn_customer_stays_pending_and_can_be_resubmitted(reviewing: Any) -> None:
    customer = enter(reviewing["east_rep"])
    approval_withdraw(actor=reviewing["east_rep"], request=approval_open_for(customer), comment="名称写错了")
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.PENDING and approval_open_for(customer) is None
    assert services.customer_review_resubmit(actor=reviewing["east_rep"], customer=customer) is not None
    assert approval_open_for(customer) is not None


def test_a_customer_that_was_never_returned_cannot_be_resubmitted(reviewing: Any) -> None:
    customer = enter(reviewing["east_rep"])
    services.customer_review(actor=reviewing["east_manager"], customer=customer, approve=True)
    with pytest.raises(InvalidStateError):
        services.customer_review_resubmit(actor=reviewing["east_rep"], customer=customer)


def test_someone_who_is_not_an_approver_cannot_decide_and_nothing_changes(reviewing: Any) -> None:
    customer = enter(reviewing["east_rep"])
    request = approval_open_for(customer)
    before = snapshot(customer, request)
    # a rep of the department, the other department's manager and a user without roles: all refused
    with pytest.raises(PermissionDeniedError):
        services.customer_review(actor=reviewing["east_rep2"], customer=customer, approve=True)
    with pytest.raises(NotFoundError):
        services.customer_review(actor=reviewing["west_manager"], customer=customer, approve=False, reason="不要")
    with pytest.raises(PermissionDeniedError):
        services.customer_review(actor=reviewing["nobody"], customer=customer, approve=True)
    with pytest.raises(PermissionDeniedError):  # nor through the engine (the inbox's buttons)
        approval_approve(actor=reviewing["west_manager"], request=request)
    # the applicant cannot approve their own request
    with pytest.raises(PermissionDeniedError):
        approval_approve(actor=reviewing["east_rep"], request=request)
    # then the customer and the request are unchanged, with no audit row
    assert snapshot(customer, request) == before


def test_an_approver_outside_the_request_decides_directly(reviewing: Any) -> None:
    # given a pending customer whose request waits for the manager and the assistant
    customer = enter(reviewing["east_rep"])
    request = approval_open_for(customer)
    # when an executive (customers.approve, all customers) rejects it directly
    services.customer_review(actor=reviewing["executive"], customer=customer, approve=False, reason="黑名单客户")
    customer.refresh_from_db()
    assert (customer.review_status, customer.review_reason) == (Customer.Review.REJECTED, "黑名单客户")
    # then the request ends with the same outcome and leaves the approvers' inbox
    request.refresh_from_db()
    assert request.status == "rejected"
    assert not approvals_pending_for(reviewing["east_manager"]).filter(pk=request.pk).exists()
    assert request.steps.filter(status="pending").count() == 0
    last = request.actions.order_by("-at", "-id").first()
    assert last.actor == reviewing["executive"] and "黑名单客户" in last.comment
    # and nobody can overturn the decision, on the customer page or from the inbox
    with pytest.raises(InvalidStateError):
        services.customer_review(actor=reviewing["east_manager"], customer=customer, approve=True)
    with pytest.raises(InvalidStateError):
        approval_approve(actor=reviewing["east_manager"], request=request)
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.REJECTED


def test_a_two_step_rule_keeps_the_customer_pending_until_the_last_step(reviewing: Any) -> None:
    # given an administrator added a second step (the executive) to the review rule
    rule = ApprovalRule.objects.get(seed_key=REVIEW_RULE["seed_key"])
    second = rule.steps.create(order=1, label="Executive", approver_type="role", codes=["executive"])
    assert second.pk
    customer = enter(reviewing["east_rep"])
    # when the manager approves, the customer still waits for the executive
    customer = services.customer_review(actor=reviewing["east_manager"], customer=customer, approve=True)
    assert customer.review_status == Customer.Review.PENDING
    assert approvers(approval_open_for(customer)) == {"executive"}
    services.customer_review(actor=reviewing["executive"], customer=customer, approve=True)
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.ACTIVE


# --- the fallback when the engine refuses ----------------------------------------------------------
def test_without_a_rule_the_department_reviewers_are_told_as_before(reviewing: Any, caplog: Any) -> None:
    # given the administrator switched the review rule off
    ApprovalRule.objects.filter(kind=REVIEW_KIND).update(is_active=False)
    # when a rep enters a customer, it is still created and pending, without an approval request
    with caplog.at_level(logging.WARNING, logger="guanxi.customers.services"):
        customer = enter(reviewing["east_rep"])
    assert Customer.objects.filter(pk=customer.pk, review_status=Customer.Review.PENDING).exists()
    assert approval_open_for(customer) is None
    assert "refused the new-customer review" in caplog.text
    # the manager and the assistant are told as before the engine
    told = Notification.objects.filter(kind="customer_review")
    assert set(told.values_list("recipient__username", flat=True)) == {"east_manager", "east_assistant"}
    # and decide directly
    services.customer_review(actor=reviewing["east_assistant"], customer=customer, approve=True)
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.ACTIVE


def test_when_nobody_can_approve_the_customer_is_still_created(org: Any) -> None:
    # given a new reviewing department with nobody holding the manager or assistant role, up to headquarters
    south = DepartmentFactory(name="华南销售部", parent=org.hq, requires_customer_review=True)
    rep = UserFactory(username="south_rep", department=south, roles=["sales_rep"])
    # when its rep enters a customer, the customer is created, pending, without a request
    customer = enter(rep)
    assert customer.review_status == Customer.Review.PENDING and approval_open_for(customer) is None
    assert Department.objects.get(pk=south.pk).requires_customer_review


# --- the customer page and the inbox ---------------------------------------------------------------
def test_customer_page_shows_the_approval_card_and_the_inbox_links_to_the_customer(
    reviewing: Any, django_assert_max_num_queries: Any
) -> None:
    customer = enter(reviewing["east_rep"])
    manager = client_for(reviewing["east_manager"])
    # the approver sees the approval card with its buttons, not the direct review bar; the card costs a fixed
    # handful of queries on top of the page's budget (see test_360_page_query_count_does_not_grow)
    from guanxi.core.registry import registry

    manager.get(f"/customers/{customer.pk}/")
    # (+5: the pool countdown in the fact strip reads the pool rules and their coverage once)
    with django_assert_max_num_queries(30 + 3 * len(registry.tabs_for("customers.customer")) + 12 + 5):
        html = manager.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="approval"' in html and "Return for changes" in html
    assert 'name="decision"' not in html
    # the rep sees the card (to withdraw) but no decision
    html = client_for(reviewing["east_rep"]).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="approval"' in html and "Withdraw" in html and "Return for changes" not in html
    # an executive (not an approver of the request) gets the direct review bar with a note
    html = client_for(reviewing["executive"]).get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="decision"' in html and "recorded directly on the customer" in html
    # the inbox card links to the customer
    inbox = manager.get("/approvals/").content.decode()
    assert "待审科技有限公司" in inbox and f"/customers/{customer.pk}/" in inbox


def test_review_buttons_on_the_page_act_through_the_engine(reviewing: Any) -> None:
    customer = enter(reviewing["east_rep"])
    request = approval_open_for(customer)
    # the manager returns it from the approval card
    response = client_for(reviewing["east_manager"]).post(
        f"/approvals/{request.pk}/return/", {"comment": "联系电话缺失", "next": f"/customers/{customer.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    # the rep sees why, and the resubmit button
    rep = client_for(reviewing["east_rep"])
    html = rep.get(f"/customers/{customer.pk}/").content.decode()
    assert "联系电话缺失" in html and "Resubmit for review" in html
    # another rep with the page in reach (a manager) does not get the resubmit button
    assert (
        "Resubmit for review"
        not in client_for(reviewing["east_manager"]).get(f"/customers/{customer.pk}/").content.decode()
    )
    # resubmitting starts a new request
    response = rep.post(f"/customers/{customer.pk}/review/resubmit/")
    assert response.status_code == 302
    assert approval_open_for(customer) is not None
    # and the assistant approves it with the old review bar's form, which goes through the engine
    client_for(reviewing["east_assistant"]).post(f"/customers/{customer.pk}/review/", {"decision": "approve"})
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.ACTIVE
    assert approval_open_for(customer) is None


# --- API -------------------------------------------------------------------------------------------
def test_api_review_and_resubmit(reviewing: Any) -> None:
    from guanxi.customers.tests.test_api_customers import error_of, send, token_client

    rep, manager = token_client(reviewing["east_rep"]), token_client(reviewing["east_manager"])
    created = send(rep, "post", "/api/v1/customers", {"name": "接口待审有限公司"}).json()
    customer = Customer.objects.get(pk=created["id"])
    request = approval_open_for(customer)
    # resubmitting while the request is open is an invalid state
    url = f"/api/v1/customers/{customer.pk}/review/resubmit"
    assert error_of(send(rep, "post", url), 409)["code"] == "invalid_state"
    # the manager returns it through the approvals API; the rep resubmits; the manager approves with the review call
    response = send(manager, "post", f"/api/v1/approvals/{request.pk}/return", {"comment": "补充地址"})
    assert response.status_code == 200, response.content
    response = send(rep, "post", url)
    assert response.status_code == 200 and response.json()["review_status"] == "pending"
    response = send(manager, "post", f"/api/v1/customers/{customer.pk}/review", {"approve": True})
    assert response.status_code == 200 and response.json()["review_status"] == "active"


# --- rules an administrator edits ------------------------------------------------------------------
def test_a_rule_on_the_customers_facts_routes_it_elsewhere(reviewing: Any) -> None:
    # given an administrator sends bought lists (source "purchased") to the executive first
    rule = ApprovalRule.objects.create(
        kind=REVIEW_KIND,
        name="买来的名单",
        priority=5,
        conditions=[{"fact": "source", "op": "eq", "value": "purchased"}],
    )
    rule.steps.create(order=0, label="Executive", approver_type="role", codes=["executive"])
    # when a rep enters one bought customer and one from the website
    bought = services.customer_create(actor=reviewing["east_rep"], data={"name": "名单客户", "source": "purchased"})
    website = enter(reviewing["east_rep"])
    # then the bought one goes to the executive, with the reason; the other to the department as before
    request = approval_open_for(bought)
    assert approvers(request) == {"executive"} and request.rule == rule and "purchased" in request.explanation
    assert approvers(approval_open_for(website)) == {"east_manager", "east_assistant"}


def test_a_named_approver_without_customers_approve_decides_through_the_engine(reviewing: Any) -> None:
    # given the review rule names one user, who holds no customers.approve permission
    step = ApprovalRule.objects.get(seed_key=REVIEW_RULE["seed_key"]).steps.get()
    step.approver_type, step.codes = "users", []
    step.save()
    step.users.set([reviewing["east_rep2"]])
    customer = enter(reviewing["east_rep"])
    # when that user approves with the customer review action, the engine decides
    services.customer_review(actor=reviewing["east_rep2"], customer=customer, approve=True)
    customer.refresh_from_db()
    assert customer.review_status == Customer.Review.ACTIVE


def test_the_creator_is_told_when_the_owner_resubmitted(reviewing: Any) -> None:
    # given a business manager (customers.assign, not approve) enters a customer for a rep of a reviewing department
    reviewing.west.requires_customer_review = True
    reviewing.west.save(update_fields=["requires_customer_review"])
    business = UserFactory(username="west_business", department=reviewing.west, roles=["business_manager"])
    customer = services.customer_create(actor=business, data={"name": "代录客户"}, owner=reviewing["west_rep"])
    assert approvers(approval_open_for(customer)) == {"west_manager"}
    # the manager returns it; the owner (not the creator) resubmits; the manager approves
    approval_return(actor=reviewing["west_manager"], request=approval_open_for(customer), comment="补资料")
    services.customer_review_resubmit(actor=reviewing["west_rep"], customer=customer)
    services.customer_review(actor=reviewing["west_manager"], customer=customer, approve=True)
    # then the owner (the applicant) hears from the engine and the creator from the customer review
    assert Notification.objects.filter(recipient=reviewing["west_rep"], title="Approved: 代录客户").exists()
    assert Notification.objects.filter(
        recipient=business, kind="customer_review_result", title="Customer approved: 代录客户"
    ).exists()


def test_the_inbox_costs_the_same_with_more_customers_to_review(reviewing: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = client_for(reviewing["east_manager"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert manager.get("/approvals/").status_code == 200
        return len(ctx)

    # given two customers waiting, then twelve
    for i in range(2):
        enter(reviewing["east_rep"], f"待审{i}有限公司")
    count()  # a session's first request stamps it (once a minute): not a cost of the inbox
    few = count()
    for i in range(2, 12):
        enter(reviewing["east_rep"], f"待审{i}有限公司")
    # then the inbox with its customer cards costs the same number of queries
    assert count() == few
