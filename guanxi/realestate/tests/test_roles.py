"""Real estate's own default roles: created with org's defaults only where the installation switched the app on,
once (an administrator's edits stay), each working on the projects they are members of; and each does exactly its
job — the agent sells, the sales manager releases and cancels, finance takes the money, planning sets up units and
prices — a write outside it refused with nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from guanxi.core.errors import PermissionDeniedError
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.models import DataScope, Role
from guanxi.org.services import roles_ensure_defaults
from guanxi.org.tests.factories import UserFactory
from guanxi.realestate import adjustments, cancellations, receipts, selectors, selectors_trades, services, trades
from guanxi.realestate.models import PriceAdjustment, ProjectMember, Receipt, Trade, Unit

pytestmark = pytest.mark.django_db
CODES = {"re_agent", "re_sales_manager", "re_finance", "re_planning"}
TODAY = dt.date.today()  # set again before each test (root conftest): a run may cross midnight
TODAY_FOLLOWS_THE_CLOCK = True
RAISE = {"method": "percent", "value": "2", "reason": "调价"}


def test_the_roles_exist_only_where_real_estate_is_on_and_seeding_again_changes_nothing(db, settings):
    settings.REALESTATE_ENABLED = False
    roles_ensure_defaults()
    assert not Role.objects.filter(code__in=CODES).exists()

    settings.REALESTATE_ENABLED = True
    assert roles_ensure_defaults() == 4
    roles = {r.code: r for r in Role.objects.filter(code__in=CODES)}
    assert {c: r.data_scope for c, r in roles.items()} == {
        "re_agent": DataScope.SELF,
        "re_sales_manager": DataScope.ALL,
        "re_finance": DataScope.ALL,
        "re_planning": DataScope.ALL,
    }
    assert all(r.is_system for r in roles.values())
    # none of them sees every project: they work on the projects they are members of
    assert not any("re_properties.all_projects" in r.permissions for r in roles.values())
    # an administrator's edit survives seeding again
    Role.objects.filter(code="re_finance").update(permissions=["re_collections.view"])
    assert roles_ensure_defaults() == 0
    assert Role.objects.get(code="re_finance").permissions == ["re_collections.view"]


@pytest.fixture
def office(org: Any, project: Any, settings: Any) -> Any:
    """The project on sale, a second project nobody of the office works on, and the four people in the app's roles,
    members of the first project only."""
    roles_ensure_defaults()
    admin = org["admin"]
    ids = list(Unit.objects.filter(building__project=project).values_list("pk", flat=True))
    services.units_release(actor=admin, unit_ids=ids[:6])
    services.prices_set_base(actor=admin, unit_ids=ids, basis="per_m2", base_price="30000")
    people = {}
    for code in sorted(CODES):
        people[code] = UserFactory(username=code, department=org.east, roles=[code])
        ProjectMember.objects.create(project=project, user=people[code])
    other = services.project_create(actor=admin, data={"name": "滨江壹号", "developer": "滨江置业"})
    buyer = CustomerFactory(name="陈晓东", owner=people["re_agent"], kind="individual")
    unit = Unit.objects.filter(building__project=project, status="available").order_by("pk").first()
    return type("Office", (), {"project": project, "other": other, "people": people, "buyer": buyer, "unit": unit,
                               "ids": ids, "admin": admin})  # fmt: skip


def _state() -> tuple[Any, ...]:
    return (
        Trade.objects.count(),
        Receipt.objects.count(),
        PriceAdjustment.objects.count(),
        tuple(Unit.objects.order_by("pk").values_list("status", flat=True)),
    )


def test_each_role_sees_its_projects_only(office):
    for user in office.people.values():
        assert list(selectors.project_list(user=user)) == [office.project]
    assert set(selectors.project_list(user=office.admin)) == {office.project, office.other}


def test_the_agent_sells_to_their_buyer_and_may_neither_release_nor_take_money_nor_cancel(office):
    agent = office.people["re_agent"]
    trade = trades.deposit_take(
        actor=agent, unit=office.unit, customer=office.buyer, amount="20000", expires_on=TODAY + dt.timedelta(days=5)
    )
    assert Unit.objects.get(pk=office.unit.pk).status == "deposit"
    before = _state()
    others = Unit.objects.filter(building__project=office.project, status="not_released").values_list("pk", flat=True)
    for write in (
        lambda: services.units_release(actor=agent, unit_ids=list(others)),
        lambda: receipts.receipt_record(actor=agent, trade=trade.trade, data={"amount": "1000"}),
        lambda: cancellations.trade_cancel(actor=agent, trade=trade.trade, reason="客户放弃"),
        lambda: adjustments.adjustment_create(actor=agent, project=office.project, data=RAISE),
    ):
        with pytest.raises(PermissionDeniedError):
            write()
    assert _state() == before


def test_the_agent_sees_their_own_trades_the_manager_and_finance_all_of_their_project(office):
    agent, manager, finance = (office.people[c] for c in ("re_agent", "re_sales_manager", "re_finance"))
    mine = trades.deposit_take(
        actor=agent, unit=office.unit, customer=office.buyer, amount="20000", expires_on=TODAY + dt.timedelta(days=5)
    ).trade
    colleague = UserFactory(username="colleague", department=office.admin.department, roles=["re_agent"])
    ProjectMember.objects.create(project=office.project, user=colleague)
    theirs_unit = Unit.objects.filter(building__project=office.project, status="available").order_by("pk").first()
    theirs = trades.deposit_take(
        actor=colleague, unit=theirs_unit, customer=CustomerFactory(owner=colleague, kind="individual"),
        amount="20000", expires_on=TODAY + dt.timedelta(days=5),
    ).trade  # fmt: skip
    assert list(selectors_trades.trade_list(user=agent)) == [mine]
    assert set(selectors_trades.trade_list(user=manager)) == {mine, theirs}
    assert set(selectors_trades.trade_list(user=finance)) == {mine, theirs}


def test_the_manager_releases_holds_and_cancels_and_takes_no_money_back(office):
    manager, agent = office.people["re_sales_manager"], office.people["re_agent"]
    deposit = trades.deposit_take(
        actor=agent, unit=office.unit, customer=office.buyer, amount="20000", expires_on=TODAY + dt.timedelta(days=5)
    )
    assert services.units_release(actor=manager, unit_ids=office.ids) > 0
    before = _state()
    with pytest.raises(PermissionDeniedError):
        cancellations.trade_cancel(actor=manager, trade=deposit.trade, reason="客户放弃", refund={"amount": "20000"})
    assert _state() == before
    cancellations.trade_cancel(actor=manager, trade=deposit.trade, reason="客户放弃")
    assert Unit.objects.get(pk=office.unit.pk).status == "available"


def test_finance_records_receipts_and_sells_nothing(office):
    finance, agent = office.people["re_finance"], office.people["re_agent"]
    trade = trades.deposit_take(
        actor=agent, unit=office.unit, customer=office.buyer, amount="20000", expires_on=TODAY + dt.timedelta(days=5)
    ).trade
    receipts.receipt_record(actor=finance, trade=trade, data={"amount": "5000", "kind": "advance"})
    assert Receipt.objects.filter(trade=trade).count() == 2
    before = _state()
    other = Unit.objects.filter(building__project=office.project, status="available").order_by("pk").first()
    for write in (
        lambda: trades.deposit_take(
            actor=finance, unit=other, customer=office.buyer, amount="20000", expires_on=TODAY + dt.timedelta(days=5)
        ),  # fmt: skip
        lambda: services.units_release(actor=finance, unit_ids=office.ids),
    ):
        with pytest.raises(PermissionDeniedError):
            write()
    assert _state() == before


def test_planning_sets_up_units_and_prices_and_neither_sells_nor_takes_money(office):
    planning = office.people["re_planning"]
    assert services.units_release(actor=planning, unit_ids=office.ids) > 0
    adjustments.adjustment_create(actor=planning, project=office.project, data=RAISE)
    before = _state()
    for write in (
        lambda: trades.deposit_take(
            actor=planning,
            unit=office.unit,
            customer=office.buyer,
            amount="20000",
            expires_on=TODAY + dt.timedelta(days=5),
        ),  # fmt: skip
        lambda: trades.selection_confirm(actor=planning, unit=office.unit, customer=office.buyer),
    ):
        with pytest.raises(PermissionDeniedError):
            write()
    assert _state() == before


def test_a_role_refuses_a_write_on_a_project_they_do_not_work_on(office):
    admin, planning = office.admin, office.people["re_planning"]
    building = services.building_create(actor=admin, project=office.other, data={"name": "1号楼"})
    services.units_generate(actor=admin, building=building, data={
        "floor_from": 1, "floor_to": 2, "units_per_floor": 1, "built_area": "90"})  # fmt: skip
    ids = list(Unit.objects.filter(building=building).values_list("pk", flat=True))
    before = _state()
    assert services.units_release(actor=planning, unit_ids=ids) == 0  # left alone, like units released already
    with pytest.raises(PermissionDeniedError):
        adjustments.adjustment_create(actor=planning, project=office.other, data=RAISE)
    assert _state() == before


def test_the_demo_sales_office_has_people_in_the_roles_selling_to_home_buyers(org, enabled):
    from types import SimpleNamespace

    from django.utils import timezone

    from guanxi.customers.models import Contact
    from guanxi.realestate.demo import BUYERS, realestate_demo_build

    result = SimpleNamespace(users={"admin": org["admin"]})
    realestate_demo_build(result=result, gen=None, now=timezone.now(), progress=lambda *a: None)
    team = {u: result.users[u] for u in ("zhaolei", "sunli", "liuyu", "qianhui", "zhoujie")}
    assert {u: set(user.roles.values_list("code", flat=True)) for u, user in team.items()} == {
        "zhaolei": {"re_agent"}, "sunli": {"re_agent"}, "liuyu": {"re_sales_manager"}, "qianhui": {"re_finance"},
        "zhoujie": {"re_planning"},
    }  # fmt: skip
    assert all(ProjectMember.objects.filter(user=user).exists() for user in team.values())
    sold = Trade.objects.select_related("customer")
    assert sold.count() == 7 and {t.agent_id for t in sold} == {team["zhaolei"].pk}
    # the buyers are people who came to the sales office (twice), each with themself as the contact
    assert {t.customer.name for t in sold} == {name for name, _m, _d in BUYERS}
    assert all(t.customer.kind == "individual" for t in sold)
    assert all(Contact.objects.filter(customer=t.customer, is_primary=True).exists() for t in sold)
    assert all(t.customer.realestate_visits.get().visit_count == 2 for t in sold)
    # finance recorded the receipts
    assert set(Receipt.objects.exclude(kind="small_deposit").values_list("created_by", flat=True)) <= {
        team["qianhui"].pk
    }


def test_the_apps_roles_name_known_permissions_and_codes_no_other_role_uses():
    from guanxi.core.registry import registry
    from guanxi.org.policies import all_permissions
    from guanxi.org.roles import DEFAULT_ROLES

    owned = next(r for r in registry.default_roles if r.app == "realestate")
    assert {spec["code"] for spec in owned.roles} == CODES
    assert not CODES & {spec["code"] for spec in DEFAULT_ROLES}
    for spec in owned.roles:
        assert set(spec["permissions"]) <= set(all_permissions()), spec["code"]
