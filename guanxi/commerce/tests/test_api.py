"""The commerce API: create/submit/approve/contract through JSON, If-Match, Idempotency-Key, error envelope,
the authorisation matrix (roles × own / department / other) and query counts on the lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.commerce import services
from guanxi.commerce.models import Contract, Quote
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory

from .factories import ProductFactory

pytestmark = pytest.mark.django_db


def quote_body(customer: Any, product: Any, discount: str = "0.6") -> dict[str, Any]:
    return {"customer_id": customer.pk, "lines": [{"product_id": product.pk, "quantity": "2", "discount": discount}]}


def test_quote_to_contract_through_the_api(
    org: Any, execs: Any, customer: Any, products: list[Any], api_as: Any
) -> None:
    rep = api_as(org["east_rep"])
    # create (idempotent)
    headers = {"Idempotency-Key": "q-1"}
    created = rep.call("post", "/quotes", quote_body(customer, products[0], "0.48"), headers=headers)
    assert created.status_code == 201, created.content
    again = rep.call("post", "/quotes", quote_body(customer, products[0], "0.48"), headers=headers)
    assert again.json()["id"] == created.json()["id"] and Quote.objects.count() == 1
    body = created.json()
    assert body["total"] == "10848.00" and body["min_discount_rate"] == "0.4800"
    assert body["total_in_capitals"] == "壹万零捌佰肆拾捌元整"
    # a stale If-Match is refused
    stale = rep.call("patch", f"/quotes/{body['id']}", {"title": "新"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 412
    # the route explains who approves
    route = rep.call("get", f"/quotes/{body['id']}/route").json()
    assert route["steps"][0]["approvers"][0]["name"] == str(execs["assistant"])
    assert "48%" in route["explanation"]  # in English; 4.8折 in Chinese
    # submit, approve, contract from the quote
    assert rep.call("post", f"/quotes/{body['id']}/submit").json()["status"] == "in_approval"
    # the quote itself shows its approval: who is asked, and why
    waiting = rep.call("get", f"/quotes/{body['id']}").json()["approval"]
    assert waiting["status"] == "pending" and "48%" in waiting["explanation"]
    assert [a["user"]["id"] for a in waiting["steps"][0]["approvers"]] == [execs["assistant"].pk]
    approval_approve(actor=execs["assistant"], request=approval_open_for(Quote.objects.get()))
    assert rep.call("get", f"/quotes/{body['id']}").json()["approval"]["status"] == "approved"
    made = rep.call("post", "/contracts", {"quote_id": body["id"]})
    assert made.status_code == 201, made.content
    assert made.json()["amount"] == "10848.00" and made.json()["quote"]["id"] == body["id"]


def test_bad_input_is_a_field_error_not_a_500(org: Any, customer: Any, products: list[Any], api_as: Any) -> None:
    rep = api_as(org["east_rep"])
    pooled = CustomerFactory(owner=None)
    bad = rep.call("post", "/quotes", quote_body(pooled, products[0]))
    assert bad.status_code == 400 and "customer_id" in bad.json()["error"]["fields"]
    bad = rep.call("post", "/quotes", {"customer_id": customer.pk, "lines": []})
    assert bad.status_code == 422 and "lines" in bad.json()["error"]["fields"]
    bad = rep.call("post", "/quotes", quote_body(customer, products[0], "1.5"))
    assert bad.status_code == 422 and "lines" in bad.json()["error"]["fields"]
    bad = rep.call("post", "/contracts", {"customer_id": 999999, "amount": "10"})
    assert bad.status_code == 400 and "customer_id" in bad.json()["error"]["fields"]
    assert not Quote.objects.exists() and not Contract.objects.exists()


@pytest.mark.parametrize(
    ("who", "own", "department", "other"),
    [
        ("east_rep", 200, 404, 404),
        ("east_manager", 200, 200, 404),
        ("executive", 200, 200, 200),
        ("nobody", 403, 403, 403),
    ],
)
def test_quote_read_matrix(
    org: Any, execs: Any, products: list[Any], api_as: Any, who: str, own: int, department: int, other: int
) -> None:
    # given a quote of the user (an east rep's for those who cannot quote), one of an east colleague and one of
    # the west department
    own_owner = org[who] if who in ("east_rep", "east_manager") else org["east_rep"]
    quotes = {}
    for key, owner in (("own", own_owner), ("department", org["east_rep2"]), ("other", org["west_rep"])):
        quotes[key] = services.quote_create(
            actor=owner, customer=CustomerFactory(owner=owner), data={}, lines=[{"product": products[0], "quantity": 1}]
        )
    # when the user reads each: own → 200, outside the data scope → 404, without the permission → 403
    client = api_as(org[who])
    for key, expected in (("own", own), ("department", department), ("other", other)):
        assert client.call("get", f"/quotes/{quotes[key].pk}").status_code == expected, key


@pytest.mark.parametrize("who", ["east_rep2", "west_manager", "executive", "nobody"])
def test_denied_writes_change_nothing(
    org: Any, execs: Any, customer: Any, products: list[Any], api_as: Any, who: str
) -> None:
    # given the east rep's draft quote
    quote = services.quote_create(
        actor=org["east_rep"], customer=customer, data={}, lines=[{"product": products[0], "quantity": 1}]
    )
    before = (quote.title, quote.status, quote.version)
    audits = AuditLog.objects.count()
    client = api_as(org[who])
    # when someone else tries to change, submit or delete it
    for method, url, body in (
        ("patch", f"/quotes/{quote.pk}", {"title": "被改了"}),
        ("post", f"/quotes/{quote.pk}/submit", None),
        ("delete", f"/quotes/{quote.pk}", None),
    ):
        assert client.call(method, url, body).status_code in (403, 404)
    # then the row is unchanged and no audit row was written
    quote.refresh_from_db()
    assert (quote.title, quote.status, quote.version) == before
    assert AuditLog.objects.count() == audits


def test_finance_reads_contracts_but_cannot_write(org: Any, execs: Any, customer: Any, api_as: Any) -> None:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "5000"})
    finance = api_as(execs["finance"])
    assert finance.call("get", f"/contracts/{contract.pk}").status_code == 200
    assert finance.call("post", f"/contracts/{contract.pk}/submit").status_code in (403, 404)
    assert finance.call("post", "/contracts", {"customer_id": customer.pk, "amount": "1"}).status_code == 403
    contract.refresh_from_db()
    assert contract.status == "draft"


def test_approver_may_read_the_quote_they_decide(
    org: Any, execs: Any, customer: Any, make_quote: Any, api_as: Any
) -> None:
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.48"))
    # the president's assistant has no data scope on east quotes… but approves this one
    assert api_as(execs["assistant"]).call("get", f"/quotes/{quote.pk}").status_code == 200
    assert api_as(execs["vp"]).call("get", f"/quotes/{quote.pk}").status_code == 200  # executive: all


def test_shipments_through_the_api(org: Any, execs: Any, customer: Any, make_quote: Any, api_as: Any) -> None:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    product = ProductFactory()
    bm = api_as(execs["east_bm"])
    made = bm.call(
        "post",
        "/execution-orders",
        {"contract_id": contract.pk, "lines": [{"product_id": product.pk, "quantity": "5"}]},
    )
    assert made.status_code == 201, made.content
    order = made.json()
    assert bm.call("post", f"/execution-orders/{order['id']}/issue").json()["status"] == "open"
    line_id = order["lines"][0]["id"]
    over = bm.call(
        "post",
        f"/execution-orders/{order['id']}/shipments",
        {"shipped_on": "2026-12-02", "lines": [{"order_line_id": line_id, "quantity": "6"}]},
    )
    assert over.status_code == 400 and "lines" in over.json()["error"]["fields"]
    ok = bm.call(
        "post",
        f"/execution-orders/{order['id']}/shipments",
        {"shipped_on": "2026-12-02", "lines": [{"order_line_id": line_id, "quantity": "5"}]},
    )
    assert ok.status_code == 201
    assert bm.call("get", f"/execution-orders/{order['id']}").json()["status"] == "shipped"


def test_lists_have_a_query_budget(
    org: Any, execs: Any, customer: Any, products: list[Any], api_as: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        services.quote_create(
            actor=org["east_rep"],
            customer=customer,
            data={"title": f"报价{i}"},
            lines=[{"product": products[i % 3], "quantity": 1}],
        )
        services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": str(1000 + i)})
    client = api_as(org["east_manager"])
    for url in ("/quotes", "/contracts", "/products"):
        with django_assert_max_num_queries(12):
            response = client.call("get", url)
        assert response.status_code == 200 and response.json()["count"] >= 3


@pytest.mark.parametrize(
    ("who", "own", "department", "other"),
    [
        ("east_rep", 200, 404, 404),
        ("east_manager", 200, 200, 404),
        ("west_manager", 404, 404, 200),
        ("executive", 200, 200, 200),
        ("nobody", 403, 403, 403),
    ],
)
def test_contract_read_matrix(
    org: Any, execs: Any, api_as: Any, who: str, own: int, department: int, other: int
) -> None:
    # "own" is the east rep's contract, "department" an east colleague's, "other" the west rep's
    rows = {}
    for key, owner in (("own", org["east_rep"]), ("department", org["east_rep2"]), ("other", org["west_rep"])):
        rows[key] = services.contract_create(actor=owner, customer=CustomerFactory(owner=owner), data={"amount": "10"})
    client = api_as(org[who])
    for key, expected in (("own", own), ("department", department), ("other", other)):
        assert client.call("get", f"/contracts/{rows[key].pk}").status_code == expected, key


def test_denied_contract_writes_change_nothing(org: Any, execs: Any, customer: Any, api_as: Any) -> None:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "5000"})
    audits = AuditLog.objects.count()
    for who in ("east_rep2", "west_manager", "executive"):
        client = api_as(org[who])
        assert client.call("patch", f"/contracts/{contract.pk}", {"amount": "1"}).status_code in (403, 404)
        assert client.call("post", f"/contracts/{contract.pk}/submit").status_code in (403, 404)
    contract.refresh_from_db()
    assert (contract.amount, contract.status, contract.version) == (Decimal("5000.00"), "draft", 1)
    assert AuditLog.objects.count() == audits


def test_implementation_staff_see_only_their_orders(org: Any, execs: Any, customer: Any, api_as: Any) -> None:
    import datetime as dt

    from guanxi.org.tests.factories import DepartmentFactory, UserFactory

    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    elsewhere = UserFactory(
        username="engineer2", department=DepartmentFactory(name="外地实施"), roles=["implementation"]
    )
    made = api_as(execs["east_bm"]).call("post", "/implementation-orders", {
        "contract_id": contract.pk,
        "items": [{"title": "部署", "assignee_id": execs["engineer"].pk, "due_on": str(dt.date.today())}],
    })  # fmt: skip
    assert made.status_code == 201, made.content
    order_id = made.json()["id"]
    assert made.json()["items"][0]["task_id"]
    assert api_as(execs["engineer"]).call("get", f"/implementation-orders/{order_id}").status_code == 200
    assert api_as(elsewhere).call("get", f"/implementation-orders/{order_id}").status_code == 404
    assert api_as(elsewhere).call("get", "/implementation-orders").json()["count"] == 0


def test_execution_orders_by_role_and_query_budget(
    org: Any, execs: Any, customer: Any, products: list[Any], api_as: Any, django_assert_max_num_queries: Any
) -> None:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_approve(actor=org["east_manager"], request=approval_open_for(contract))
    for _i in range(6):
        services.execution_order_create(actor=execs["east_bm"], contract=contract,
                                        lines=[{"product": products[0], "quantity": 2}])  # fmt: skip
    order = services.execution_order_create(actor=execs["east_bm"], contract=contract,
                                            lines=[{"product": products[1], "quantity": 1}])  # fmt: skip
    # the reps cannot open orders; finance reads them; another department's business manager does not see them
    from guanxi.org.tests.factories import UserFactory

    west_bm = UserFactory(username="west_bm", department=org.west, roles=["business_manager"])
    assert api_as(org["east_rep"]).call("get", f"/execution-orders/{order.pk}").status_code == 403
    assert api_as(execs["finance"]).call("get", f"/execution-orders/{order.pk}").status_code == 200
    assert api_as(west_bm).call("get", f"/execution-orders/{order.pk}").status_code == 404
    assert api_as(west_bm).call("post", f"/execution-orders/{order.pk}/issue").status_code == 404
    order.refresh_from_db()
    assert order.status == "draft"
    client = api_as(execs["east_bm"])
    with django_assert_max_num_queries(12):
        listed = client.call("get", "/execution-orders")
    assert listed.json()["count"] == 7
    with django_assert_max_num_queries(12):
        assert client.call("get", "/implementation-orders").status_code == 200
