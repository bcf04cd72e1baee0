"""Custom fields linking to a customer or a contact as list filters: the quick filter and the advanced filter find
the records linking to the chosen ones, the chips and the picker show the linked record's name (never an id, and
never the name of a record out of the reader's reach), the column shows the name, a saved view keeps the filter,
the picker searches only records the reader may see, and the REST API filters by id (`custom=<code>:<id>`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.lists.testing import render_list, row_ids
from guanxi.org.models import SavedView

pytestmark = pytest.mark.django_db
LIST = "/customers/"


def _field(admin: Any, code: str, type_: str, target: str = "customers.customer", **extra: Any) -> Any:
    data = {"target": target, "code": code, "type": type_, "label_zh": code, "label_en": code.title()}
    return field_services.custom_field_create(actor=admin, data={**data, **extra})


@pytest.fixture
def linked(org: Any) -> dict[str, Any]:
    admin, rep, west = org["admin"], org["east_rep"], org["west_rep"]
    _field(admin, "partner", "customer", filterable=True)
    _field(admin, "referee", "contact")
    partner = CustomerFactory(owner=rep, name="华东伙伴有限公司")
    hidden = CustomerFactory(owner=west, name="华西秘密客户")
    person = ContactFactory(customer=partner, name="李雷")
    a = CustomerFactory(owner=rep, name="甲", custom={"partner": partner.pk, "referee": person.pk})
    b = CustomerFactory(owner=rep, name="乙", custom={"partner": hidden.pk})
    c = CustomerFactory(owner=rep, name="丙")
    return {"partner": partner, "hidden": hidden, "person": person, "a": a, "b": b, "c": c}


def test_quick_filter_chip_column_and_saved_view(org: Any, linked: dict[str, Any]):
    client = Client()
    client.force_login(org["east_rep"])
    partner, a = linked["partner"], linked["a"]
    query = {"scene": "all", "cf_partner": str(partner.pk)}
    assert row_ids(render_list(client, LIST, query)) == [a.pk]
    page = client.get(LIST, query).content.decode()
    assert f"Partner:</span>&nbsp;{partner.name}" in page  # the chip names the customer
    # the picker in the filter bar searches the scope-checked customers API and shows the chosen one by name
    assert 'data-gx-select-url="/api/v1/customers"' in page
    assert f'<option value="{partner.pk}" selected>{partner.name}</option>' in page
    # the column (chosen in the column chooser) shows the linked names
    client.post("/lists/customers/columns/", {"columns": ["cf_partner", "cf_referee"]})
    page = client.get(LIST, {"scene": "all"}).content.decode()
    assert partner.name in page and linked["person"].name in page
    # a saved view keeps it
    client.post("/lists/customers/views/save/", {"name": "伙伴介绍", "query": f"cf_partner={partner.pk}"})
    view = SavedView.objects.get(name="伙伴介绍")
    opened = client.get(LIST, {"view": view.pk})
    assert row_ids(client.get(opened["Location"])) == [a.pk]


def test_a_record_out_of_reach_is_never_named(org: Any, linked: dict[str, Any]):
    client = Client()
    client.force_login(org["east_rep"])
    hidden, b = linked["hidden"], linked["b"]
    query = {"scene": "all", "cf_partner": str(hidden.pk)}
    assert row_ids(render_list(client, LIST, query)) == [b.pk]  # the filter still finds the rows the rep sees
    page = client.get(LIST, query).content.decode()
    assert hidden.name not in page
    assert f"Partner:</span>&nbsp;#{hidden.pk}" in page
    # the picker's source does not offer it either
    found = client.get("/api/v1/customers", {"q": "华西秘密"}).json()
    assert found["count"] == 0
    assert client.get("/api/v1/customers", {"q": "华东伙伴"}).json()["count"] == 1


def test_advanced_filter_groups(org: Any, linked: dict[str, Any]):
    client = Client()
    client.force_login(org["east_rep"])
    partner, person, a, b, c = (linked[k] for k in ("partner", "person", "a", "b", "c"))
    chosen = [str(partner.pk), str(linked["hidden"].pk)]
    one_of = {"groups": [{"rules": [{"f": "cf_partner", "op": "in", "v": chosen}]}]}
    assert sorted(row_ids(render_list(client, LIST, {"scene": "all", "where": json.dumps(one_of)}))) == [a.pk, b.pk]
    # (partner is not X) AND (referee is empty): the records without a partner count as "not X"
    both = {
        "groups": [
            {"rules": [{"f": "cf_partner", "op": "ne", "v": str(partner.pk)}]},
            {"rules": [{"f": "cf_referee", "op": "empty"}]},
        ]
    }
    assert sorted(row_ids(render_list(client, LIST, {"scene": "all", "where": json.dumps(both)}))) == sorted(
        [b.pk, c.pk, partner.pk]
    )
    # OR across groups: linked to the partner, or referred by the contact
    either = {
        "any": True,
        "groups": [
            {"rules": [{"f": "cf_referee", "op": "eq", "v": str(person.pk)}]},
            {"rules": [{"f": "cf_partner", "op": "eq", "v": str(linked["hidden"].pk)}]},
        ],
    }
    page = client.get(LIST, {"scene": "all", "where": json.dumps(either)})
    assert sorted(row_ids(page)) == [a.pk, b.pk]
    text = page.content.decode()
    assert f"Referee is {person.name}" in text  # the rule's chip names the contact
    # the builder gets the picker's source and the chosen names
    assert '"remote": "/api/v1/contacts"' in text and person.name in text


def test_rest_api_filters_by_id(org: Any, linked: dict[str, Any], api_token_for: Any):
    token = api_token_for(org["east_rep"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    partner, a = linked["partner"], linked["a"]
    body = client.get("/api/v1/customers", {"custom": f"partner:{partner.pk}"}, **auth).json()
    assert [row["id"] for row in body["items"]] == [a.pk]
    both = client.get(
        "/api/v1/customers", {"custom": [f"partner:{partner.pk}", f"referee:{linked['person'].pk}"]}, **auth
    ).json()
    assert [row["id"] for row in both["items"]] == [a.pk]
    bad = client.get("/api/v1/customers", {"custom": "partner:abc"}, **auth)
    assert bad.status_code == 400 and "custom" in bad.json()["error"]["fields"]
    unknown = client.get("/api/v1/customers", {"custom": "nosuch:1"}, **auth)
    assert unknown.status_code == 400 and "custom" in unknown.json()["error"]["fields"]


def test_contacts_filter_on_a_customer_link(org: Any, api_token_for: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "introduced_by", "customer", target="customers.contact")
    source = CustomerFactory(owner=rep, name="介绍方")
    mine = ContactFactory(customer=CustomerFactory(owner=rep), name="王五", custom={"introduced_by": source.pk})
    ContactFactory(customer=CustomerFactory(owner=rep), name="赵六")
    client = Client()
    client.force_login(rep)
    assert row_ids(render_list(client, "/customers/contacts/", {"cf_introduced_by": str(source.pk)})) == [mine.pk]
    token = api_token_for(rep)
    body = client.get(
        "/api/v1/contacts", {"custom": f"introduced_by:{source.pk}"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert [row["id"] for row in body["items"]] == [mine.pk]
