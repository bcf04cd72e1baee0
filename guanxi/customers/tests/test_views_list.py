"""Web UI: the customer list (filters, scenes, sort, saved views, bulk actions, export, bad input)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.models import SavedView

pytestmark = pytest.mark.django_db

LIST = "/customers/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def names_in(response) -> list[str]:
    """Customer names in the list's rows, in order."""
    html = response.content.decode()
    body = html.split('id="list-rows"', 1)[1].split("</tbody>", 1)[0] if 'id="list-rows"' in html else ""
    return re.findall(r'<td class="gx-sticky-name" id="gx-r\d+"><a href="/customers/\d+/">([^<]+)</a>', body)


# --- filters, scenes, sort -------------------------------------------------------------------
def test_list_shows_the_users_customers_with_total(org):
    # given two customers of the rep and one of someone else
    CustomerFactory(owner=org["east_rep"], name="甲公司")
    CustomerFactory(owner=org["east_rep"], name="乙公司")
    CustomerFactory(owner=org["west_rep"], name="丙公司")
    # when the rep opens the list
    response = client_for(org["east_rep"]).get(LIST)
    # then only their two are shown, with the total in the header
    assert response.status_code == 200
    assert sorted(names_in(response)) == ["乙公司", "甲公司"]
    assert "2 total" in response.content.decode()


def test_list_filters_by_level_status_and_search(org):
    # given customers of different levels and statuses
    CustomerFactory(owner=org["east_rep"], name="华信科技", level="A", status="following")
    CustomerFactory(owner=org["east_rep"], name="华信物流", level="B", status="following")
    CustomerFactory(owner=org["east_rep"], name="江南食品", level="A", status="won")
    client = client_for(org["east_rep"])
    # when filtering on level A and status following, then on a search term
    by_level = client.get(LIST, {"level": "A", "status": "following"})
    by_search = client.get(LIST, {"q": "华信"})
    two_levels = client.get(LIST, {"level": ["A", "B"], "status": "following"})
    # then each shows exactly the matching rows, with the filters as removable chips
    assert names_in(by_level) == ["华信科技"]
    assert "A · key" in by_level.content.decode() and "Remove this filter" in by_level.content.decode()
    assert sorted(names_in(by_search)) == ["华信物流", "华信科技"]
    assert sorted(names_in(two_levels)) == ["华信物流", "华信科技"]


def test_no_contact_filter_and_badges(org):
    # given a customer last contacted 65 days ago, one 35 days ago and one today
    now = timezone.now()
    for name, days in [("久未联系", 65), ("一月未联系", 35), ("刚联系", 0)]:
        CustomerFactory(owner=org["east_rep"], name=name, last_contact_at=now - timezone.timedelta(days=days))
    client = client_for(org["east_rep"])
    # when listing those without contact for 60 days, and all of them
    stale = client.get(LIST, {"no_contact_days": "60"})
    everything = client.get(LIST).content.decode()
    # then only the 65-day one matches, and the badges say warning (30+) and danger (60+)
    assert names_in(stale) == ["久未联系"]
    danger = re.search(r'badge (\S+)"><i class="ti (\S+)" aria-hidden="true"></i> No contact for 65 days', everything)
    warning = re.search(r'badge (\S+)"><i class="ti (\S+)" aria-hidden="true"></i> No contact for 35 days', everything)
    assert danger.groups() == ("bg-red-lt", "ti-alert-octagon")
    assert warning.groups() == ("bg-yellow-lt", "ti-alert-triangle")
    assert "No contact for 0 days" not in everything


