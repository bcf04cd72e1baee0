"""The report builder (issue 16 §6) on hand-built data: whitelisted objects, filters, groupings and measures; each
figure equals the count of the list it links to, within the reader's data scope; saved, shared with roles and
audited; refusals name the field and change nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from guanxi.analytics import builder, services
from guanxi.analytics.models import SavedReport
from guanxi.core.custom_fields import services as field_services
from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer
from guanxi.org.lists.registry import rows_behind
from guanxi.org.models import Role

from .helpers import at, customers, joined, opportunities, pipeline

pytestmark = pytest.mark.django_db
LEVEL_A = json.dumps({"groups": [{"rules": [{"f": "level", "op": "eq", "v": "A"}]}]})


@pytest.fixture
def data(org: Any) -> Any:
    joined()
    customers(org["east_rep"], 3, when=at(3), level="A")
    customers(org["east_rep"], 2, when=at(4, month=10), level="B")
    customers(org["east_rep2"], 1, when=at(5), level="A")
    customers(org["west_rep"], 4, when=at(6), level="A")
    stages = pipeline()
    opportunities(org["east_rep"], 2, when=at(7), stages=stages, amount=1000)
    opportunities(org["west_rep"], 1, when=at(7), stages=stages, amount=5000)
    return org


def _run(user: Any, **parts: Any) -> builder.Result:
    return builder.run(user, builder.clean(user, {"object": "customers", **parts}))


def _each_cell_is_its_list(user: Any, result: builder.Result) -> None:
    for cell in result.rows:
        assert cell.url, cell
        assert rows_behind(user, cell.url).count() == cell.value, (cell.label, cell.url)


def test_customers_by_owner_within_the_managers_scope_each_cell_drills_to_its_list(data: Any) -> None:
    # given the east manager (department scope) and customers in east and west
    manager = data["east_manager"]
    # when they count customers by owner
    result = _run(manager, group_by="owner", measure="count")
    # then east's reps are counted, west's are not, and each figure is the count of the list it links to
    by_label = {c.label: c.value for c in result.rows}
    assert by_label == {str(data["east_rep"]): 7, str(data["east_rep2"]): 1}  # 2 are the deals' customers
    assert result.total == 8
    _each_cell_is_its_list(manager, result)
    assert rows_behind(manager, result.total_url).count() == result.total  # the total opens every row counted
    # and the executive (company scope) sees west too
    everyone = _run(data["executive"], group_by="owner")
    assert {c.label: c.value for c in everyone.rows}[str(data["west_rep"])] == 5
    _each_cell_is_its_list(data["executive"], everyone)


def test_filters_month_grouping_and_department_drill_down(data: Any) -> None:
    manager = data["executive"]
    # filtered to level A, grouped by the month created
    by_month = _run(manager, group_by="created:month", filters=f"where={LEVEL_A}")
    assert [(c.label, c.value) for c in by_month.rows] == [("2026-11", 8)]
    _each_cell_is_its_list(manager, by_month)
    # grouped by department: the same department the list filters by
    by_department = _run(manager, group_by="department")
    assert {c.label: c.value for c in by_department.rows} == {data.east.name: 8, data.west.name: 5}
    _each_cell_is_its_list(manager, by_department)
    # a list's own filter (level) in the query string is kept, and the drill-down keeps it too
    own = _run(manager, group_by="owner", filters="level=B")
    assert [c.value for c in own.rows] == [4, 1]
    _each_cell_is_its_list(manager, own)


def test_sum_and_average_of_a_money_field(data: Any) -> None:
    executive = data["executive"]
    spec = builder.clean(executive, {"object": "opportunities", "group_by": "owner", "measure": "sum:amount"})
    result = builder.run(executive, spec)
    assert {c.label: c.value for c in result.rows} == {
        str(data["east_rep"]): Decimal("2000"),
        str(data["west_rep"]): Decimal("5000"),
    }
    assert result.total == Decimal("7000")
    average = builder.run(
        executive, builder.clean(executive, {"object": "opportunities", "group_by": "owner", "measure": "avg:amount"})
    )
    assert {c.label: c.value for c in average.rows}[str(data["east_rep"])] == Decimal("1000")


def test_custom_fields_group_and_measure(data: Any) -> None:
    admin, executive = data["admin"], data["executive"]
    for code, kind in (("vip", "boolean"), ("handler", "user"), ("budget", "money"), ("partner", "customer")):
        field_services.custom_field_create(
            actor=admin, data={"target": "customers.customer", "code": code, "type": kind, "label_zh": code}
        )
    rows = list(Customer.objects.filter(owner=data["east_rep"]).order_by("pk"))
    for i, c in enumerate(rows):
        c.custom = {"vip": i < 2, "handler": data["east_rep2"].pk, "budget": "100.50", "partner": rows[0].pk}
        c.save(update_fields=["custom"])
    # grouped by a yes/no custom field, summing a custom money field
    vip = _run(executive, group_by="cf_vip", measure="sum:cf_budget")
    assert {c.label: c.value for c in vip.rows if c.key}["Yes"] == Decimal("201")
    # grouped by a custom user field: the person's name, and the list behind it counts the same
    handler = _run(executive, group_by="cf_handler")
    named = [c for c in handler.rows if c.key]
    assert [(c.label, c.value) for c in named] == [(str(data["east_rep2"]), 7)]
    _each_cell_is_its_list(executive, handler)
    # grouped by a custom field linking to a customer: the customer's name
    partner = _run(executive, group_by="cf_partner")
    assert [(c.label, c.value) for c in partner.rows if c.key] == [(rows[0].name, 7)]
    _each_cell_is_its_list(executive, partner)


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"object": "users", "group_by": "owner"}, "object"),  # an administrators' list: not offered
        ({"group_by": "name"}, "group_by"),  # text: not a grouping
        ({"group_by": "owner; DROP TABLE customers"}, "group_by"),
        ({"group_by": "owner", "measure": "sum:name"}, "measure"),
        ({"group_by": "owner", "measure": "max:level"}, "measure"),
        ({"group_by": "owner", "chart": "radar"}, "chart"),
        ({"group_by": "owner", "filters": 'where={"groups":[{"rules":[{"f":"secret","op":"eq","v":1}]}]}'}, "filters"),
        (
            {
                "group_by": "owner",
                "filters": "where="
                + json.dumps(
                    {
                        "any": True,
                        "groups": [
                            {"rules": [{"f": "level", "op": "eq", "v": "A"}]},
                            {"rules": [{"f": "level", "op": "eq", "v": "B"}]},
                        ],
                    }
                ),
            },
            "filters",
        ),
    ],
)
def test_bad_parts_are_refused_naming_the_field(data: Any, parts: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        builder.clean(data["east_manager"], {"object": "customers", **parts})
    assert field in (err.value.fields or {})


def test_save_share_and_audit(data: Any) -> None:
    manager, rep = data["east_manager"], data["east_rep"]
    role = Role.objects.get(code="sales_rep")
    parts = {"name": "客户按负责人", "object": "customers", "group_by": "owner", "roles": [str(role.pk)]}
    # when the manager saves the report shared with the sales reps
    report = services.saved_report_save(actor=manager, data=parts)
    # then one audit row names it, and a rep opens it and runs it within their own scope
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_id=str(report.pk)).count() == 1
    assert builder.saved_report_get(user=rep, pk=report.pk) == report
    mine = builder.run(rep, builder.spec_of(rep, report))
    assert {c.label for c in mine.rows} == {str(rep)}
    # a rep may not save or change it, and nothing changes
    with pytest.raises(PermissionDeniedError):
        services.saved_report_save(actor=rep, data=parts | {"name": "x"}, pk=report.pk)
    with pytest.raises(PermissionDeniedError):
        services.saved_report_save(actor=rep, data=parts)
    assert SavedReport.objects.count() == 1 and SavedReport.objects.get().name == "客户按负责人"
    # someone without the role does not see it
    with pytest.raises(NotFoundError):
        builder.saved_report_get(user=data["west_manager"], pk=report.pk)
    # bad parts: each named, nothing saved
    with pytest.raises(ValidationFailed) as err:
        services.saved_report_save(actor=manager, data={"name": "", "object": "customers", "group_by": "nope"})
    assert {"name", "group_by"} <= set(err.value.fields or {})
    # a change is audited with before and after; the owner deletes it, audited
    services.saved_report_save(actor=manager, data=parts | {"name": "按负责人", "chart": "pie"}, pk=report.pk)
    change = AuditLog.objects.filter(action=AuditLog.Action.UPDATE, object_id=str(report.pk)).get()
    assert change.changes["chart"] == ["bar", "pie"]
    services.saved_report_delete(actor=manager, pk=report.pk)
    assert not SavedReport.objects.exists()
    assert AuditLog.objects.filter(action=AuditLog.Action.DELETE, object_id=str(report.pk)).count() == 1
