"""The targets page: renders progress and the forecast, sets targets for managers, refuses reps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.sales.models import SalesTarget

pytestmark = pytest.mark.django_db

URL = "/sales/targets/?period=month&start=2026-03-01&metric=signed_amount"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_manager_sets_a_target_and_sees_it(org: Any) -> None:
    # given the east manager / when they set a rep's March target
    client = client_for(org["east_manager"])
    response = client.post(URL, {"subject": f"u:{org['east_rep'].pk}", "value": "1000000"})
    # then it is saved and shown on the page
    assert response.status_code == 302
    target = SalesTarget.objects.get()
    assert (target.owner, target.period_start, target.value) == (
        org["east_rep"],
        dt.date(2026, 3, 1),
        Decimal("1000000"),
    )
    page = client.get(URL)
    assert page.status_code == 200
    assert "1,000,000.00" in page.content.decode()


def test_rep_cannot_set_targets(org: Any) -> None:
    # given a rep / when they post a target / then 403 and nothing written
    response = client_for(org["east_rep"]).post(URL, {"subject": f"u:{org['east_rep'].pk}", "value": "1"})
    assert response.status_code == 403
    assert not SalesTarget.objects.exists()


def test_rep_sees_page_without_form(org: Any) -> None:
    # given a rep / when they open the page / then no target form
    page = client_for(org["east_rep"]).get("/sales/targets/")
    assert page.status_code == 200
    assert 'id="target-form"' not in page.content.decode()


@pytest.mark.parametrize("query", ["?period=bogus&start=nope&metric=x", "?start=2026-02-30", "?start=9999-12-31"])
def test_bad_query_does_not_fail(org: Any, query: str) -> None:
    assert client_for(org["east_manager"]).get("/sales/targets/" + query).status_code == 200


def test_out_of_scope_subject_is_refused_on_the_form(org: Any) -> None:
    # given the east manager / when posting a west rep (not offered) / then the form shows an error, nothing written
    response = client_for(org["east_manager"]).post(URL, {"subject": f"u:{org['west_rep'].pk}", "value": "1"})
    assert response.status_code == 200
    assert not SalesTarget.objects.exists()
