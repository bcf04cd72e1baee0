"""Customer assets and policies: created through the service within the customer's scope, found by plate, policy
or serial number however they are typed, listed with the shared toolkit, shown on the customer's 360 page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.core.selectors import global_search
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.service import selectors, services
from guanxi.service.models import Asset

from .factories import make_asset

pytestmark = pytest.mark.django_db


def test_a_rep_records_a_policy_on_their_customer_and_it_is_audited(people, customer):
    rep = people["east_rep"]
    asset = make_asset(rep, customer, plate_number="京A·8K3M2", policy_number="PDAA202611010000000001",
                       starts_on="2026-01-01", ends_on="2026-12-31")  # fmt: skip
    assert asset.customer == customer and asset.created_by == rep
    assert AuditLog.objects.filter(object_id=str(asset.pk), action="create", customer_id=customer.pk).exists()


def test_another_reps_customer_is_out_of_reach(people, customer):
    with pytest.raises(ValidationFailed) as err:
        make_asset(people["west_rep"], customer, plate_number="京A12345")
    assert "customer" in err.value.fields
    assert not Asset.objects.exists()


def test_the_end_date_may_not_come_before_the_start(people, customer):
    with pytest.raises(ValidationFailed) as err:
        make_asset(people["east_rep"], customer, starts_on="2026-06-01", ends_on="2026-01-01")
    assert "ends_on" in err.value.fields


@pytest.mark.parametrize("typed", ["京A8K3M2", "京a·8k3m2", "京Ａ８Ｋ３Ｍ２", "京A 8K3M2", "8k3m2", "京A-8K3M2"])
def test_search_finds_a_plate_however_it_is_typed(people, customer, typed):
    asset = make_asset(people["east_rep"], customer, plate_number="京A·8K3M2")
    make_asset(people["east_rep"], customer, plate_number="沪B·7Q118")
    found = selectors.search_assets(user=people["east_rep"], query=typed)
    assert [a.pk for a in found] == [asset.pk]


def test_global_search_opens_the_asset_with_its_customer_within_scope(people, customer):
    asset = make_asset(people["east_rep"], customer, policy_number="PDAA2026 1101 0000000007", serial_number="")
    groups = global_search(user=people["east_rep"], query="pdaa202611010000000007")
    hits = [hit for group in groups for hit in group["hits"] if hit["kind"] == "asset"]
    assert hits and hits[0]["url"] == reverse("service:asset_detail", args=[asset.pk])
    assert customer.name in hits[0]["title"]
    # a rep of another department does not find it
    others = global_search(user=people["west_rep"], query="pdaa202611010000000007")
    assert not [hit for group in others for hit in group["hits"] if hit["kind"] == "asset"]


def test_editing_an_identifier_updates_what_search_finds(people, customer):
    asset = make_asset(people["east_rep"], customer, serial_number="HX9K-0001")
    services.asset_update(actor=people["east_rep"], asset=asset, data={"serial_number": "HX9K-0002"})
    assert not selectors.search_assets(user=people["east_rep"], query="hx9k0001")
    assert selectors.search_assets(user=people["east_rep"], query="HX9K 0002")


def test_deleting_needs_the_delete_right(people, customer):
    asset = make_asset(people["east_rep"], customer)
    with pytest.raises(PermissionDeniedError):
        services.asset_delete(actor=people["east_rep"], asset=asset)
    services.asset_delete(actor=people["service_manager"], asset=asset)
    assert not Asset.objects.filter(pk=asset.pk).exists()


def test_the_list_the_detail_and_the_360_tab(client, people, customer):
    asset = make_asset(people["east_rep"], customer, plate_number="京N·F2305", ends_on=dt.date.today().isoformat())
    other = make_asset(people["west_manager"], CustomerFactory(owner=people["west_rep"]), plate_number="川A00001")
    client.force_login(people["east_rep"])
    page = client.get(reverse("service:asset_list"))
    assert page.status_code == 200
    assert "京N·F2305" in page.text and "川A00001" not in page.text
    assert client.get(reverse("service:asset_list"), {"q": "京n f2305"}).text.count("京N·F2305") >= 1
    assert client.get(reverse("service:asset_detail", args=[asset.pk])).status_code == 200
    assert client.get(reverse("service:asset_detail", args=[other.pk])).status_code == 404
    detail = client.get(reverse("customers:detail", args=[customer.pk]))
    assert "京N·F2305" in detail.text


def test_the_form_creates_and_a_bad_date_names_the_field(client, people, customer):
    client.force_login(people["east_rep"])
    url = reverse("service:asset_create")
    assert client.get(url, {"customer": customer.pk}).status_code == 200
    bad = client.post(url, {"customer": customer.pk, "kind": "equipment", "name": "服务器", "status": "active",
                            "starts_on": "2026-05-01", "ends_on": "2026-01-01"})  # fmt: skip
    assert bad.status_code == 400 and "The end date must not be before the start date." in bad.text
    ok = client.post(url, {"customer": customer.pk, "kind": "equipment", "name": "服务器", "status": "active",
                           "serial_number": "SN-1"})  # fmt: skip
    assert ok.status_code == 302
    assert Asset.objects.get().serial_number == "SN-1"


def test_a_user_without_the_module_gets_403(client, people, customer):
    asset = make_asset(people["east_rep"], customer)
    client.force_login(people["nobody"])
    assert client.get(reverse("service:asset_list")).status_code == 403
    assert client.get(reverse("service:asset_detail", args=[asset.pk])).status_code == 403
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        selectors.asset_get(user=people["nobody"], pk=asset.pk)


def test_a_reps_360_names_the_product_of_an_asset_in_its_timeline(client, people, customer):
    # given a rep's customer with an asset of a catalogue product (company-wide: no owner, no data scope)
    from guanxi.commerce.tests.factories import ProductFactory

    product = ProductFactory(name="行车记录仪 X1")
    make_asset(people["east_rep"], customer, serial_number="SN-0001", product=product.pk)
    client.force_login(people["east_rep"])
    # when the rep (own data scope) opens the customer's 360, whose timeline names the product in the asset's audit
    page = client.get(reverse("customers:detail", args=[customer.pk]))
    api = client.get(f"/api/v1/customers/{customer.pk}/360")
    # then both answer, the product named by the catalogue's own permission rather than an owner it does not have
    assert page.status_code == 200 and api.status_code == 200, api.content[:300]
