"""REST API of the public pool: list, claim, assign, return, rules; same permissions as the UI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.models import Customer, PoolEvent, PoolRule
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db

JSON = "application/json"
DAY = dt.timedelta(days=1)


def token_client(user) -> Client:
    _token, secret = api_token_create(actor=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, url: str, body: object, method: str = "post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type=JSON)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def pooled(department, **kwargs) -> Customer:
    return CustomerFactory(owner=None, department=department, pool_entered_at=timezone.now() - 2 * DAY, **kwargs)


def test_list_the_pool_with_filters_and_paging(org):
    a = pooled(org.east, level="A", previous_owner=org["east_rep2"])
    pooled(org.east, level="C")
    pooled(org.west)
    client = token_client(org["east_rep"])
    body = client.get("/api/v1/pool?limit=1").json()
    assert body["count"] == 2 and len(body["items"]) == 1
    only_a = client.get("/api/v1/pool?level=A").json()
    assert [i["id"] for i in only_a["items"]] == [a.pk]
    item = only_a["items"][0]
    assert item["days_in_pool"] == 2 and item["previous_owner"]["id"] == org["east_rep2"].pk
    assert item["department"]["id"] == org.east.pk
    assert client.get("/api/v1/pool?min_days=abc").status_code == 422
    assert token_client(org["agent_rep"]).get("/api/v1/pool").json()["count"] == 0
    assert error_of(token_client(org["nobody"]).get("/api/v1/pool"), 403)["code"] == "permission_denied"


def test_claim_and_already_claimed(org):
    c = pooled(org.east)
    body = post(token_client(org["east_rep"]), "/api/v1/pool/claim", {"ids": [c.pk]}).json()
    assert body == {"done": [c.pk], "skipped": []}
    err = error_of(post(token_client(org["east_rep2"]), "/api/v1/pool/claim", {"ids": [c.pk]}), 409)
    assert err["code"] == "pool_already_claimed"
    assert Customer.objects.get(pk=c.pk).owner == org["east_rep"]


def test_claim_cap_over_the_api(org):
    rule = PoolRule.objects.create(name="全公司", daily_claim_cap=1)
    assert rule.department is None
    a, b = pooled(org.east), pooled(org.east)
    client = token_client(org["east_rep"])
    body = post(client, "/api/v1/pool/claim", {"ids": [a.pk, b.pk]}).json()
    assert body["done"] == [a.pk] and body["skipped"][0]["id"] == b.pk
    assert error_of(post(client, "/api/v1/pool/claim", {"ids": [b.pk]}), 409)["code"] == "pool_claim_cap_reached"


def test_assign_needs_permission_and_a_known_owner(org):
    c = pooled(org.east)
    rep = token_client(org["east_rep"])
    assert error_of(post(rep, "/api/v1/pool/assign", {"ids": [c.pk], "owner_id": org["east_rep2"].pk}), 403)
    assert Customer.objects.get(pk=c.pk).owner is None and not PoolEvent.objects.exists()
    manager = token_client(org["east_manager"])
    err = error_of(post(manager, "/api/v1/pool/assign", {"ids": [c.pk], "owner_id": 99999999}), 400)
    assert "owner_id" in err["fields"]
    body = post(manager, "/api/v1/pool/assign", {"ids": [c.pk], "owner_id": org["east_rep2"].pk}).json()
    assert body == {"done": [c.pk], "skipped": []}
    assert Customer.objects.get(pk=c.pk).owner == org["east_rep2"]


def test_return_to_pool(org):
    c = CustomerFactory(owner=org["east_rep"])
    client = token_client(org["east_rep"])
    err = error_of(post(client, f"/api/v1/customers/{c.pk}/return", {"reason": ""}), 422)
    assert "reason" in err["fields"]
    body = post(client, f"/api/v1/customers/{c.pk}/return", {"reason": "不再跟进"}).json()
    assert (
        body["id"] == c.pk and body["pool_reason"] == "不再跟进" and body["previous_owner"]["id"] == org["east_rep"].pk
    )
    # now out of the rep's reach: a second return is a 404
    assert error_of(post(client, f"/api/v1/customers/{c.pk}/return", {"reason": "x"}), 404)
    other = CustomerFactory(owner=org["west_rep"])
    assert error_of(post(client, f"/api/v1/customers/{other.pk}/return", {"reason": "x"}), 404)


def test_rules_get_and_put(org):
    admin = token_client(org["admin"])
    rules = admin.get("/api/v1/pool/rules").json()
    assert len(rules) == 1 and rules[0]["department"] is None and rules[0]["reclaim_days"] == 60
    # a department rule is created, with per-field errors for bad combinations
    err = error_of(
        post(admin, "/api/v1/pool/rules", {"department_id": org.east.pk, "first_warning_days": 70}, "put"), 400
    )
    assert set(err["fields"]) == {"second_warning_days", "reclaim_days"}
    body = post(admin, "/api/v1/pool/rules", {"department_id": org.east.pk, "reclaim_days": 45}, "put").json()
    assert body["department"]["id"] == org.east.pk and body["reclaim_days"] == 45 and body["first_warning_days"] == 30
    # the company-wide rule is changed in place
    body = post(admin, "/api/v1/pool/rules", {"department_id": None, "daily_claim_cap": 3}, "put").json()
    assert body["department"] is None and body["daily_claim_cap"] == 3
    assert PoolRule.objects.count() == 2
    assert error_of(post(admin, "/api/v1/pool/rules", {"department_id": 999999}, "put"), 400)["fields"]["department_id"]
    # reps and department managers may not
    assert error_of(token_client(org["east_manager"]).get("/api/v1/pool/rules"), 403)
    assert error_of(post(token_client(org["east_rep"]), "/api/v1/pool/rules", {"reclaim_days": 90}, "put"), 403)
    assert PoolRule.objects.get(department__isnull=True).reclaim_days == 60
