"""Contracts (routing, signing wins the opportunity, pool protection, termination) and execution /
implementation orders (lines, shipments, tasks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.commerce import services
from guanxi.commerce.models import Contract, ExecutionOrder, ImplementationItem, Quote
from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.models import Notification
from guanxi.core.numbering import number_next
from guanxi.core.registry import registry
from guanxi.customers.models import Task
from guanxi.sales.opportunities.services import opportunity_create

pytestmark = pytest.mark.django_db


def approved_quote(org: Any, customer: Any, make_quote: Any, discount: str = "0.6") -> Quote:
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, discount))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    quote.refresh_from_db()
    return quote


def approved_contract(org: Any, customer: Any, **data: Any) -> Contract:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "100000", **data})
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    contract.refresh_from_db()
    return contract


def first_step_users(document: Any) -> list[str]:
    request = approval_open_for(document)
    return sorted(a.user.username for a in request.steps.order_by("order").first().assignments.all())


def test_contract_from_a_quote_copies_it(org: Any, execs: Any, customer: Any, make_quote: Any) -> None:
    quote = approved_quote(org, customer, make_quote)
    contract = services.contract_create(actor=org["east_rep"], quote=quote)
    assert (contract.customer_id, contract.amount, contract.min_discount_rate) == (
        customer.pk,
        quote.total,
        quote.min_discount_rate,
    )
    assert contract.number.startswith(f"HT-{timezone.localdate():%Y}-")
    assert contract.status == Contract.Status.DRAFT


def test_contract_refuses_a_draft_quote_and_an_unknown_customer(org: Any, customer: Any, make_quote: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.contract_create(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer))
    assert "quote" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.contract_create(actor=org["east_rep"], customer=None, data={"amount": "1"})
    assert "customer" in exc.value.fields
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("amount", "standard", "discount", "first"),
    [
        ("200000", True, "0.46", ["east_manager"]),
        ("200000.01", True, "0.46", ["smm"]),
        ("150000", False, "0.8", ["smm"]),
        ("150000", True, "0.45", ["smm"]),
    ],
)
def test_contract_routing(
    org: Any, execs: Any, customer: Any, amount: str, standard: bool, discount: str, first: list[str]
) -> None:
    # ≤ 200,000, above 4.5折 and standard → the department manager alone; anything else → countersign,
    # starting with the sales-management manager
    contract = services.contract_create(
        actor=org["east_rep"],
        customer=customer,
        data={"amount": amount, "standard_template": standard, "min_discount_rate": discount},
    )
    services.contract_submit(actor=org["east_rep"], contract=contract)
    assert first_step_users(contract) == first
    request = approval_open_for(contract)
    steps = list(request.steps.order_by("order"))
    if first == ["smm"]:
        assert len(steps) == 2 and steps[1].mode == "all"
        assert sorted(a.user.username for a in steps[1].assignments.all()) == ["impl_vp", "president", "rd_vp"]
    else:
        assert len(steps) == 1


def test_signing_wins_the_opportunity(org: Any, execs: Any, customer: Any) -> None:
    opp = opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "CRM项目", "amount": "90000"})
    contract = services.contract_create(actor=org["east_rep"], opportunity=opp)
    assert contract.amount == Decimal("90000.00")
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    # when the approved contract is signed
    contract = services.contract_sign(actor=org["east_rep"], contract=contract, signed_on=timezone.localdate())
    # then the opportunity is won
    opp.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED and opp.status == "won"


def test_signing_needs_approval_and_a_date(org: Any, customer: Any) -> None:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    with pytest.raises(InvalidStateError):
        services.contract_sign(actor=org["east_rep"], contract=contract, signed_on=timezone.localdate())
    with pytest.raises(ValidationFailed):
        services.contract_sign(actor=org["east_rep"], contract=contract, signed_on=None)


def test_signed_contract_protects_the_customer_from_the_pool(org: Any, execs: Any, customer: Any) -> None:
    contract = approved_contract(org, customer)
    [protection] = [p for p in registry.pool_protections if p.key == "active_contract"]
    from guanxi.customers.models import Customer

    assert not Customer.objects.filter(protection.protected(now=timezone.now()), pk=customer.pk).exists()
    services.contract_sign(actor=org["east_rep"], contract=contract, signed_on=timezone.localdate())
    assert Customer.objects.filter(protection.protected(now=timezone.now()), pk=customer.pk).exists()
    assert protection.override == "reclaim_with_active_contract"


def test_termination_needs_a_reason(org: Any, execs: Any, customer: Any) -> None:
    contract = approved_contract(org, customer)
    with pytest.raises(ValidationFailed) as exc:
        services.contract_terminate(actor=org["east_rep"], contract=contract, reason=" ")
    assert "reason" in exc.value.fields
    contract = services.contract_terminate(actor=org["east_rep"], contract=contract, reason="客户取消")
    assert contract.status == Contract.Status.TERMINATED and contract.terminated_reason == "客户取消"


def test_numbers_never_repeat_and_restart_per_period() -> None:
    day = dt.date(2026, 12, 2)
    first = [number_next("quote", day=day) for _ in range(3)]
    assert first == ["BJ20261202-0001", "BJ20261202-0002", "BJ20261202-0003"]
    assert number_next("quote", day=day + dt.timedelta(days=1)) == "BJ20261203-0001"
    assert number_next("contract", day=day) == "HT-2026-00001"


def test_execution_order_ships_in_parts(
    org: Any, execs: Any, customer: Any, make_quote: Any, products: list[Any]
) -> None:
    quote = approved_quote(org, customer, make_quote)
    contract = services.contract_create(actor=org["east_rep"], quote=quote)
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    # when the business manager issues an execution order (lines default to the quote's)
    bm = execs["east_bm"]
    order = services.execution_order_create(actor=bm, contract=contract)
    [line] = list(order.lines.all())
    assert line.quantity == Decimal("2")
    order = services.execution_order_issue(actor=bm, order=order)
    # then the shipping, collection and implementation people are told
    told = set(Notification.objects.filter(kind="execution_order_issued").values_list("recipient__username", flat=True))
    assert {"east_bm", "finance", "engineer"} <= told
    # shipping more than ordered is refused, one then one ships it fully
    with pytest.raises(ValidationFailed):
        services.shipment_record(actor=bm, order=order, shipped_on=timezone.localdate(), quantities={line.pk: "3"})
    services.shipment_record(actor=bm, order=order, shipped_on=timezone.localdate(), quantities={line.pk: "1"})
    order.refresh_from_db()
    assert order.status == ExecutionOrder.Status.PARTIALLY_SHIPPED
    services.shipment_record(actor=bm, order=order, shipped_on=timezone.localdate(), quantities={line.pk: "1"})
    order.refresh_from_db()
    assert order.status == ExecutionOrder.Status.SHIPPED


def test_execution_order_needs_an_approved_contract(org: Any, execs: Any, customer: Any, products: list[Any]) -> None:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    with pytest.raises(ValidationFailed):
        services.execution_order_create(
            actor=execs["east_bm"], contract=contract, lines=[{"product": products[0], "quantity": 1}]
        )


def test_implementation_order_items_become_tasks(org: Any, execs: Any, customer: Any) -> None:
    contract = approved_contract(org, customer)
    engineer = execs["engineer"]
    due = timezone.localdate() + dt.timedelta(days=7)
    order = services.implementation_order_create(
        actor=execs["east_bm"],
        contract=contract,
        items=[
            {"title": "安装部署", "assignee": engineer, "due_on": due},
            {"title": "培训", "assignee": engineer, "due_on": due},
        ],
    )
    tasks = Task.objects.filter(assignee=engineer, customer=contract.customer)
    assert tasks.count() == 2
    assert Notification.objects.filter(recipient=engineer, kind="implementation_order_issued").exists()
    # progress follows the tasks
    from guanxi.commerce.selectors import implementation_order_get, implementation_progress
    from guanxi.customers.services import task_set_done

    task_set_done(actor=engineer, task=tasks.first())
    seen = implementation_order_get(user=engineer, pk=order.pk)
    assert implementation_progress(seen) == 50
    assert ImplementationItem.objects.filter(order=order).count() == 2
