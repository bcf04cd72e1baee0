"""A customer merge moves every record of the merged-away customer, in every installed app, and undo puts each
one back exactly (tested here, on the highest floor, because it spans sales, commerce and billing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from guanxi.approvals.models import ApprovalRequest
from guanxi.billing import services
from guanxi.billing.models import Instalment, Invoice, Payment
from guanxi.commerce.models import ExecutionOrder, ImplementationOrder, Quote
from guanxi.core.models import AuditLog
from guanxi.customers.dedupe.services import customer_merge, customer_merge_undo, merge_movers
from guanxi.customers.models import Customer, PoolEvent, RegistrationConflict
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.sales.models import OpportunityDocument
from guanxi.sales.opportunities.services import opportunity_create
from guanxi.sales.tests.factories import LeadFactory

from .factories import ContractFactory

pytestmark = pytest.mark.django_db


def give_everything_to(people: Any, customer: Any) -> None:
    """One record of every kind that hangs off a customer, through each app's services where they exist."""
    rep, finance = people["east_rep"], people["finance"]
    contact = ContactFactory(customer=customer)
    visit = FollowUpFactory(customer=customer, contact=contact, author=rep)
    TaskFactory(customer=customer, assignee=rep)
    LeadFactory(owner=rep, status="converted", converted_customer=customer, converted_contact=contact)
    opp = opportunity_create(actor=rep, customer=customer, data={"name": f"{customer.name}项目", "amount": "50000"})
    OpportunityDocument.objects.create(opportunity=opp, file=ContentFile(b"%PDF", name="方案.pdf"), name="方案.pdf")
    Quote.objects.create(
        number=f"BJ-{customer.pk}",
        title="报价",
        customer=customer,
        owner=rep,
        quote_date=dt.date(2026, 11, 1),
        valid_until=dt.date(2026, 12, 1),
    )
    contract = ContractFactory(customer=customer, owner=rep)
    services.payment_plan_save(
        actor=finance, contract=contract, instalments=[{"due_date": dt.date(2026, 12, 1), "amount": "100000"}]
    )
    services.invoice_issue(actor=finance, contract=contract, data={"number": f"No.{customer.pk}", "amount": "1000"})
    services.payment_record(actor=finance, contract=contract, data={"amount": "1000", "received_on": "2026-11-20"})
    ExecutionOrder.objects.create(number=f"ZX-{customer.pk}", contract=contract, customer=customer, owner=rep)
    ImplementationOrder.objects.create(
        number=f"SS-{customer.pk}", title="实施", contract=contract, customer=customer, owner=rep
    )
    claim = services.expense_claim_create(
        actor=rep,
        data={"title": "出差", "customer": customer, "follow_up": visit, "purpose": "演示"},
        lines=[{"category": "travel", "spent_on": dt.date(2026, 11, 20), "amount": "300"}],
    )
    services.expense_claim_submit(actor=rep, claim=claim)  # an approval request on the customer
    PoolEvent.objects.create(customer=customer, action=PoolEvent.Action.CLAIMED, user=rep)
    RegistrationConflict.objects.create(
        customer=customer, first_owner=rep, claimant=people["west_rep"], matched_on="name", matched_value="x"
    )


BILLING_AND_BELOW = {"core", "org", "approvals", "customers", "sales", "commerce", "billing"}


def movers_here() -> list[Any]:
    """The movers of the apps up to billing, whose records give_everything_to makes (a higher app proves its own)."""
    return [m for m in merge_movers() if m.model.split(".")[0] in BILLING_AND_BELOW]


def world(*customers: Any) -> dict[str, list[tuple[int, int]]]:
    """Where every row pointing at these customers points, per mover, plus the contract-owned billing rows."""
    ids = [c.pk for c in customers]
    state: dict[str, list[tuple[int, int]]] = {}
    for mover in movers_here():
        state[mover.label] = mover.rows(ids)  # every row of that column on these customers, deleted ones too
    for model in (Instalment, Invoice, Payment):
        state[model._meta.label] = sorted(
            model.objects.filter(contract__customer_id__in=ids).values_list("pk", "contract__customer_id")
        )
    return state


def test_merge_moves_every_record_and_undo_puts_each_back(people: Any) -> None:
    # given two records of one company, each with a record of every kind, and the survivor's own review request
    a = CustomerFactory(name="华信科技有限公司", owner=people["east_rep"])
    b = CustomerFactory(name="华信科技股份有限公司", owner=people["east_rep"])
    for c in (a, b):
        give_everything_to(people, c)
    review = ApprovalRequest.objects.create(
        kind="customer_review",
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=b.pk,
        customer_id=b.pk,
        title=b.name,
        applicant=people["east_rep"],
        status=ApprovalRequest.Status.APPROVED,
        submitted_at=timezone.now(),
    )
    before = world(a, b)
    assert all(before[label] for label in before), [label for label in before if not before[label]]

    # when the manager merges b into a
    merge = customer_merge(actor=people["east_manager"], survivor_id=a.pk, merged_ids=[b.pk])

    # then every row of every kind points at a, as many as before, and the counts say so
    after = world(a, b)
    for label, rows in after.items():
        assert {owner for _pk, owner in rows} == {a.pk}, label
        assert len(rows) == len(before[label]), label
    moved_from_b = {label: sum(1 for _pk, owner in rows if owner == b.pk) for label, rows in before.items()}
    assert {label: merge.snapshot["counts"][label] for label in moved_from_b if label in merge.snapshot["counts"]} == {
        m.label: moved_from_b[m.label] for m in movers_here()
    }
    # except b's own review, which decides about b and stays with it
    review.refresh_from_db()
    assert review.customer_id == b.pk
    merged_row = AuditLog.objects.get(customer_id=a.pk, changes__has_key="moved")
    assert merged_row.changes["moved"][1] == merge.snapshot["counts"]

    # when the merge is undone
    customer_merge_undo(actor=people["east_manager"], merge_id=merge.pk)
    # then every moved row points back at b, and both the merge and its undo are in the audit trail
    assert world(a, b) == before
    undo_row = AuditLog.objects.get(customer_id=a.pk, changes__has_key="moved_back")
    assert undo_row.changes["moved_back"][1] == merge.snapshot["counts"]
