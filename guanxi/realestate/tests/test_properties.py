"""Projects, buildings and units: generation from a template, pricing, release and holds, and the switch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse

from guanxi.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.realestate import services
from guanxi.realestate.models import PriceHistory, Unit

pytestmark = pytest.mark.django_db


def _units(project: Any) -> Any:
    return Unit.objects.filter(building__project=project)


def test_a_template_generates_floors_times_units_leaving_out_the_skipped_floor(project):
    units = _units(project)
    # 6 floors without the 4th × 2 units
    assert units.count() == 10
    assert not units.filter(floor=4).exists()
    top = units.get(number="602")
    assert (top.built_area, top.orientation, top.layout_id) == (D("118.50"), "SN", project.a1.pk)
    assert units.get(number="601").built_area == D("100.00")
    assert set(units.values_list("status", flat=True)) == {"not_released"}
    assert AuditLog.objects.filter(object_id=str(project.pk), changes__has_key="units").exists()


def test_generating_again_keeps_the_units_already_there(org, project):
    again = services.units_generate(actor=org["admin"], building=project.b1, data={
        "floor_from": 1, "floor_to": 7, "units_per_floor": 2, "built_area": "90"})  # fmt: skip
    assert sorted(u.number for u in again) == ["401", "402", "701", "702"]
    assert _units(project).get(number="101").built_area == D("100.00")


def test_a_bad_template_is_refused_naming_the_field(org, project):
    with pytest.raises(ValidationFailed) as exc:
        services.units_generate(actor=org["admin"], building=project.b1, data={
            "floor_from": 5, "floor_to": 2, "units_per_floor": 2, "built_area": "90"})  # fmt: skip
    assert "floor_to" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.units_generate(actor=org["admin"], building=project.b1, data={
            "floor_to": 2, "units_per_floor": 2, "built_area": "-3"})  # fmt: skip
    assert "built_area" in exc.value.fields


def test_a_sales_rep_reads_units_but_neither_creates_nor_prices_them(org, project):
    rep = org["east_rep"]
    with pytest.raises(PermissionDeniedError):
        services.units_generate(actor=rep, building=project.b1, data={"floor_to": 9, "units_per_floor": 2,
                                                                       "built_area": "90"})  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        services.prices_set_base(actor=rep, unit_ids=[u.pk for u in _units(project)], basis="per_m2", base_price="1")
    assert _units(project).count() == 10
    assert not _units(project).filter(total_price__isnull=False).exists()


def test_pricing_adds_the_rules_and_the_decoration_and_never_touches_a_reserved_unit(org, project):
    admin = org["admin"]
    services.price_rule_add(actor=admin, project=project, data={"floor_from": 5, "adjust_per_m2": "300"})
    services.price_rule_add(actor=admin, project=project, data={"orientation": "SN", "adjust_per_m2": "200"})
    unit = _units(project).get(number="602")
    unit.decoration = project.fine
    unit.save()
    services.units_release(actor=admin, unit_ids=[u.pk for u in _units(project)])
    held = _units(project).get(number="101")
    services.unit_hold(actor=admin, unit=held, reason="样板房")

    done, skipped = services.prices_set_base(
        actor=admin, unit_ids=[u.pk for u in _units(project)], basis="per_m2", base_price="50000"
    )

    assert (done, skipped) == (9, 1)
    unit.refresh_from_db()
    # 50,000 + 300 (floor 6) + 200 (south-north) + 1,500 (decoration) = 52,000 × 118.50 = 6,162,000
    assert (unit.price_per_m2, unit.total_price) == (D("52000.00"), D("6162000.00"))
    held.refresh_from_db()
    assert held.total_price is None
    assert PriceHistory.objects.filter(unit=unit).count() == 1
    # a new rule reprices the unreserved units at once, with history
    services.price_rule_add(
        actor=admin, project=project, data={"floor_from": 6, "floor_to": 6, "adjust_per_m2": "-100"}
    )
    unit.refresh_from_db()
    assert unit.total_price == D("6150150.00")  # 51,900 × 118.50
    assert PriceHistory.objects.filter(unit=unit).count() == 2


def test_of_two_agents_holding_one_unit_exactly_one_wins(org, project):
    admin = org["admin"]
    unit = _units(project).get(number="101")
    services.units_release(actor=admin, unit_ids=[unit.pk])
    services.unit_hold(actor=admin, unit=unit.pk, reason="客户考虑中", until=dt.date.today() + dt.timedelta(days=3))
    with pytest.raises(ConflictError):
        services.unit_hold(actor=org["east_manager"], unit=unit.pk, reason="另一位客户")
    unit.refresh_from_db()
    assert (unit.status, unit.hold_reason, unit.held_by_id) == ("held", "客户考虑中", admin.pk)


def test_an_expired_hold_puts_the_unit_back_on_sale(org, project):
    admin = org["admin"]
    unit = _units(project).get(number="101")
    services.units_release(actor=admin, unit_ids=[unit.pk])
    today = dt.date.today()
    services.unit_hold(actor=admin, unit=unit, reason="保留", until=today)
    assert services.holds_expire(today=today) == 0
    assert services.holds_expire(today=today + dt.timedelta(days=1)) == 1
    unit.refresh_from_db()
    assert (unit.status, unit.held_until) == ("available", None)


def test_when_switched_off_the_pages_and_the_api_answer_404_and_the_menu_leaves_it_out(client, org, settings):
    settings.REALESTATE_ENABLED = False
    client.force_login(org["admin"])
    for url in (reverse("realestate:project_list"), reverse("realestate:unit_list"), "/api/v1/realestate/projects"):
        assert client.get(url).status_code == 404, url
    assert reverse("realestate:project_list") not in client.get(reverse("customers:list")).content.decode()


def test_when_switched_on_the_pages_answer_and_the_menu_shows_it(client, org, project):
    client.force_login(org["admin"])
    assert reverse("realestate:project_list") in client.get(reverse("customers:list")).content.decode()
    for url in (
        reverse("realestate:project_list"),
        reverse("realestate:project_detail", args=[project.pk]),
        reverse("realestate:building_detail", args=[project.b1.pk]),
        reverse("realestate:unit_list"),
        reverse("realestate:unit_detail", args=[_units(project).first().pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    grid = client.get(reverse("realestate:building_detail", args=[project.b1.pk])).content.decode()
    assert grid.count("gx-re-cell st-not_released") == 10 + 1  # the ten units and the legend


def test_the_sales_control_grid_answers_in_a_fixed_number_of_queries(
    client, org, project, django_assert_max_num_queries
):
    client.force_login(org["admin"])
    url = reverse("realestate:building_detail", args=[project.b1.pk])
    client.get(url)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_the_web_forms_create_a_project_and_refuse_a_blank_name(client, org, enabled):
    client.force_login(org["admin"])
    bad = client.post(reverse("realestate:project_create"), {"name": " ", "rounding": "yuan"})
    assert bad.status_code == 400
    ok = client.post(reverse("realestate:project_create"), {"name": "滨江壹号", "rounding": "cent"})
    assert ok.status_code == 302
    client.force_login(org["east_rep"])
    assert client.post(reverse("realestate:project_create"), {"name": "偷偷建", "rounding": "cent"}).status_code == 403
