"""Custom fields of multiple-choice and date-and-time types as list filters (user fields: analytics' report builder
tests): a multiple choice finds the records holding any of the chosen codes (filter bar, chip, the advanced filter
and a saved view), a date-and-time field filters by the local date range; the chips name the choices."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.core.dictionaries.selectors import filter_choices
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.lists.testing import render_list, row_ids

pytestmark = pytest.mark.django_db
LIST = "/customers/"


def _field(admin: Any, code: str, type_: str, **extra: Any) -> Any:
    data = {"target": "customers.customer", "code": code, "type": type_, "label_zh": code, "label_en": code.title()}
    return field_services.custom_field_create(actor=admin, data={**data, **extra})


def test_multiple_choice_and_date_time_filters(org: Any):
    admin, manager, rep = org["admin"], org["east_manager"], org["east_rep"]
    _field(admin, "sectors", "multi_choice", dictionary="industry", filterable=True)
    _field(admin, "visited_at", "datetime")
    # 10:30 in Beijing on 1 December is 02:30 UTC; 23:30 in Beijing on 2 December is 15:30 UTC the same day
    a = CustomerFactory(owner=rep, name="甲", custom={"sectors": ["C", "F"], "visited_at": "2026-12-01T02:30:00Z"})
    b = CustomerFactory(owner=rep, name="乙", custom={"sectors": ["I"], "visited_at": "2026-12-02T15:30:00Z"})
    CustomerFactory(owner=rep, name="丙")
    client = Client()
    client.force_login(manager)
    # any of the chosen codes
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_sectors": "F"})) == [a.pk]
    assert sorted(row_ids(render_list(client, LIST, {"scene": "all", "cf_sectors": ["C", "I"]}))) == [a.pk, b.pk]
    page = client.get(LIST, {"scene": "all", "cf_sectors": "I"}).content.decode()
    label = dict(filter_choices("industry"))["I"]
    assert f"Sectors:</span>&nbsp;{label}" in page  # the chip names the entry, not its code
    # the advanced filter: in / not in
    rule = json.dumps({"groups": [{"rules": [{"f": "cf_sectors", "op": "nin", "v": ["C"]}]}]})
    assert a.pk not in row_ids(render_list(client, LIST, {"scene": "all", "where": rule}))
    # the local date of a moment
    only_b = {"scene": "all", "cf_visited_at_from": "2026-12-02", "cf_visited_at_to": "2026-12-02"}
    assert row_ids(render_list(client, LIST, only_b)) == [b.pk]
    assert row_ids(render_list(client, LIST, {"scene": "all", "cf_visited_at_to": "2026-12-01"})) == [a.pk]
    # a saved view keeps both
    client.post(
        "/lists/customers/views/save/", {"name": "制造业", "query": "cf_sectors=C&cf_visited_at_from=2026-11-30"}
    )
    from guanxi.org.models import SavedView

    view = SavedView.objects.get(name="制造业")
    opened = client.get(LIST, {"view": view.pk})
    assert row_ids(client.get(opened["Location"])) == [a.pk]
