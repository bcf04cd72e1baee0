"""The contact list's birthday-month filter (for birthday care, 生日祝福): a month, or this / next month read on
the day the list runs, in quick filters and `where` rules; a value that is no month is
ignored with a warning, never a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.lists.birthdays import birthday_month_value
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.lists.testing import render_list, row_ids

pytestmark = pytest.mark.django_db

LIST = "/customers/contacts/"


@pytest.fixture
def born(org):
    customer = CustomerFactory(owner=org["east_rep"], name="北京恒信物流有限公司")
    this = timezone.localdate().month
    following = this % 12 + 1
    return {
        "march": ContactFactory(customer=customer, name="三月", birthday=dt.date(1980, 3, 31)),
        "this": ContactFactory(customer=customer, name="本月", birthday=dt.date(1975, this, 1)),
        "next": ContactFactory(customer=customer, name="下月", birthday=dt.date(1990, following, 15)),
        "unknown": ContactFactory(customer=customer, name="不详", birthday=None),
        "this_month": this,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_month_this_month_and_next_month(org, born):
    client = _client(org["east_rep"])
    march = {born["march"].pk} | ({born["this"].pk} if born["this_month"] == 3 else set())
    march |= {born["next"].pk} if born["this_month"] % 12 + 1 == 3 else set()
    assert set(row_ids(render_list(client, LIST, {"birthday_month": "3"}))) == march
    assert born["this"].pk in row_ids(render_list(client, LIST, {"birthday_month": "this"}))
    assert born["next"].pk in row_ids(render_list(client, LIST, {"birthday_month": "next"}))
    assert born["unknown"].pk not in row_ids(render_list(client, LIST, {"birthday_month": ["this", "next", "3"]}))
    # an advanced rule reads it the same way
    rule = {"any": False, "groups": [{"any": False, "rules": [{"f": "birthday_month", "op": "in", "v": [3]}]}]}
    assert set(row_ids(render_list(client, LIST, {"where": json.dumps(rule)}))) == march


@pytest.mark.parametrize("bad", ["13", "0", "march", "-1", "3.5"])
def test_a_value_that_is_no_month_is_ignored_with_a_warning(org, born, bad):
    response = render_list(_client(org["east_rep"]), LIST, {"birthday_month": bad})
    assert response.status_code == 200
    assert len(row_ids(response)) == 4  # the filter was dropped: every contact shows


def test_relative_months_wrap_round_the_year(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 12, 6))
    assert (birthday_month_value("this"), birthday_month_value("next"), birthday_month_value(" 7 ")) == (12, 1, 7)
