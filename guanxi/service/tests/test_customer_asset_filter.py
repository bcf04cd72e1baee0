"""The customer list's asset filter (service/customer_filters.py), which dynamic segments read too: who holds an
asset in force, one ending within 90 days, one that has ended; read as the list page reads it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.engine import resolve
from guanxi.org.lists.registry import definition
from guanxi.service.models import Asset

from .factories import make_asset

pytestmark = pytest.mark.django_db


def _names(user: Any, query: str) -> set[str]:
    return set(resolve(definition("customers"), user=user, query=QueryDict(query)).qs.values_list("name", flat=True))


def test_each_asset_choice_holds_exactly_its_customers(org: Any) -> None:
    today = timezone.localdate()
    admin = org["admin"]
    soon, later, ended, none = (
        CustomerFactory(name=n, owner=org["east_rep"]) for n in ("将到期", "长期", "已到期", "无资产")
    )
    make_asset(admin, soon, ends_on=str(today + dt.timedelta(days=30)))
    make_asset(admin, soon, ends_on=str(today + dt.timedelta(days=40)))  # two: still listed once
    make_asset(admin, later, ends_on=str(today + dt.timedelta(days=400)))
    old = make_asset(admin, ended, ends_on=str(today + dt.timedelta(days=10)))
    Asset.objects.filter(pk=old.pk).update(ends_on=today - dt.timedelta(days=5))
    mine = {"将到期", "长期", "已到期", "无资产"}
    assert _names(admin, "assets=in_force") & mine == {"将到期", "长期"}
    assert _names(admin, "assets=ending_90d") & mine == {"将到期"}
    assert _names(admin, "assets=ended") & mine == {"已到期"}
    rows = list(
        resolve(definition("customers"), user=admin, query=QueryDict("assets=ending_90d")).qs.values_list(
            "pk", flat=True
        )
    )
    assert len(rows) == len(set(rows))
