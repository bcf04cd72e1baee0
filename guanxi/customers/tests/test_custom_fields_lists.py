"""Custom fields in the customer list: offered in the column chooser and exported (formula-safe), filtered (quick
filter for a filterable field, the advanced filter, saved views keep them), sorted; hidden from roles that may not
see them; a filterable field gets a database index, dropped when it is unmarked or retired."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.core.custom_fields.indexes import (
    custom_field_index_apply,
    custom_field_index_exists,
    custom_field_indexes_restore,
)
from guanxi.core.custom_fields.models import CustomField
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.testing import query_count, render_list, row_ids

pytestmark = pytest.mark.django_db
LIST = "/customers/"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _field(admin: Any, code: str, type_: str, **extra: Any) -> Any:
    data = {"target": "customers.customer", "code": code, "type": type_, "label_zh": code, "label_en": code.title()}
    return field_services.custom_field_create(actor=admin, data={**data, **extra})


def test_columns_filters_sort_saved_views_and_export(org: Any):
    admin, manager, rep = org["admin"], org["east_manager"], org["east_rep"]
    _field(admin, "erp_code", "text", filterable=True)
    _field(admin, "budget", "money")
    _field(admin, "tier", "choice", dictionary="customer_level")
    _field(admin, "secret", "text", view_roles=["administrator"])
    a = CustomerFactory(owner=rep, name="甲", custom={"erp_code": "=HYPERLINK(1)", "budget": "900.00", "tier": "A"})
    b = CustomerFactory(owner=rep, name="乙", custom={"erp_code": "E-2", "budget": "12000.00", "tier": "B"})
    CustomerFactory(owner=rep, name="丙")
    client = _client(manager)
    # the column chooser offers the fields the reader sees; the rep's and manager's lists never offer "secret"
    page = client.get(LIST, {"scene": "all"}).content.decode()
    assert 'value="cf_erp_code"' in page and 'value="cf_budget"' in page and "cf_secret" not in page
    # the quick filter of a filterable field, a range on an amount, a dictionary choice
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_erp_code": "E-2"})) == [b.pk]
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_budget_from": "1000"})) == [b.pk]
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_tier": "A"})) == [a.pk]
    rule = json.dumps({"groups": [{"rules": [{"f": "cf_budget", "op": "lt", "v": "1000"}]}]})
    assert row_ids(render_list(client, LIST, {"scene": "all", "where": rule})) == [a.pk]
    # sorting by a custom column
    ids = row_ids(render_list(client, LIST, {"scene": "all", "sort": "-cf_budget", "cf_budget_from": "1"}))
    assert ids == [b.pk, a.pk]
    # a saved view keeps the filter
    client.post("/lists/customers/views/save/", {"name": "大预算", "query": "cf_budget_from=1000"})
    from guanxi.org.models import SavedView

    view = SavedView.objects.get(name="大预算")
    opened = client.get(LIST, {"view": view.pk})
    assert row_ids(client.get(opened["Location"])) == [b.pk]
    # the chosen columns are shown and exported, formula-safe
    client.post("/lists/customers/columns/", {"columns": ["cf_erp_code", "cf_budget"]})
    response = client.get("/lists/customers/export/", {"scene": "all", "fmt": "csv", "sort": "name"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert "Erp_Code" in header and "Budget" in header
    exported = {r[header.index("Erp_Code")] for r in rows[1:]}
    assert "'=HYPERLINK(1)" in exported and "E-2" in exported


def test_the_quick_filter_of_a_custom_text_finds_the_values_containing_it(org: Any):
    admin, manager, rep = org["admin"], org["east_manager"], org["east_rep"]
    _field(admin, "erp_code", "text", filterable=True)
    a = CustomerFactory(owner=rep, name="甲", custom={"erp_code": "ERP-2026-001"})
    b = CustomerFactory(owner=rep, name="乙", custom={"erp_code": "crm-7 华东"})
    CustomerFactory(owner=rep, name="丙")
    client = _client(manager)
    # part of the value finds it, whatever the case of its Latin letters, as the advanced filter's "contains" does
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_erp_code": "2026"})) == [a.pk]
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_erp_code": "CRM"})) == [b.pk]
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_erp_code": "华东"})) == [b.pk]
    rule = json.dumps({"groups": [{"rules": [{"f": "cf_erp_code", "op": "contains", "v": "2026"}]}]})
    assert row_ids(render_list(client, LIST, {"scene": "all", "where": rule})) == [a.pk]
    # two values typed: either; a value no record holds: none
    either = row_ids(render_list(client, LIST, {"scene": "all", "cf_erp_code": ["erp", "crm"]}))
    assert sorted(either) == sorted([a.pk, b.pk])
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_erp_code": "zzz"})) == []


def test_the_list_query_count_does_not_grow_with_custom_columns(org: Any):
    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "erp_code", "text")
    client = _client(manager)
    client.post("/lists/customers/columns/", {"columns": ["cf_erp_code", "level"]})
    CustomerFactory(owner=org["east_rep"], custom={"erp_code": "X"})
    client.get(LIST, {"scene": "all"})  # a warm process: the definitions read once (the field was just added)
    few = query_count(client, LIST, {"scene": "all"})
    for i in range(10):
        CustomerFactory(owner=org["east_rep2"], custom={"erp_code": f"X{i}"})
    assert query_count(client, LIST, {"scene": "all"}) == few


def test_a_filterable_field_gets_an_index_and_loses_it_when_unmarked(org: Any):
    admin = org["admin"]
    field = _field(admin, "erp_code", "text", filterable=True)
    # the service builds it after commit; here (inside the test's transaction) it runs at once
    assert custom_field_index_apply(target="customers.customer", code="erp_code", wanted=True)
    assert custom_field_index_exists(target="customers.customer", code="erp_code")
    custom_field_index_apply(target="customers.customer", code="erp_code", wanted=True)  # idempotent
    field_services.custom_field_update(actor=admin, field_id=field.pk, data={"filterable": False})
    assert custom_field_index_apply(target="customers.customer", code="erp_code", wanted=False)
    assert not custom_field_index_exists(target="customers.customer", code="erp_code")


def test_an_index_a_table_rebuild_dropped_comes_back_after_migrate(org: Any):
    # given a filterable field whose index a migration's table rebuild lost (SQLite keeps only declared indexes)
    _field(org["admin"], "erp_code", "text", filterable=True)
    custom_field_index_apply(target="customers.customer", code="erp_code", wanted=False)
    # when migrate's post-migrate upkeep runs: then the index is there again, and a second run builds nothing
    assert custom_field_indexes_restore() == 1
    assert custom_field_index_exists(target="customers.customer", code="erp_code")
    assert custom_field_indexes_restore() == 0


def test_the_settings_change_schedules_the_index(org: Any, django_capture_on_commit_callbacks: Any):
    admin = org["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        _field(admin, "erp_code", "text", filterable=True)
    assert custom_field_index_exists(target="customers.customer", code="erp_code")
    with django_capture_on_commit_callbacks(execute=True):
        row = field_services.custom_field_retire(actor=admin, field_id=CustomField.objects.get().pk)
    assert not row.is_active
    assert not custom_field_index_exists(target="customers.customer", code="erp_code")
