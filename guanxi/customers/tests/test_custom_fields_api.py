"""Custom fields in the REST API: Out schemas carry the values the caller's roles see, In schemas take them and
the service checks them (400 naming custom.<code> in the one error shape, 403 for a field the caller may not
edit, nothing written), the OpenAPI document types each field, GET /custom-fields lists the definitions."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.core.custom_fields import services as field_services
from guanxi.customers.models import Contact, Customer
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _field(admin: Any, code: str, type_: str, target: str = "customers.customer", **extra: Any) -> Any:
    data = {"target": target, "code": code, "type": type_, "label_zh": code, "label_en": code.title(), **extra}
    return field_services.custom_field_create(actor=admin, data=data)


def test_create_read_update_and_errors_in_the_one_shape(org: Any, api_token_for: Any, client: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "budget", "money", required=True)
    _field(admin, "sectors", "multi_choice", dictionary="industry")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(rep)}"}
    # a bad value and a missing required field: 400 naming each, nothing created
    r = client.post(
        "/api/v1/customers",
        {"name": "接口自定义有限公司", "custom": {"sectors": ["ZZ"]}},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"custom.budget", "custom.sectors"}
    assert not Customer.objects.filter(name="接口自定义有限公司").exists()
    # good values are stored and come back in the record
    r = client.post(
        "/api/v1/customers",
        {"name": "接口自定义有限公司", "custom": {"budget": 12800, "sectors": ["I"]}},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201, r.content
    assert r.json()["custom"] == {"budget": "12800.00", "sectors": ["I"]}
    pk = r.json()["id"]
    r = client.get(f"/api/v1/customers/{pk}", **auth)
    assert r.json()["custom"] == {"budget": "12800.00", "sectors": ["I"]}
    # a patch changes the fields sent; null clears one
    r = client.patch(f"/api/v1/customers/{pk}", {"custom": {"sectors": None}}, content_type="application/json", **auth)
    assert r.status_code == 200 and r.json()["custom"] == {"budget": "12800.00", "sectors": None}
    # an unknown code is refused, naming it
    r = client.patch(f"/api/v1/customers/{pk}", {"custom": {"nope": 1}}, content_type="application/json", **auth)
    assert r.status_code == 400 and "custom.nope" in r.json()["error"]["fields"]
    # and lists carry the values too
    r = client.get("/api/v1/customers", **auth)
    item = next(i for i in r.json()["items"] if i["id"] == pk)
    assert item["custom"]["budget"] == "12800.00"


def test_roles_hide_and_protect_fields_in_the_api(org: Any, api_token_for: Any, client: Any):
    admin, rep, manager = org["admin"], org["east_rep"], org["east_manager"]
    _field(admin, "credit_limit", "money", edit_roles=["department_manager"])
    _field(admin, "rating_note", "text", view_roles=["department_manager"])
    customer = CustomerFactory(owner=rep, custom={"credit_limit": "100.00", "rating_note": "watch"})
    rep_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(rep)}"}
    r = client.get(f"/api/v1/customers/{customer.pk}", **rep_auth)
    assert r.json()["custom"] == {"credit_limit": "100.00"}  # the note is not shown to a rep
    # a rep may not change the limit: 403 naming it, nothing changes
    r = client.patch(
        f"/api/v1/customers/{customer.pk}",
        {"custom": {"credit_limit": "999.00"}},
        content_type="application/json",
        **rep_auth,
    )
    assert r.status_code == 403 and "custom.credit_limit" in r.json()["error"]["fields"]
    customer.refresh_from_db()
    assert customer.custom["credit_limit"] == "100.00"
    # nor write the hidden note
    r = client.patch(
        f"/api/v1/customers/{customer.pk}",
        {"custom": {"rating_note": "fine"}},
        content_type="application/json",
        **rep_auth,
    )
    assert r.status_code == 403
    customer.refresh_from_db()
    assert customer.custom["rating_note"] == "watch"
    # the manager sees both
    mgr_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(manager)}"}
    assert client.get(f"/api/v1/customers/{customer.pk}", **mgr_auth).json()["custom"] == {
        "credit_limit": "100.00",
        "rating_note": "watch",
    }


def test_contacts_take_custom_values(org: Any, api_token_for: Any, client: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "hobby", "text", target="customers.contact")
    customer = CustomerFactory(owner=rep)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(rep)}"}
    r = client.post(
        "/api/v1/contacts",
        {"customer_id": customer.pk, "name": "王经理", "mobile": "13900139000", "custom": {"hobby": "围棋"}},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201, r.content
    assert r.json()["custom"] == {"hobby": "围棋"}
    assert Contact.objects.get(pk=r.json()["id"]).custom == {"hobby": "围棋"}


def test_the_openapi_document_types_each_field_and_the_definitions_endpoint(org: Any, api_token_for: Any, client: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "budget", "money")
    _field(admin, "listed", "boolean")
    _field(admin, "tier", "choice", dictionary="customer_level")
    doc = client.get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    custom = schemas["CustomerOut"]["properties"]["custom"]
    assert custom["x-custom-fields"] == "customers.customer"
    props = custom["properties"]
    assert props["budget"]["anyOf"][0]["type"] == "string" and props["budget"]["anyOf"][0]["format"] == "decimal"
    assert props["listed"]["anyOf"][0]["type"] == "boolean"
    assert "customer_level" in props["tier"]["anyOf"][0]["description"]
    # the definitions endpoint lists what the caller may see, with whether they may edit it
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(rep)}"}
    r = client.get("/api/v1/custom-fields", {"object": "customers.customer"}, **auth)
    assert r.status_code == 200
    assert [(f["code"], f["type"], f["editable"]) for f in r.json()] == [
        ("budget", "money", True),
        ("listed", "boolean", True),
        ("tier", "choice", True),
    ]
    nobody = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(org['nobody'])}"}
    assert client.get("/api/v1/custom-fields", **nobody).status_code == 403