def test_scenes_mine_subordinates_and_collaborating(org):
    # given the manager's own customer, a subordinate's and one the manager collaborates on
    CustomerFactory(owner=org["east_manager"], name="经理的客户")
    CustomerFactory(owner=org["east_rep"], name="下属的客户")
    shared = CustomerFactory(owner=org["west_rep"], name="协作的客户")
    shared.collaborators.add(org["east_manager"])
    client = client_for(org["east_manager"])
    # when switching scenes
    # then each scene narrows the list
    assert names_in(client.get(LIST, {"scene": "mine"})) == ["经理的客户"]
    assert names_in(client.get(LIST, {"scene": "subordinates"})) == ["下属的客户"]
    assert names_in(client.get(LIST, {"scene": "collaborating"})) == ["协作的客户"]
    assert sorted(names_in(client.get(LIST, {"scene": "all"}))) == ["下属的客户", "协作的客户", "经理的客户"]


def test_sort_by_column_header(org):
    # given three customers
    for name in ["Bravo", "Alpha", "Charlie"]:
        CustomerFactory(owner=org["east_rep"], name=name)
    client = client_for(org["east_rep"])
    # when sorting by name, then by name descending
    ascending = client.get(LIST, {"sort": "name"})
    descending = client.get(LIST, {"sort": "-name"})
    # then the rows follow, and the header links to the opposite order
    assert names_in(ascending) == ["Alpha", "Bravo", "Charlie"]
    assert names_in(descending) == ["Charlie", "Bravo", "Alpha"]
    assert 'aria-sort="ascending"><a class="table-sort-link text-reset" href="?sort=-name"' in (
        ascending.content.decode()
    )


def test_paging_with_page_size(org):
    # given 25 customers
    for i in range(25):
        CustomerFactory(owner=org["east_rep"], name=f"客户{i:02d}")
    client = client_for(org["east_rep"])
    # when showing 20 per page, second page
    response = client.get(LIST, {"per_page": "20", "page": "2", "sort": "name"})
    # then five rows remain, and the footer says where we are
    assert names_in(response) == [f"客户{i:02d}" for i in range(20, 25)]
    assert "21–25 of 25" in response.content.decode()


