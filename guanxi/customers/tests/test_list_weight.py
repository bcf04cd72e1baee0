"""The customer list stays light: a row's HTML does not grow with the number of users or choices (each inline
editor is rendered once per page and put in place by lists.js), with every feature still there: inline edit of
status, owner and next follow-up, the star, the links. A row carries only its data: the star's and the inline
triggers' look is CSS, the phone card's labels and the row's version are given once (lists.js), so a row of this
list — two tags, a region, the pool countdown — stays under the 1.5 KB the issue asks for (it was 8 KB with the
bench's 116 users, then 3.2 KB)."""

from __future__ import annotations

import re

import pytest

from guanxi.customers.models import Tag
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.testing import render_list, row_ids
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROWS = 20
ROW_BUDGET = 1500  # bytes of HTML per row


def _rows_html(response) -> str:
    html = response.content.decode()
    return html.split('id="list-rows"', 1)[1].split("</tbody>", 1)[0]


def _fill(org, users: int = 30) -> None:
    for n in range(users):  # users to choose from in the owner editor: the row must not repeat them
        UserFactory(username=f"rep{n}", department=org.east, roles=["sales_rep"])
    tags = [Tag.objects.create(name=f"重点{n}") for n in range(2)]
    for n in range(ROWS):
        customer = CustomerFactory(
            name=f"北京恒信科技发展有限公司{n}",
            owner=org["east_rep"],
            phone="010-88886666",
            province="北京",
            city="海淀区",
        )
        customer.tags.set(tags)


def test_a_customer_list_row_stays_within_its_budget_whatever_the_number_of_users(org, admin_web):
    _fill(org, users=5)
    params = {"per_page": ROWS, "scene": "all"}
    few_users = len(_rows_html(render_list(admin_web, "/customers/", params, rows=ROWS)).encode()) / ROWS
    for n in range(60):
        UserFactory(username=f"more{n}", department=org.east, roles=["sales_rep"])
    many_users = len(_rows_html(render_list(admin_web, "/customers/", params, rows=ROWS)).encode()) / ROWS
    assert many_users == few_users
    assert many_users < ROW_BUDGET, many_users


def test_the_light_row_keeps_inline_edit_star_and_links(org, admin_web):
    _fill(org)
    response = render_list(admin_web, "/customers/", {"per_page": ROWS, "scene": "all"}, rows=ROWS)
    html = response.content.decode()
    rows = _rows_html(response)
    first = row_ids(response)[0]
    # each row: its star, its link, its editable cells (with the value the editor starts from)
    assert rows.count("data-star") == ROWS or rows.count("gx-star") >= ROWS
    assert f'href="/customers/{first}/"' in rows
    assert rows.count("data-inline-edit") >= 2 * ROWS and rows.count("data-raw=") >= 2 * ROWS
    # the editors' choices once per page: every user of the owner editor appears once, not once per row
    assert html.count(">rep7<") <= 2
    assert re.search(r'<template[^>]+data-inline-template="owner"', html)
