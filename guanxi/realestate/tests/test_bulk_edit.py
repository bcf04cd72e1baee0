"""Bulk edit of the units list (the shared toolkit's Field.bulk_edit): layout, orientation, decoration and areas set on
the ticked units, each through unit_update and its permission check; a reserved unit's area, decoration and price
never change; a denied or refused edit changes nothing."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse

from guanxi.realestate import services
from guanxi.realestate.models import Unit

pytestmark = pytest.mark.django_db


def _edit(client: Any, ids: list[int], field: str, value: str) -> Any:
    url = reverse("lists:bulk", args=["re_units", "edit"])
    return client.post(url, {"ids": [str(i) for i in ids], "field": field, "value": value})


@pytest.fixture
def priced(org, project):
    units = Unit.objects.filter(building=project.b1)
    services.prices_set_base(actor=org["admin"], unit_ids=[u.pk for u in units], basis="per_m2", base_price="20000")
    held = units.get(number="101")
    services.units_release(actor=org["admin"], unit_ids=[held.pk])
    services.unit_hold(actor=org["admin"], unit=held, reason="VIP")
    return units


def test_bulk_area_reprices_the_free_units_and_leaves_the_held_one(org, project, priced, client):
    client.force_login(org["east_manager"])
    ids = list(priced.filter(floor=1).values_list("pk", flat=True))
    assert _edit(client, ids, "built_area", "110").status_code == 302
    free, held = priced.get(number="102"), priced.get(number="101")
    assert (free.built_area, free.total_price) == (D("110.00"), D("2200000.00"))
    assert (held.built_area, held.total_price, held.status) == (D("100.00"), D("2000000.00"), "held")
    assert _edit(client, ids, "decoration", str(project.fine.pk)).status_code == 302
    free, held = priced.get(number="102"), priced.get(number="101")
    assert (free.decoration, free.total_price) == (project.fine, D("2365000.00"))
    assert (held.decoration, held.total_price) == (None, D("2000000.00"))
    # layout and orientation change on a held unit too, its price stays
    assert _edit(client, ids, "orientation", "E").status_code == 302
    held = priced.get(number="101")
    assert (held.orientation, held.total_price) == ("E", D("2000000.00"))
    assert set(priced.filter(pk__in=ids).values_list("orientation", flat=True)) == {"E"}
    assert _edit(client, ids, "usable_area", "88.5").status_code == 302
    assert set(priced.filter(pk__in=ids).values_list("usable_area", flat=True)) == {D("88.50")}


def test_denied_or_bad_bulk_edits_change_nothing(org, project, priced, client):
    before = list(priced.values_list("pk", "built_area", "orientation", "layout_id", "total_price", "version"))
    ids = [row[0] for row in before]
    client.force_login(org["east_rep"])  # reads units, may not edit them
    assert _edit(client, ids, "built_area", "50").status_code == 403
    assert _edit(client, ids, "layout", "").status_code == 403
    client.force_login(org["east_manager"])
    _edit(client, ids, "built_area", "0")  # refused naming the field
    _edit(client, ids, "orientation", "UP")
    other = services.project_create(actor=org["admin"], data={"name": "别的项目"})
    foreign = services.layout_add(actor=org["admin"], project=other, data={"name": "B2"})
    _edit(client, ids, "layout", str(foreign.pk))  # another project's layout: every unit skips it
    after = list(priced.values_list("pk", "built_area", "orientation", "layout_id", "total_price", "version"))
    assert after == before


def test_the_bulk_bar_offers_the_fields_to_editors_only(org, project, client):
    client.force_login(org["east_manager"])
    page = client.get(reverse("realestate:unit_list")).content.decode()
    assert 'data-bulk-edit-value="usable_area"' in page and 'data-bulk-edit-value="layout"' in page
    # a choice is picked from its list, an area typed
    assert '<select id="bulk-edit-orientation"' in page and '<select id="bulk-edit-layout"' in page
    assert '<input id="bulk-edit-built_area"' in page
    client.force_login(org["east_rep"])
    assert 'data-bulk-edit-value="usable_area"' not in client.get(reverse("realestate:unit_list")).content.decode()


def test_the_unit_list_orders_rooms_by_floor_then_number(org, project, client):
    # given a tower of twelve floors: room numbers 101 … 1202 (text, so "1001" sorts before "201")
    tower = services.building_create(actor=org["admin"], project=project, data={"name": "2号楼"})
    services.units_generate(actor=org["admin"], building=tower, data={
        "floor_from": 1, "floor_to": 12, "units_per_floor": 2, "built_area": "90", "layout": project.a1.pk,
    })  # fmt: skip
    client.force_login(org["admin"])
    # when the list is read in its default order, as the API pages it
    page = client.get("/realestate/units/", {"building": tower.pk, "per_page": 100}).content.decode()
    # then the rooms run floor by floor
    codes = [code for code in ("1-201", "1-901", "1-1001", "1-1202") if code in page]
    assert codes == ["1-201", "1-901", "1-1001", "1-1202"]
    assert page.index("1-201") < page.index("1-901") < page.index("1-1001") < page.index("1-1202")
