"""The shared list toolkit's endpoints on the customer list: stars and the Starred tab, saved views shared with a
role, the column chooser, the advanced filter, bulk edit and the public pool, export of the contact list; every
denied write changes nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.lists.testing import query_count, render_list, row_ids
from guanxi.org.models import ListPreference, Role, SavedView, Star

pytestmark = pytest.mark.django_db

LIST = "/customers/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def where(*groups, any_group=False) -> str:
    return json.dumps({"any": any_group, "groups": [{"any": g[0], "rules": list(g[1:])} for g in groups]})


# --- star ---------------------------------------------------------------------------------------------------------
def test_star_toggles_and_the_starred_tab_lists_them(org):
    a = CustomerFactory(owner=org["east_rep"], name="甲")
    CustomerFactory(owner=org["east_rep"], name="乙")
    client = client_for(org["east_rep"])
    # when the rep stars one customer (htmx)
    answer = client.post(f"/lists/customers/star/{a.pk}/", HTTP_HX_REQUEST="true")
    # then the button comes back filled and the Starred tab shows only it, with its count
    assert answer.status_code == 200 and 'aria-pressed="true"' in answer.content.decode()
    starred = render_list(client, LIST, {"scene": "starred"}, rows=1)
    assert row_ids(starred) == [a.pk]
    assert "Starred" in starred.content.decode()
    # and starring again takes the star away
    client.post(f"/lists/customers/star/{a.pk}/")
    assert not Star.objects.filter(user=org["east_rep"]).exists()


def test_star_of_a_customer_out_of_sight_is_404_and_stores_nothing(org):
    theirs = CustomerFactory(owner=org["west_rep"])
    response = client_for(org["east_rep"]).post(f"/lists/customers/star/{theirs.pk}/")
    assert response.status_code == 404
    assert not Star.objects.exists()


# --- saved views --------------------------------------------------------------------------------------------------
def test_admin_shares_a_view_with_a_role_and_its_holders_see_it(org):
    role = Role.objects.get(code="sales_rep")
    admin = client_for(org["admin"])
    response = admin.post(
        "/lists/customers/views/save/", {"name": "A级客户", "query": "level=A", "share": "1", "role": role.pk}
    )
    assert response.status_code == 302
    view = SavedView.objects.get(name="A级客户")
    assert view.role == role
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, changes__list="customers").exists()
    # then a rep sees the tab, the manager (another role) does not
    assert "A级客户" in client_for(org["east_rep"]).get(LIST, {"scene": "all"}).content.decode()
    assert "A级客户" not in client_for(org["east_manager"]).get(LIST, {"scene": "all"}).content.decode()


def test_sharing_a_view_needs_org_admin_and_changes_nothing_when_refused(org):
    role = Role.objects.get(code="sales_rep")
    response = client_for(org["east_rep"]).post(
        "/lists/customers/views/save/", {"name": "偷偷共享", "query": "level=A", "share": "1", "role": role.pk}
    )
    assert response.status_code == 403
    assert not SavedView.objects.exists()


def test_a_rep_cannot_delete_a_shared_view(org):
    role = Role.objects.get(code="sales_rep")
    view = SavedView.objects.create(user=org["admin"], list_key="customers", name="共享", query="level=A", role=role)
    client_for(org["east_rep"]).post(f"/lists/customers/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_saved_view_tab_applies_its_query(org):
    CustomerFactory(owner=org["east_rep"], name="重点", level="A")
    CustomerFactory(owner=org["east_rep"], name="普通", level="B")
    view = SavedView.objects.create(user=org["east_rep"], list_key="customers", name="A级", query="level=A")
    client = client_for(org["east_rep"])
    opened = client.get(LIST, {"view": view.pk})
    assert opened.status_code == 302 and opened["Location"] == f"/customers/?level=A&view={view.pk}"
    page = client.get(opened["Location"])
    assert len(row_ids(page)) == 1 and "Saved view “A级”" in page.content.decode()


# --- columns ------------------------------------------------------------------------------------------------------
def test_column_choice_is_remembered_in_order_and_can_be_reset(org):
    CustomerFactory(owner=org["east_rep"], phone="13800000000")
    client = client_for(org["east_rep"])
    client.post("/lists/customers/columns/", {"columns": ["phone", "nonsense", "level"]})
    html = client.get(LIST, {"scene": "all"}).content.decode()
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert head.index('data-col="phone"') < head.index('data-col="level"')
    assert 'data-col="status"' not in head  # hidden now
    assert ListPreference.objects.get(user=org["east_rep"]).columns == ["phone", "level"]
    client.post("/lists/customers/columns/", {"reset": "1"})
    head = client.get(LIST, {"scene": "all"}).content.decode().split("<thead>", 1)[1]
    assert 'data-col="status"' in head and 'data-col="phone"' not in head


# --- advanced filter ----------------------------------------------------------------------------------------------
def test_advanced_filter_with_an_or_group_and_its_chips(org):
    a = CustomerFactory(owner=org["east_rep"], name="甲", level="A", status="following")
    b = CustomerFactory(owner=org["east_rep"], name="乙", level="B", status="won")
    CustomerFactory(owner=org["east_rep"], name="丙", level="C", status="following")
    rule = where((True, {"f": "level", "op": "eq", "v": "A"}, {"f": "status", "op": "eq", "v": "won"}))
    response = render_list(client_for(org["east_rep"]), LIST, {"scene": "all", "where": rule})
    assert sorted(row_ids(response)) == sorted([a.pk, b.pk])
    html = response.content.decode()
    assert html.count("data-chip") == 2 and "Advanced · any of" in html


@pytest.mark.parametrize("bad", ["{", "[]", '{"groups": 5}', where((False, {"f": "password", "op": "eq", "v": "x"}))])
def test_a_broken_advanced_filter_is_a_warning_not_an_error(org, bad):
    CustomerFactory(owner=org["east_rep"])
    response = client_for(org["east_rep"]).get(LIST, {"scene": "all", "where": bad})
    assert response.status_code == 200 and len(row_ids(response)) == 1
    assert "advanced filter" in response.content.decode()


# --- bulk edit, public pool, export -------------------------------------------------------------------------------
def test_bulk_edit_of_a_field_skips_rows_out_of_reach(org):
    ours = CustomerFactory(owner=org["east_rep"], level="C")
    theirs = CustomerFactory(owner=org["west_rep"], level="C")
    response = client_for(org["east_manager"]).post(
        "/lists/customers/bulk/edit/", {"ids": [ours.pk, theirs.pk], "field": "level", "value": "A"}, follow=True
    )
    assert "Updated 1, skipped 1" in response.content.decode()
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.level, theirs.level) == ("A", "C")


def test_bulk_edit_without_permission_is_403_and_changes_nothing(org):
    customer = CustomerFactory(owner=org["east_rep"], level="C")
    response = client_for(org["executive"]).post(
        "/lists/customers/bulk/edit/", {"ids": [customer.pk], "field": "level", "value": "A"}
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.level == "C"


def test_bulk_put_in_pool_needs_a_reason_and_releases_own_customers(org):
    mine = CustomerFactory(owner=org["east_rep"])
    client = client_for(org["east_rep"])
    refused = client.post("/lists/customers/bulk/pool/", {"ids": [mine.pk], "reason": " "}, follow=True)
    assert "Give a reason" in refused.content.decode()
    mine.refresh_from_db()
    assert mine.owner == org["east_rep"]
    done = client.post("/lists/customers/bulk/pool/", {"ids": [mine.pk], "reason": "无意向"}, follow=True)
    assert "Put 1 in the public pool" in done.content.decode()
    mine.refresh_from_db()
    assert mine.owner is None


def test_unknown_bulk_action_is_404(org):
    assert client_for(org["admin"]).post("/lists/customers/bulk/nothing/", {"ids": ["1"]}).status_code == 404


def test_contact_list_exports_its_visible_columns_with_the_search(org):
    customer = CustomerFactory(owner=org["east_rep"], name="华信")
    ContactFactory(customer=customer, name="刘德华")
    ContactFactory(customer=customer, name="张学友")
    client = client_for(org["east_manager"])  # contacts.export: managers, not reps
    page = render_list(client, "/customers/contacts/", {"q": "刘"}, rows=1)
    assert "/lists/contacts/export/?q=" in page.content.decode()
    response = client.get("/lists/contacts/export/", {"q": "刘", "fmt": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Full name", "Customer"] and [r[0] for r in rows[1:]] == ["刘德华"]
    entry = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).first()
    assert entry.changes["list"] == "contacts" and entry.changes["filters"]["q"] == "刘"


def test_list_page_query_count_does_not_grow_with_rows(org):
    client = client_for(org["east_manager"])
    CustomerFactory(owner=org["east_rep"])
    few = query_count(client, LIST, {"scene": "all"})
    for _ in range(10):
        CustomerFactory(owner=org["east_rep2"])
    assert query_count(client, LIST, {"scene": "all"}) == few


def test_no_permission_list_state(org):
    response = client_for(org["nobody"]).get("/customers/contacts/")
    assert response.status_code == 403 and "No permission" in response.content.decode()


def test_customer_status_unchanged_by_a_refused_inline_owner_change(org):
    customer = CustomerFactory(owner=org["east_rep"])
    response = client_for(org["east_rep"]).post(
        f"/lists/customers/inline/{customer.pk}/owner/", {"value": org["east_rep2"].pk, "version": customer.version}
    )
    assert response.status_code == 403  # a rep may not hand customers over
    customer.refresh_from_db()
    assert customer.owner == org["east_rep"] and Customer.objects.count() == 1
