"""The billing API: plan, invoices, payments, receivables, ageing, statement; If-Match, Idempotency-Key, the
error envelope, query counts, and the authorisation matrix (roles × own / same department / other)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from guanxi.billing import services
from guanxi.billing.models import Instalment, Invoice, Payment
from guanxi.core.models import AuditLog

from .factories import ContractFactory

pytestmark = pytest.mark.django_db
D = Decimal
PLAN = [{"due_date": "2026-11-01", "amount": "30000.00"}, {"due_date": "2026-12-01", "amount": "70000.00"}]


def with_plan(people: Any, contract: Any) -> None:
    services.payment_plan_save(actor=people["finance"], contract=contract, instalments=PLAN)


def test_plan_put_get_with_if_match(people: Any, contract: Any, api_as: Any) -> None:
    api = api_as(people["finance"])
    # when the plan is sent
    r = api.call("put", f"/contracts/{contract.pk}/payment-plan", {"instalments": PLAN})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [i["amount"] for i in body["instalments"]] == ["30000.00", "70000.00"]
    etag = r["ETag"]
    # then a GET returns the same version
    assert api.call("get", f"/contracts/{contract.pk}/payment-plan")["ETag"] == etag
    # a change with the current version works; a second one with the old version is refused (412)
    changed = [{"id": body["instalments"][0]["id"], "due_date": "2026-11-15", "amount": "30000"}, PLAN[1]]
    assert (
        api.call(
            "put", f"/contracts/{contract.pk}/payment-plan", {"instalments": changed}, {"If-Match": etag}
        ).status_code
        == 200
    )
    stale = api.call("put", f"/contracts/{contract.pk}/payment-plan", {"instalments": PLAN}, {"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"


def test_plan_that_does_not_add_up_is_a_field_error(people: Any, contract: Any, api_as: Any) -> None:
    r = api_as(people["finance"]).call(
        "put",
        f"/contracts/{contract.pk}/payment-plan",
        {"instalments": [{"due_date": "2026-11-01", "amount": "99999.99"}]},
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "validation_error" and "¥0.01" in error["fields"]["instalments"][0]
    assert not Instalment.objects.exists()


def test_generate_by_percentages(people: Any, contract: Any, api_as: Any) -> None:
    r = api_as(people["finance"]).call(
        "post",
        f"/contracts/{contract.pk}/payment-plan/generate",
        {"first_due_date": "2026-12-10", "percents": [30, 60, 10], "months_between": 2},
    )
    assert r.status_code == 200, r.content
    assert [(i["due_date"], i["amount"]) for i in r.json()["instalments"]] == [
        ("2026-12-10", "30000.00"),
        ("2027-02-10", "60000.00"),
        ("2027-04-10", "10000.00"),
    ]


def test_payment_create_is_idempotent_and_allocated(people: Any, contract: Any, api_as: Any) -> None:
    with_plan(people, contract)
    api = api_as(people["finance"])
    body = {"contract_id": contract.pk, "amount": "40000.00", "received_on": "2026-11-20", "method": "acceptance_bill"}
    first = api.call("post", "/payments", body, {"Idempotency-Key": "pay-1"})
    assert first.status_code == 201, first.content
    assert [(a["sequence"], a["amount"]) for a in first.json()["allocations"]] == [(1, "30000.00"), (2, "10000.00")]
    again = api.call("post", "/payments", body, {"Idempotency-Key": "pay-1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    # more than the balance due: a field error, nothing written
    over = api.call("post", "/payments", {**body, "amount": "60000.01"})
    assert over.status_code == 400 and "amount" in over.json()["error"]["fields"]
    assert Payment.objects.count() == 1
    # the reversal returns the red entry
    red = api.call("post", f"/payments/{first.json()['id']}/reverse", {"reason": "退票"})
    assert red.status_code == 201 and red.json()["amount"] == "-40000.00"
    plan = api.call("get", f"/contracts/{contract.pk}/payment-plan").json()
    assert plan["balance_due"] == "100000.00"


def test_invoice_create_and_void(people: Any, contract: Any, api_as: Any) -> None:
    api = api_as(people["finance"])
    r = api.call(
        "post", "/invoices", {"contract_id": contract.pk, "number": "04400001", "amount": "11300", "tax_rate": "0.13"}
    )
    assert r.status_code == 201, r.content
    assert (r.json()["tax_amount"], r.json()["net_amount"], r.json()["buyer_title"]) == (
        "1300.00",
        "10000.00",
        "上海恒信机械有限公司",
    )
    over = api.call("post", "/invoices", {"contract_id": contract.pk, "number": "04400002", "amount": "88700.01"})
    assert over.status_code == 400 and "amount" in over.json()["error"]["fields"]
    void = api.call("post", f"/invoices/{r.json()['id']}/void", {"reason": "抬头有误"}, {"If-Match": r["ETag"]})
    assert void.status_code == 200 and void.json()["status"] == "void"
    listed = api.call("get", f"/invoices?customer={contract.customer_id}").json()
    assert listed["count"] == 1


def test_receivables_ageing_statement_endpoints(people: Any, contract: Any, api_as: Any) -> None:
    with_plan(people, contract)
    services.payment_record(
        actor=people["finance"], contract=contract, data={"amount": "10000", "received_on": "2026-11-05"}
    )
    api = api_as(people["finance"])
    r = api.call("get", "/receivables?group=customer").json()
    assert r["rows"][0]["balance_due"] == "90000.00" and r["total"]["collected"] == "10000.00"
    a = api.call("get", "/receivables/ageing?group=owner&as_of=2026-12-02").json()
    assert a["rows"][0]["d31_60"] == "20000.00" and a["rows"][0]["d0_30"] == "70000.00"
    s = api.call("get", "/receivables/statement?month=2026-11").json()
    assert s["rows"][0]["collected"] == "10000.00" and s["rows"][0]["closing"] == "-10000.00"
    bad = api.call("get", "/receivables/statement?month=2026-13")
    assert bad.status_code == 400 and "month" in bad.json()["error"]["fields"]


def test_list_endpoints_have_a_query_baseline(
    people: Any, contract: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        c = ContractFactory(customer=contract.customer, owner=people["east_rep"], amount=D("1000"))
        services.payment_plan_save(
            actor=people["finance"], contract=c, instalments=[{"due_date": "2026-11-01", "amount": "1000"}]
        )
        services.payment_record(actor=people["finance"], contract=c, data={"amount": "100"})
        services.invoice_issue(actor=people["finance"], contract=c, data={"number": f"N{i}", "amount": "100"})
    api = api_as(people["finance"])
    api.call("get", "/payments")  # warm up the session and content types
    for url in ("/payments", "/invoices", "/receivables", "/receivables?group=department", "/receivables/ageing"):
        with django_assert_max_num_queries(12):
            assert api.call("get", url).status_code == 200


# --- the authorisation matrix -------------------------------------------------------------------
READERS = {
    # actor: may read the contract's money (own = east_rep's contract)
    "east_rep": 200,  # owner
    "east_rep2": 404,  # same department, another rep
    "east_manager": 200,  # the department's manager
    "west_manager": 404,  # another department
    "finance": 200,
    "executive": 200,
    "chaser": 200,  # sales management
    "nobody": 403,
}


@pytest.mark.parametrize(("who", "status"), list(READERS.items()))
def test_matrix_reading_a_contracts_money(people: Any, contract: Any, api_as: Any, who: str, status: int) -> None:
    with_plan(people, contract)
    assert api_as(people[who]).call("get", f"/contracts/{contract.pk}/payment-plan").status_code == status
    rows = api_as(people[who]).call("get", "/receivables")
    if status == 403:
        assert rows.status_code == 403
    else:
        assert len(rows.json()["rows"]) == (1 if status == 200 else 0)


WRITERS = ["east_rep", "east_rep2", "east_manager", "west_manager", "executive", "chaser", "nobody"]


@pytest.mark.parametrize("who", WRITERS)
def test_matrix_denied_money_writes_change_nothing(people: Any, contract: Any, api_as: Any, who: str) -> None:
    with_plan(people, contract)
    payment = services.payment_record(actor=people["finance"], contract=contract, data={"amount": "100"})
    invoice = services.invoice_issue(
        actor=people["finance"], contract=contract, data={"number": "M-1", "amount": "100"}
    )
    before = (AuditLog.objects.count(), Payment.objects.count(), Invoice.objects.count())
    plan_before = list(Instalment.objects.values_list("pk", "amount", "due_date", "paid", "version"))
    api = api_as(people[who])
    # then every write is refused: 403 without the permission, 404 outside the scope
    calls = [
        (
            "put",
            f"/contracts/{contract.pk}/payment-plan",
            {"instalments": [{"due_date": "2027-01-01", "amount": "100000"}]},
        ),
        ("post", f"/contracts/{contract.pk}/payment-plan/generate", {"first_due_date": "2027-01-01", "count": 2}),
        ("post", "/payments", {"contract_id": contract.pk, "amount": "10"}),
        ("post", f"/payments/{payment.pk}/reverse", {"reason": "x"}),
        ("post", "/invoices", {"contract_id": contract.pk, "number": "M-2", "amount": "10"}),
        ("post", f"/invoices/{invoice.pk}/void", {"reason": "x"}),
    ]
    for method, url, body in calls:
        r = api.call(method, url, body)
        assert r.status_code in (403, 404), (url, r.status_code, r.content)
        assert r.json()["error"]["code"] in ("permission_denied", "not_found")
    # and nothing changed: no row, no audit entry
    assert (AuditLog.objects.count(), Payment.objects.count(), Invoice.objects.count()) == before
    assert list(Instalment.objects.values_list("pk", "amount", "due_date", "paid", "version")) == plan_before


def test_matrix_finance_writes_on_any_contract(people: Any, api_as: Any) -> None:
    from guanxi.customers.tests.factories import CustomerFactory

    west = ContractFactory(customer=CustomerFactory(owner=people["west_rep"]))
    api = api_as(people["finance"])
    assert (
        api.call(
            "put",
            f"/contracts/{west.pk}/payment-plan",
            {"instalments": [{"due_date": "2026-12-01", "amount": "100000"}]},
        ).status_code
        == 200
    )
    assert api.call("post", "/payments", {"contract_id": west.pk, "amount": "100"}).status_code == 201
    assert api.call("post", "/invoices", {"contract_id": west.pk, "number": "W1", "amount": "100"}).status_code == 201


def test_business_manager_plans_own_department_only(people: Any, api_as: Any, contract: Any) -> None:
    from guanxi.org.tests.factories import UserFactory

    bm = UserFactory(username="east_bm", department=people.east, roles=["business_manager"])
    api = api_as(bm)
    ok = api.call("put", f"/contracts/{contract.pk}/payment-plan", {"instalments": PLAN})
    assert ok.status_code == 200
    from guanxi.customers.tests.factories import CustomerFactory

    west = ContractFactory(customer=CustomerFactory(owner=people["west_rep"]))
    assert api.call("put", f"/contracts/{west.pk}/payment-plan", {"instalments": PLAN}).status_code == 404
    assert api.call("post", "/payments", {"contract_id": contract.pk, "amount": "1"}).status_code == 403
    assert dt.date(2026, 11, 1) in set(Instalment.objects.values_list("due_date", flat=True))
