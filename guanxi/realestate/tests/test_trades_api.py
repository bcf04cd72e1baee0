"""The REST API of the transaction chain: selection → subscription → contract → receipt, the trade's balance, a
conflict answered 409, bad input 400 naming the field, a trade out of scope 404."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.realestate import services
from guanxi.realestate.models import Unit

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()  # set again before each test (root conftest): a run may cross midnight
TODAY_FOLLOWS_THE_CLOCK = True


def _post(client, url, body):
    return client.post(f"/api/v1/realestate/{url}", json.dumps(body), content_type="application/json")


def test_the_chain_through_the_api_reconciles_to_the_cent(client, org, project):
    admin = org["admin"]
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    data = {"name": "分期", "kind": "instalments", "down_payment_percent": "30", "instalment_percents": "50/50"}
    scheme = services.scheme_add(actor=admin, project=project, data=data)
    buyer = CustomerFactory(owner=org["east_rep"])
    unit = Unit.objects.get(building__project=project, number="101")
    client.force_login(org["east_rep"])
    trade = _post(client, "trades", {"unit_id": unit.pk, "customer_id": buyer.pk}).json()
    assert trade["stage"] == "selected"
    bad = _post(client, "subscriptions", {"trade_id": trade["id"], "scheme_id": scheme.pk, "deposit_amount": "1",
                                          "sign_by": (TODAY - dt.timedelta(days=1)).isoformat()})  # fmt: skip
    assert bad.status_code == 400 and "sign_by" in bad.content.decode()
    sub = _post(client, "subscriptions", {"trade_id": trade["id"], "scheme_id": scheme.pk, "deposit_amount": "50000",
                                          "sign_by": (TODAY + dt.timedelta(days=9)).isoformat()})  # fmt: skip
    assert sub.status_code == 201 and sub.json()["agreed_price"] == "3000000.00"
    other = CustomerFactory(owner=org["east_rep"])
    assert _post(client, "deposits", {"unit_id": unit.pk, "customer_id": other.pk, "amount": "1000",
                                      "expires_on": TODAY.isoformat()}).status_code == 409  # fmt: skip
    assert _post(client, f"trades/{trade['id']}/contract", {"filing_number": "WQ-7"}).status_code == 201
    client.force_login(admin)
    paid = _post(client, f"trades/{trade['id']}/receipts", {"amount": "950000.00"})
    assert paid.status_code == 201, paid.content
    detail = client.get(f"/api/v1/realestate/trades/{trade['id']}").json()
    assert [d["kind"] for d in detail["dues"]] == ["deposit", "down_payment", "instalment", "instalment"]
    assert sum(D(d["amount"]) for d in detail["dues"]) == D("3000000.00") == D(detail["balance"]["price"])
    assert D(detail["balance"]["collected"]) == D("950000.00")
    assert D(detail["balance"]["outstanding"]) == D("2050000.00")
    client.force_login(org["west_rep"])
    assert client.get(f"/api/v1/realestate/trades/{trade['id']}").status_code == 404
