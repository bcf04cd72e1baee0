"""The REST API of real-estate sales: search by budget, holds with a conflict, the purchase plan."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from guanxi.core.models import AuditLog
from guanxi.realestate import services
from guanxi.realestate.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(org, project):
    admin = org["admin"]
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    project.loan = services.scheme_add(actor=admin, project=project, data={
        "name": "商业贷款", "kind": "commercial", "discount_percent": "99", "down_payment_percent": "30"})  # fmt: skip
    project.vip = services.discount_add(actor=admin, project=project, data={
        "name": "老业主", "kind": "vip", "method": "amount", "value": "10000"})  # fmt: skip
    return project


def test_units_are_searched_by_budget_and_status(client, org, priced):
    client.force_login(org["east_rep"])
    body = client.get("/api/v1/realestate/units?status=available&price_max=3100000").json()
    # 100 m² × 30,000 = 3,000,000 fits; 118.50 m² = 3,555,000 does not
    assert body["count"] == 5
    assert {item["total_price"] for item in body["items"]} == {"3000000.00"}


def test_a_hold_through_the_api_and_a_second_one_conflicts(client, org, priced):
    unit = Unit.objects.get(building__project=priced, number="101")
    client.force_login(org["east_manager"])
    first = client.post(f"/api/v1/realestate/units/{unit.pk}/hold", json.dumps({"reason": "客户考虑"}),
                        content_type="application/json")  # fmt: skip
    second = client.post(f"/api/v1/realestate/units/{unit.pk}/hold", json.dumps({"reason": "另一客户"}),
                         content_type="application/json")  # fmt: skip
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["error"]["code"]


def test_the_purchase_plan_applies_the_scheme_then_vip_and_reconciles(client, org, priced):
    unit = Unit.objects.get(building__project=priced, number="101")
    client.force_login(org["east_rep"])
    plan = client.get(
        f"/api/v1/realestate/units/{unit.pk}/plan?scheme_id={priced.loan.pk}&discount={priced.vip.pk}"
    ).json()
    # 3,000,000 × 99 % = 2,970,000 − 10,000 = 2,960,000; loan 70 % = 2,072,000
    assert [(d["kind"], d["after"]) for d in plan["discounts"]] == [("scheme", "2970000.00"), ("vip", "2960000.00")]
    assert (plan["total"], plan["down_payment"]) == ("2960000.00", "888000.00")
    assert plan["loans"][0]["principal"] == "2072000.00"
    assert sum(D(s["amount"]) for s in plan["schedule"]) == D(plan["total"])
    page = client.get(f"/realestate/units/{unit.pk}/plan/?scheme={priced.loan.pk}&discount={priced.vip.pk}")
    assert page.status_code == 200 and "2,960,000.00" in page.content.decode()
    pdf = client.get(f"/realestate/units/{unit.pk}/plan.pdf?scheme={priced.loan.pk}&discount={priced.vip.pk}")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    assert AuditLog.objects.filter(action="export", object_id=str(unit.pk)).count() == 1


def test_a_user_without_a_role_is_refused_everywhere(client, org, priced):
    client.force_login(org["nobody"])
    unit = Unit.objects.get(building__project=priced, number="101")
    assert client.get("/api/v1/realestate/units").status_code == 403
    assert client.post(f"/api/v1/realestate/units/{unit.pk}/hold", json.dumps({"reason": "x"}),
                       content_type="application/json").status_code == 403  # fmt: skip
    unit.refresh_from_db()
    assert unit.status == "available"
