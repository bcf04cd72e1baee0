"""The harness's real-estate records, for the modules that switch the app on (test_pages_realestate.py): one project
every reader and bundle owner works on, one unit a bundle, and on it a trade of the bundle's customer whose agent is
the bundle's owner, with its small deposit. The trade's and the receipt's numbers are their markers.

What each role may see of them is written out in world.py (`expected_allowed`): a trade follows its agent (re_sales'
data scope), a receipt its trade (and re_collections.view), a unit anyone who reads the module in their projects.
Data scope by project (a reader out of the project sees none of it) is tested in realestate/tests."""

from __future__ import annotations

import datetime as dt

from .world import World

# The roles the app brings where it is switched on (realestate/roles.py), read by the harness beside org's.
RE_ROLES = ("re_agent", "re_sales_manager", "re_finance", "re_planning")


def add_realestate(world: World) -> None:
    from guanxi.realestate import services, trades
    from guanxi.realestate.models import ProjectMember, Receipt, Trade, Unit

    admin = world.people["admin"]
    soon = dt.date.today() + dt.timedelta(days=30)
    bundles = [*world.own.values(), *world.shared.values()]
    project = services.project_create(actor=admin, data={"name": "授权测试楼盘", "rounding": "yuan"})
    building = services.building_create(actor=admin, project=project, data={"name": "1号楼"})
    per_floor = 4
    services.units_generate(actor=admin, building=building, data={
        "floor_from": 1, "floor_to": -(-len(bundles) // per_floor), "units_per_floor": per_floor,
        "built_area": "100", "orientation": "S",
    })  # fmt: skip
    units = list(Unit.objects.filter(building=building).order_by("floor", "number"))
    ids = [u.pk for u in units]
    services.units_release(actor=admin, unit_ids=ids)
    services.prices_set_base(actor=admin, unit_ids=ids, basis="total", base_price="1000000")
    people = {*world.readers.values(), *world.people.values(), *(b.owner for b in bundles)}
    ProjectMember.objects.bulk_create(ProjectMember(project=project, user=u) for u in people)
    for bundle, unit in zip(bundles, units, strict=False):
        trade = trades.selection_confirm(actor=admin, unit=unit, customer=bundle.records["cus"])
        Trade.objects.filter(pk=trade.pk).update(agent=bundle.owner, number=bundle.marker("trd"))
        # a small deposit: the unit is reserved (its page names the sale) and the deposit's receipt is the marker
        trades.deposit_take(actor=admin, trade=trade.pk, amount="20000", expires_on=soon)
        receipt = Receipt.objects.get(trade=trade)
        Receipt.objects.filter(pk=receipt.pk).update(number=bundle.marker("rcp"))
        bundle.records["unt"] = unit
        bundle.records["trd"] = Trade.objects.get(pk=trade.pk)
        bundle.records["rcp"] = Receipt.objects.get(pk=receipt.pk)
