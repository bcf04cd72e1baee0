"""Web UI: inline edit of status and next follow-up on the customer list, and the keyboard hooks the pages carry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = "/customers/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


COLUMNS = {"next_follow_up_on": "next_follow_up"}  # model field → the list's column key


def inline_post(client: Client, customer: Customer, field: str, value: str, version) -> object:
    data = {"value": value, "version": version}
    column = COLUMNS.get(field, field)
    return client.post(f"/lists/customers/inline/{customer.pk}/{column}/", data, HTTP_HX_REQUEST="true")


def test_inline_edit_saves_status_and_answers_the_cell(org):
    # given the rep's own customer
    customer = CustomerFactory(owner=org["east_rep"], status=Customer.Status.POTENTIAL)
    client = client_for(org["east_rep"])
    # when the rep changes the status inline with the version they saw
    response = inline_post(client, customer, "status", Customer.Status.WON, customer.version)
    # then it is saved and the answer is the cell, not a page
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<td") and "data-raw=" in html
    customer.refresh_from_db()
    assert customer.status == Customer.Status.WON


def test_inline_edit_saves_and_clears_the_next_follow_up(org):
    # given the rep's own customer
    customer = CustomerFactory(owner=org["east_rep"], next_follow_up_on=None)
    client = client_for(org["east_rep"])
    # when a date is entered, then cleared
    assert inline_post(client, customer, "next_follow_up_on", "2031-05-06", customer.version).status_code == 200
    customer.refresh_from_db()
    assert customer.next_follow_up_on == dt.date(2031, 5, 6)
    assert inline_post(client, customer, "next_follow_up_on", "", customer.version).status_code == 200
    # then the date is gone again
    customer.refresh_from_db()
    assert customer.next_follow_up_on is None


def test_inline_edit_with_a_stale_version_is_refused_and_shows_why(org):
    # given a customer someone else changed after the list was rendered
    customer = CustomerFactory(owner=org["east_rep"], status=Customer.Status.POTENTIAL)
    seen = customer.version
    Customer.objects.filter(pk=customer.pk).update(version=seen + 1)
    client = client_for(org["east_rep"])
    # when the rep saves with the old version
    response = inline_post(client, customer, "status", Customer.Status.WON, seen)
    # then nothing is saved and the cell carries the reason
    assert response.status_code == 412
    assert "changed by someone else" in response.content.decode()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.POTENTIAL


@pytest.mark.parametrize(
    "field,value",
    [("status", "nonsense"), ("next_follow_up_on", "2031-13-45"), ("next_follow_up_on", "x" * 5000), ("phone", "1")],
)
def test_inline_edit_bad_input_is_a_400_not_a_crash(org, field, value):
    # given the rep's own customer
    customer = CustomerFactory(owner=org["east_rep"], status=Customer.Status.POTENTIAL, next_follow_up_on=None)
    # when a bad value (or a field that is not inline-editable) is posted
    response = inline_post(client_for(org["east_rep"]), customer, field, value, customer.version)
    # then it is refused and nothing changes
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.status == Customer.Status.POTENTIAL and customer.next_follow_up_on is None


def test_inline_edit_without_a_version_is_treated_as_stale(org):
    customer = CustomerFactory(owner=org["east_rep"], status=Customer.Status.POTENTIAL)
    response = inline_post(client_for(org["east_rep"]), customer, "status", Customer.Status.WON, "")
    assert response.status_code == 412
    customer.refresh_from_db()
    assert customer.status == Customer.Status.POTENTIAL


def test_rep_cannot_inline_edit_another_reps_customer(org):
    # given a west customer the east rep cannot see
    customer = CustomerFactory(owner=org["west_rep"], status=Customer.Status.POTENTIAL)
    # when the east rep posts an inline edit
    response = inline_post(client_for(org["east_rep"]), customer, "status", Customer.Status.WON, customer.version)
    # then it is a 404 and nothing changes
    assert response.status_code == 404
    customer.refresh_from_db()
    assert customer.status == Customer.Status.POTENTIAL


def test_reader_without_edit_permission_sees_no_editor_and_gets_403(org):
    # given the executive, who may read every customer but edit none
    customer = CustomerFactory(owner=org["east_rep"], status=Customer.Status.POTENTIAL)
    client = client_for(org["executive"])
    # when they open the list, then the cells are plain values
    html = client.get(LIST, {"scene": "all"}).content.decode()
    assert customer.name in html
    assert "data-inline-edit" not in html and "data-inline-input" not in html
    # and when they post anyway, it is refused and nothing changes
    response = inline_post(client, customer, "status", Customer.Status.WON, customer.version)
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.status == Customer.Status.POTENTIAL


def test_manager_edits_inline_only_what_their_scope_allows(org):
    # given the east manager, and a customer of their department
    ours = CustomerFactory(owner=org["east_rep"], name="华东客户")
    html = client_for(org["east_manager"]).get(LIST, {"scene": "all"}).content.decode()
    # then its cells are editable (status, owner, next follow-up), with the version the save must match
    row = html.split(f'data-gx-id="{ours.pk}"', 1)[1].split("</tr>", 1)[0]
    assert row.count("data-inline-edit") == 3
    assert f'data-version="{ours.version}"' in row


def test_list_rows_and_detail_page_carry_the_keyboard_hooks(org):
    # given two customers of the rep
    a = CustomerFactory(owner=org["east_rep"], name="甲公司")
    b = CustomerFactory(owner=org["east_rep"], name="乙公司")
    client = client_for(org["east_rep"])
    # then the list marks its rows for ←/→ stepping, and the record page registers itself and its stepper
    html = client.get(LIST).content.decode()
    assert 'data-gx-list="customers"' in html
    assert f'data-gx-id="{a.pk}"' in html and f'data-gx-id="{b.pk}"' in html
    detail = client.get(f"/customers/{a.pk}/").content.decode()
    assert f'data-gx-recent-url="/customers/{a.pk}/"' in detail
    assert 'data-gx-stepper="customers"' in detail
    # and every signed-in page has the help and command menu, with nav keys for g+letter
    assert 'id="gx-help"' in detail and 'id="gx-command"' in detail
    assert 'data-nav-key="customers"' in detail and 'data-nav-key="notifications"' in detail


def test_list_query_count_is_unchanged_by_inline_edit(org):
    # given a rep with 2, then 8 customers
    client = client_for(org["east_rep"])

    def count() -> int:
        client.get(LIST, {"scene": "all"})
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST, {"scene": "all"}).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        CustomerFactory(owner=org["east_rep"])
    few = count()
    for _ in range(6):
        CustomerFactory(owner=org["east_rep"])
    # then deciding which cells are editable costs no query per row
    assert count() == few
