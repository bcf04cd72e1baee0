"""Batch price adjustments: a draft, its preview, approval by sales management, applied at once with history;
reserved units keep their price; a rejected adjustment changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from django.urls import reverse

from guanxi.approvals.models import ApprovalRequest
from guanxi.approvals.services import approval_approve, approval_reject
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.org.tests.factories import UserFactory
from guanxi.realestate import adjustments, pricing, services
from guanxi.realestate.models import PriceAdjustment, PriceHistory, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(org, project):
    admin = org["admin"]
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    org.people["director"] = UserFactory(username="director", department=org.hq, roles=["sales_management"])
    return project


def _request(adjustment):
    return ApprovalRequest.objects.get(kind="re_price_adjustment", object_id=adjustment.pk)


def test_an_approved_adjustment_reprices_the_chosen_units_at_once_and_skips_the_reserved(org, priced):
    manager = org["east_manager"]
    held = Unit.objects.get(building__project=priced, number="501")
    services.unit_hold(actor=manager, unit=held, reason="客户已看房")
    # given a draft: +3 % on floors 5 and up
    adjustment = adjustments.adjustment_create(actor=manager, project=priced, data={
        "floor_from": 5, "method": "percent", "value": "3", "reason": "开盘热销"})  # fmt: skip
    preview = {r["unit"].number: r["new"] for r in adjustments.adjustment_preview(adjustment)}
    assert preview["501"] is None
    assert preview["601"] == (D("30900.00"), D("3090000.00"))
    # when it is sent and approved
    adjustments.adjustment_submit(actor=manager, adjustment=adjustment)
    unit = Unit.objects.get(building__project=priced, number="601")
    assert unit.total_price == D("3000000.00")  # nothing moves before the approval
    approval_approve(actor=org["director"], request=_request(adjustment), comment="同意")
    # then floors 5-6 are repriced, except the held unit
    adjustment.refresh_from_db()
    assert (adjustment.status, adjustment.applied_count, adjustment.skipped_count) == ("applied", 3, 1)
    unit.refresh_from_db()
    assert (unit.price_per_m2, unit.total_price) == (D("30900.00"), D("3090000.00"))
    assert PriceHistory.objects.filter(unit=unit, adjustment=adjustment).count() == 1
    held.refresh_from_db()
    assert held.total_price == D("3000000.00")
    assert Unit.objects.get(building__project=priced, number="101").total_price == D("3000000.00")


def test_a_rejected_adjustment_changes_no_price(org, priced):
    adjustment = adjustments.adjustment_create(actor=org["east_manager"], project=priced, data={
        "method": "per_m2", "value": "-500", "reason": "清盘"})  # fmt: skip
    adjustments.adjustment_submit(actor=org["east_manager"], adjustment=adjustment)
    before = list(Unit.objects.filter(building__project=priced).values_list("total_price", flat=True))
    approval_reject(actor=org["director"], request=_request(adjustment), comment="价格不能降")
    adjustment.refresh_from_db()
    assert adjustment.status == "rejected"
    assert list(Unit.objects.filter(building__project=priced).values_list("total_price", flat=True)) == before
    with pytest.raises(InvalidStateError):
        adjustments.adjustment_submit(actor=org["east_manager"], adjustment=adjustment)


def test_a_rep_may_not_draft_and_a_bad_draft_names_its_field(org, priced):
    with pytest.raises(PermissionDeniedError):
        adjustments.adjustment_create(actor=org["east_rep"], project=priced, data={"value": "3", "reason": "x"})
    for data, field in (({"value": "0", "reason": "x"}, "value"), ({"value": "80", "reason": "x"}, "value"),
                        ({"value": "3", "reason": ""}, "reason"),
                        ({"value": "3", "reason": "x", "floor_from": 40}, "building")):  # fmt: skip
        with pytest.raises(ValidationFailed) as exc:
            adjustments.adjustment_create(actor=org["east_manager"], project=priced, data=data)
        assert field in exc.value.fields, data
    assert not PriceAdjustment.objects.exists()


def test_the_adjustment_pages_and_api(client, org, priced):
    client.force_login(org["east_manager"])
    response = client.post(reverse("realestate:adjustment_create", args=[priced.pk]),
                           {"method": "percent", "value": "2", "reason": "加推", "layout": priced.a1.pk})  # fmt: skip
    adjustment = PriceAdjustment.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("realestate:adjustment_detail", args=[adjustment.pk])).content.decode()
    assert "3,060,000.00" in page
    body = client.post(f"/api/v1/realestate/adjustments/{adjustment.pk}/submit", content_type="application/json")
    assert (body.status_code, body.json()["status"]) == (200, "pending")
    created = client.post(f"/api/v1/realestate/projects/{priced.pk}/adjustments",
                          json.dumps({"method": "per_m2", "value": "100", "reason": "x"}),
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201 and created.json()["number"].startswith("TJ")


def test_adjusted_base_by_percent_and_by_yuan_per_m2():
    assert pricing.adjusted_base(D("30000"), basis="per_m2", built_area=D("100"), method="percent", value=D("3")) == D(
        "30900.00"
    )
    assert pricing.adjusted_base(
        D("3000000"), basis="total", built_area=D("100"), method="per_m2", value=D("-500")
    ) == D("2950000.00")
    assert pricing.adjusted_base(D("100"), basis="per_m2", built_area=D("1"), method="per_m2", value=D("-500")) == D(
        "0"
    )
