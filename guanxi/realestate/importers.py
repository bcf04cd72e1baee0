"""Spreadsheet import of units (房源导入) on the shared import engine (core.imports: template, column mapping, dry run,
all-or-nothing or skipping bad rows, a report naming each row's problems by field).

Each row is one unit of an existing project's building (both by name): entrance, floor, room number, layout and
decoration standard (by name, of that project), orientation (南 / 南北通透 / S…), built-up and usable area. A row
whose building, entrance and number match a unit on record updates it (only for who may edit units; a reserved unit
keeps its area and decoration, so its price); a repeat within the file is rejected. Writes go through the unit
services, so each row is audited and an unreserved priced unit is repriced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.bulk import chunks
from guanxi.core.imports.custom import CustomCells, custom_row_decide
from guanxi.core.imports.values import ChoiceLookup, cell_text
from guanxi.core.models import ImportJob
from guanxi.core.registry import registry
from guanxi.org.models import User
from guanxi.org.policies import has_permission

from .feature import enabled
from .models import Building, DecorationStandard, Layout, Orientation, Unit
from .services import AREA_MAX, FLOORS_MAX

ORIENTATION_ALIASES = {"南北": "SN", "南北通透": "SN", "通透": "SN", "坐北朝南": "S", "朝南": "S", "朝北": "N",
                       "朝东": "E", "朝西": "W"}  # fmt: skip
BATCH = 500
TEXT_MAX = {"project": 200, "building": 100, "entrance": 20, "number": 20, "layout": 100, "decoration": 100}
COMPARED = ("floor", "layout", "orientation", "built_area", "usable_area", "decoration")


class UnitImporter(Importer):
    kind = "re_units"
    label = gettext_lazy("Real-estate units")
    icon = "ti-building"
    permission = "re_properties.import"
    list_url_name = "realestate:unit_list"
    custom_target = "realestate.unit"  # the active custom fields are columns too (core.imports.custom)
    fields = (
        ImportField("project", gettext_lazy("Project"), required=True, example="锦绣花园",
                    aliases=("项目", "项目名称", "楼盘", "Project name")),
        ImportField("building", gettext_lazy("Building"), required=True, example="1号楼",
                    aliases=("楼栋", "楼号", "楼栋名称", "栋", "Block")),
        ImportField("entrance", gettext_lazy("Unit entrance"), example="1",
                    aliases=("单元", "单元号", "Entrance"), hint=gettext_lazy("Empty: 1.")),
        ImportField("floor", gettext_lazy("Floor"), required=True, example="12", aliases=("楼层", "层", "所在楼层")),
        ImportField("number", gettext_lazy("Room number"), required=True, example="1203",
                    aliases=("房号", "房间号", "室号", "Room", "Unit number")),
        ImportField("layout", gettext_lazy("Layout"), example="A1", aliases=("户型", "户型名称", "Unit type"),
                    hint=gettext_lazy("The name of one of the project's layouts.")),
        ImportField("orientation", gettext_lazy("Orientation"), example="南", aliases=("朝向", "Facing")),
        ImportField("built_area", gettext_lazy("Built-up area"), required=True, example="118.50",
                    aliases=("建筑面积", "建面", "面积", "Gross area", "Area"), hint=gettext_lazy("m², above 0.")),
        ImportField("usable_area", gettext_lazy("Usable area"), example="96.20",
                    aliases=("套内面积", "套内建筑面积", "使用面积", "Net area"), hint=gettext_lazy("m², above 0.")),
        ImportField("decoration", gettext_lazy("Decoration standard"), example="精装",
                    aliases=("装修标准", "装修", "交付标准", "Decoration"),
                    hint=gettext_lazy("The name of one of the project's decoration standards.")),
    )  # fmt: skip

    def permitted(self, actor: User) -> bool:
        return enabled() and super().permitted(actor)

    def require_permission(self, actor: User) -> None:
        from .feature import ensure_enabled

        ensure_enabled()
        super().require_permission(actor)

    def field_hint(self, f: ImportField) -> str:
        if f.key == "orientation":
            return ChoiceLookup(Orientation.choices).labels()
        return super().field_hint(f)

    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        labels = {f.key: str(f.label) for f in self.fields}
        orientations = ChoiceLookup(Orientation.choices, ORIENTATION_ALIASES)
        custom = CustomCells(target=self.custom_target, outcomes=outcomes)
        for i, o in enumerate(outcomes, start=1):
            o.extra["custom"] = custom.sent(o)
            data: dict[str, Any] = {}
            for key, raw in o.values.items():
                text = " ".join(cell_text(raw).split())
                if key not in labels or not text:
                    continue
                try:
                    data[key] = _value(key, text, orientations)
                except ValueError as exc:
                    o.reject(f"{labels[key]}: {exc}")
            for key in ("project", "building", "floor", "number", "built_area"):
                if key not in data and not any(r.startswith(labels[key] + ":") for r in o.reasons):
                    o.reject(_("%(field)s: this field is required.") % {"field": labels[key]})
            built, usable = data.get("built_area"), data.get("usable_area")
            if built and usable and usable > built:
                o.reject(f"{labels['usable_area']}: {_('The usable area cannot exceed the built-up area.')}")
            data.setdefault("entrance", "1")
            o.extra["project"] = data.pop("project", "")
            o.extra["building"] = data.pop("building", "")
            o.label = f"{o.extra['project']} {o.extra['building']} {data['entrance']}-{data.get('number', '')}"
            o.data = data
            o.mark_parsed()
            progress(i)

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        rows = [o for o in outcomes if o.ok]
        buildings = _buildings({(o.extra["project"], o.extra["building"]) for o in rows})
        project_ids = {b.project_id for b in buildings.values()}
        layouts = _named(Layout, project_ids)
        decorations = _named(DecorationStandard, project_ids)
        for o in rows:
            building = buildings.get((o.extra["project"].casefold(), o.extra["building"].casefold()))
            if building is None:
                names = {"field": _("Building"), "building": o.extra["building"], "project": o.extra["project"]}
                o.reject(_("%(field)s: no building “%(building)s” in project “%(project)s”.") % names)
                continue
            o.extra["building_id"] = building.pk
            for key, named, label in (("layout", layouts, _("Layout")), ("decoration", decorations,
                                                                          _("Decoration standard"))):  # fmt: skip
                name = o.data.get(key)
                if name is None:
                    continue
                found = named.get((building.project_id, name.casefold()))
                if found is None:
                    o.reject(_("%(field)s: the project has no “%(name)s”.") % {"field": label, "name": name})
                o.extra[key] = found.pk if found else None
        rows = [o for o in rows if o.ok]
        existing = _existing(rows)
        may_edit = has_permission(actor, "re_properties.edit")
        seen: dict[tuple[int, str, str], int] = {}
        for o in rows:
            o.data.pop("custom", None)  # decided again (recheck): the custom column follows the new decision
            key = (o.extra["building_id"], o.data["entrance"], o.data["number"])
            if key in seen:
                o.reject(_("Row %(row)s of this file is the same unit (same building, entrance and number).")
                         % {"row": seen[key]})  # fmt: skip
                continue
            seen[key] = o.row
            current = existing.get(key)
            if current is None:
                o.action = Action.CREATE
                custom_row_decide(actor=actor, target=self.custom_target, outcome=o)
                continue
            o.target_id = current.pk
            data = _resolved(o)
            changed = {k for k in COMPARED if k in data and _current(current, k) != data[k]}
            if not changed:
                o.action = Action.UNCHANGED
            elif not may_edit:
                o.reject(_("This unit already exists and you may not edit it."))
            elif current.reserved and changed & {"built_area", "decoration"}:
                o.reject(_("The unit is reserved: its area and decoration no longer change."))
            else:
                o.action = Action.UPDATE
            if may_edit:  # changed custom cells are a change of the unit too
                custom_row_decide(actor=actor, target=self.custom_target, outcome=o, current=current)

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        from .services import unit_create, unit_update

        created = updated = 0
        for o in outcomes:
            if o.action not in (Action.CREATE, Action.UPDATE):
                continue
            data = _resolved(o)
            if o.action == Action.CREATE:
                o.target_id = unit_create(
                    actor=actor, building=Building.objects.get(pk=o.extra["building_id"]), data=data
                ).pk
                created += 1
            else:
                unit = Unit.objects.select_related("building__project").get(pk=o.target_id)
                # only what changes: a reserved unit may still take new custom values, its area staying as it is
                changes = {k: data[k] for k in COMPARED if k in data and _current(unit, k) != data[k]}
                if o.extra.get("custom"):
                    changes["custom"] = o.extra["custom"]  # the cells sent, checked again against the unit's values
                unit_update(actor=actor, unit=unit, data=changes)
                updated += 1
        return {"created": created, "updated": updated}


def _value(key: str, text: str, orientations: ChoiceLookup) -> Any:
    """One cell as the unit services take it, or ValueError with what is wrong."""
    if key == "orientation":
        return orientations(text)
    if key in ("built_area", "usable_area", "floor"):
        try:
            number = Decimal(text.removesuffix("㎡").removesuffix("m²").strip())
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if key == "floor":
            if number != number.to_integral_value() or not -5 <= number <= FLOORS_MAX or number == 0:
                raise ValueError(_("Enter a whole floor from -5 to %(max)s, not 0.") % {"max": FLOORS_MAX})
            return int(number)
        if not 0 < number <= AREA_MAX or number != number.quantize(Decimal("0.01")):
            raise ValueError(_("Enter an area above 0 in m², with at most two decimals."))
        return number.quantize(Decimal("0.01"))
    if key in ("entrance", "number"):
        text = text.removesuffix(".0")  # a number cell written as 1203.0
    if len(text) > TEXT_MAX[key]:
        raise ValueError(_("At most %(max)s characters.") % {"max": TEXT_MAX[key]})
    return text


def _resolved(o: RowOutcome) -> dict[str, Any]:
    """The row's values with its layout and decoration as the ids `decide` found (kept in `extra`, as a recheck
    decides again from the parsed names)."""
    return {**o.data, **{k: o.extra[k] for k in ("layout", "decoration") if k in o.data}}


def _current(unit: Unit, key: str) -> Any:
    return getattr(unit, f"{key}_id") if key in ("layout", "decoration") else getattr(unit, key)


def _buildings(names: set[tuple[str, str]]) -> dict[tuple[str, str], Building]:
    """The buildings the rows name, by (project name, building name) without case."""
    wanted = {(p.casefold(), b.casefold()) for p, b in names}
    if not names:
        return {}
    query = Q()
    for building in {b for _p, b in names}:
        query |= Q(name__iexact=building)
    out: dict[tuple[str, str], Building] = {}
    for b in Building.objects.filter(query).select_related("project"):
        key = (b.project.name.casefold(), b.name.casefold())
        if key in wanted:
            out.setdefault(key, b)
    return out


def _named(model: Any, project_ids: set[int]) -> dict[tuple[int, str], Any]:
    """A project's layouts or decoration standards by (project, name without case)."""
    return {(x.project_id, x.name.casefold()): x for x in model.objects.filter(project_id__in=project_ids)}


def _existing(rows: list[RowOutcome]) -> dict[tuple[int, str, str], Unit]:
    building_ids = {o.extra["building_id"] for o in rows}
    out: dict[tuple[int, str, str], Unit] = {}
    for chunk in chunks(sorted({o.data["number"] for o in rows}), BATCH):
        for u in Unit.objects.filter(building_id__in=building_ids, number__in=chunk):
            out[(u.building_id, u.entrance, u.number)] = u
    return out


registry.add_importer(UnitImporter())