# --- saved views -----------------------------------------------------------------------------
def test_saved_view_default_opens_and_can_be_deleted(org):
    # given customers of two levels
    CustomerFactory(owner=org["east_rep"], name="重点客户", level="A")
    CustomerFactory(owner=org["east_rep"], name="普通客户", level="B")
    client = client_for(org["east_rep"])
    # when the rep saves "level=A" as their default view
    saved = client.post("/lists/customers/views/save/", {"name": "A级", "query": "level=A&page=3", "is_default": "on"})
    view = SavedView.objects.get(user=org["east_rep"])
    # then it is stored without the page number and opening the bare list applies it
    assert saved.status_code == 302
    assert view.query == "level=A" and view.is_default
    opened = client.get(LIST)
    assert opened.status_code == 302 and opened["Location"] == "/customers/?level=A"
    page = client.get(opened["Location"])
    assert names_in(page) == ["重点客户"]
    assert "Saved view “A级”" in page.content.decode()
    # and a scene tab still shows everything
    assert len(names_in(client.get(LIST, {"scene": "all"}))) == 2
    # when the view is deleted, the bare list no longer redirects
    client.post(f"/lists/customers/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert client.get(LIST).status_code == 200


def test_saved_views_are_per_user(org):
    # given another user's saved view
    SavedView.objects.create(user=org["east_rep2"], name="别人的视图", query="level=A", is_default=True)
    client = client_for(org["east_rep"])
    # when the rep opens the list, then it is neither applied nor listed
    response = client.get(LIST)
    assert response.status_code == 200 and "别人的视图" not in response.content.decode()
    # and they cannot delete it
    view = SavedView.objects.get(user=org["east_rep2"])
    client.post(f"/lists/customers/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, note",
    [
        ("page=abc", "is not a page number"),
        ("page=99999", "There is no page 99999"),
        ("level=Z", "Filter “Level” was ignored"),
        ("created_after=notadate", "Filter “Created from” was ignored"),
        ("sort=evil", "Unknown sort order"),
        ("no_contact_days=99999999999", "whole number of days"),
        ("no_contact_days=abc", "whole number of days"),
        ("owner=abc", "Filter “Owner” was ignored"),
        ("owner=99999999999999999999999", "Filter “Owner” was ignored"),
        ("department=-1", "Filter “Department” was ignored"),
        ("tag=x", "Filter “Tag” was ignored"),
        ("per_page=7", "Page size must be"),
        ("scene=everything", "Filter “Scene” was ignored"),
    ],
)
def test_garbage_query_strings_render_with_a_message(org, query, note):
    # given a customer
    CustomerFactory(owner=org["east_rep"], name="某公司")
    # when the list is opened with a bad query string
    response = client_for(org["east_rep"]).get(f"{LIST}?{query}")
    # then the page renders, says what was ignored, and still lists the customer
    assert response.status_code == 200
    assert note in response.content.decode()
    assert names_in(response) == ["某公司"]


def test_long_and_odd_search_text_is_harmless(org):
    CustomerFactory(owner=org["east_rep"], name="某公司")
    client = client_for(org["east_rep"])
    for q in ["x" * 5000, "%_\\'\"<script>", "   "]:
        response = client.get(LIST, {"q": q})
        assert response.status_code == 200
        assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_no_permission_state(org):
    # given a user without any role
    # when they open the list
    response = client_for(org["nobody"]).get(LIST)
    # then they see the distinct no-permission state, not an empty list
    assert response.status_code == 403
    assert "No permission" in response.content.decode()
    assert "New customer" not in response.content.decode()


def test_empty_states_differ_for_filters_and_no_data(org):
    client = client_for(org["east_rep"])
    assert "No customers here yet." in client.get(LIST).content.decode()
    filtered = client.get(LIST, {"level": "A"}).content.decode()
    assert "No matches" in filtered and "Clear filters" in filtered and "No customers here yet." not in filtered


# --- query counts ----------------------------------------------------------------------------
def _count_list_queries(client: Client) -> int:
    client.get(LIST, {"scene": "all"})  # warm per-process caches (content types) so only the page's own queries count
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"scene": "all"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(org, django_assert_max_num_queries):
    # given a manager whose department has 3 customers with tags
    client = client_for(org["east_manager"])
    tagged = []
    for i in range(3):
        tagged.append(CustomerFactory(owner=org["east_rep"], name=f"客户{i}"))
    from guanxi.customers.models import Tag

    tag = Tag.objects.create(name="重点")
    for c in tagged:
        c.tags.add(tag)
    few = _count_list_queries(client)
    # when there are 30
    for i in range(27):
        CustomerFactory(owner=org["east_rep2"], name=f"更多客户{i}").tags.add(tag)
    many = _count_list_queries(client)
    # then the page costs the same number of queries, and not many
    assert few == many
    # the list itself, one COUNT per scene tab, saved views, columns, stars, and the page's pool countdowns (the pool
    # rules and their coverage, one batch: customers.pool.selectors.customer_pool_statuses)
    with django_assert_max_num_queries(33):
        client.get(LIST, {"scene": "all"})


# --- bulk actions ----------------------------------------------------------------------------
def test_bulk_transfer_skips_customers_out_of_reach(org):
    # given the east manager ticks one of their department's customers and one of the west
    ours = CustomerFactory(owner=org["east_rep"], name="华东客户")
    theirs = CustomerFactory(owner=org["west_rep"], name="华西客户")
    client = client_for(org["east_manager"])
    # when transferring both to east_rep2
    response = client.post(
        "/lists/customers/bulk/transfer/",
        {"ids": [ours.pk, theirs.pk], "owner": org["east_rep2"].pk, "next": "/customers/?level=B"},
        follow=True,
    )
    # then one moved, one was skipped, and the toast says so
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.owner == org["east_rep2"]
    assert theirs.owner == org["west_rep"]
    assert response.redirect_chain[-1][0] == "/customers/?level=B"
    assert "Updated 1, skipped 1" in response.content.decode()


def test_bulk_transfer_needs_assign_permission(org):
    # given a rep (no customers.assign) and their own customer
    mine = CustomerFactory(owner=org["east_rep"])
    client = client_for(org["east_rep"])
    # then the transfer action is not offered and posting it is refused, changing nothing
    CustomerFactory(owner=org["east_rep"])
    assert "bulk-transfer-modal" not in client.get(LIST).content.decode()
    response = client.post("/lists/customers/bulk/transfer/", {"ids": [mine.pk], "owner": org["east_rep2"].pk})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.owner == org["east_rep"]


def test_bulk_delete_moves_to_recycle_bin_and_skips_others(org):
    ours = CustomerFactory(owner=org["east_rep"], name="删掉")
    theirs = CustomerFactory(owner=org["west_rep"], name="删不掉")
    response = client_for(org["east_manager"]).post(
        "/lists/customers/bulk/delete/", {"ids": [ours.pk, theirs.pk]}, follow=True
    )
    assert "Moved 1 to the recycle bin, skipped 1" in response.content.decode()
    assert Customer.all_objects.get(pk=ours.pk).deleted_at is not None
    assert Customer.objects.filter(pk=theirs.pk).exists()


# --- export ----------------------------------------------------------------------------------
def test_export_csv_is_formula_safe_filtered_and_audited(org):
    # given a customer whose name starts like a formula, and one of another level
    CustomerFactory(owner=org["east_rep"], name='=HYPERLINK("http://evil")', level="A")
    CustomerFactory(owner=org["east_rep"], name="普通客户", level="B")
    before = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count()
    # when the rep exports the level-A view as CSV
    response = client_for(org["east_rep"]).get("/lists/customers/export/", {"level": "A", "fmt": "csv"})
    # then the file holds that one row, neutralised, and the export is audited with its filter
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    entries = AuditLog.objects.filter(action=AuditLog.Action.EXPORT)
    assert entries.count() == before + 1
    entry = entries.first()
    assert entry.actor == org["east_rep"]
    assert entry.changes["rows"] == 1 and entry.changes["filters"]["level"] == "A"


def test_export_xlsx_of_selected_rows(org):
    # given three customers, one with a formula-like phone
    picked = CustomerFactory(owner=org["east_rep"], name="选中的", phone="+86 138 0000 0000")
    CustomerFactory(owner=org["east_rep"], name="没选的")
    # when the rep shows the phone column and exports the ticked row as XLSX
    client = client_for(org["east_rep"])
    client.post("/lists/customers/columns/", {"columns": ["level", "phone"]})
    response = client.post("/lists/customers/export/", {"ids": [picked.pk], "fmt": "xlsx"})
    # then the workbook has the header and that row in the chosen columns, with the phone kept as text
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][0] == "选中的"
    assert values[0] == ["Name", "Level", "Phone"]
    assert "'+86 138 0000 0000" in values[1]
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).first().changes["ids"] == [picked.pk]


def test_export_without_permission_is_403_hidden_and_not_audited(org):
    # given a finance-like user: may view customers, not export them
    from guanxi.org.models import Role

    org["east_rep2"].roles.set(Role.objects.filter(code="finance"))
    CustomerFactory(owner=org["east_rep2"])
    client = client_for(org["east_rep2"])
    # then the export menu is hidden and the URL answers 403 without writing an audit row
    assert "/lists/customers/export/" not in client.get(LIST).content.decode()
    before = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count()
    assert client.get("/lists/customers/export/", {"fmt": "csv"}).status_code == 403
    assert client.post("/lists/customers/export/", {"ids": ["1"], "fmt": "csv"}).status_code == 403
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == before


def test_export_with_bad_format_or_filter_is_a_clear_400(org):
    client = client_for(org["east_rep"])
    before = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count()
    assert client.get("/lists/customers/export/", {"fmt": "pdf"}).status_code == 400
    assert client.get("/lists/customers/export/", {"fmt": "csv", "level": "Z"}).status_code == 400
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == before
