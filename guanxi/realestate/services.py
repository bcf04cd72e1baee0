"""Writes of real-estate sales: projects and their layouts, decoration standards and phases, buildings and their
units (generated from a template), unit release and holds (放盘 / 保留), prices and batch adjustments. Plain
functions, keyword-only, permission-checked, audited, one business action in one transaction each.

A unit's status moves by one conditional UPDATE (`_move_status`): of two agents holding the same unit at the same
moment exactly one changes the row, the other is told it is gone (ConflictError).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.custom_fields.validation import custom_values_clean, without_custom
from guanxi.core.errors import ConflictError, InvalidStateError, ValidationFailed
from guanxi.core.inputs import clean_decimal, clean_text, field_error, id_or_none, pick
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from . import pricing
from .models import (
    Building,
    DecorationStandard,
    Discount,
    Layout,
    Orientation,
    PaymentScheme,
    Phase,
    PriceHistory,
    PriceRule,
    Project,
    ProjectMember,
    Rounding,
    Unit,
)
from .selectors import in_project_scope, require_project, sees_every_project

PROJECT_FIELDS = {"name", "address", "developer", "presale_permits", "rounding", "notes"}
AREA_MAX = Decimal("100000")
PRICE_MAX = Decimal("1e9")
FLOORS_MAX = 200
UNITS_PER_FLOOR_MAX = 50


def _area(value: Any, field: str, *, required: bool = True) -> Decimal | None:
    if value in (None, "") and not required:
        return None
    if value in (None, ""):
        raise field_error(field, _("This field is required."))
    area = clean_decimal(value, field, low=Decimal("0"), high=AREA_MAX)
    if area <= 0:
        raise field_error(field, _("Enter an area above zero."))
    return area


def _int(value: Any, field: str, low: int, high: int) -> int:
    return int(clean_decimal(value, field, low=Decimal(low), high=Decimal(high), places="1"))


def _of_project(model: Any, project: Project, value: Any, field: str) -> Any:
    if value in (None, ""):
        return None
    pk = id_or_none(value.pk if hasattr(value, "pk") else value)
    found = model.objects.filter(project=project, pk=pk).first() if pk else None
    if found is None:
        raise field_error(field, _("Choose one of the list."))
    return found


# --- projects and what belongs to them ----------------------------------------------------------------
def _project_data(data: dict[str, Any]) -> dict[str, Any]:
    data = pick(data, PROJECT_FIELDS)
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    for key, size in (("address", 300), ("developer", 200)):
        if key in data:
            out[key] = clean_text(data[key], key, max_length=size)
    for key in ("presale_permits", "notes"):
        if key in data:
            out[key] = clean_text(data[key], key, max_length=5000, multiline=True)
    if "rounding" in data:
        if data["rounding"] not in Rounding.values:
            raise field_error("rounding", _("Choose one of the list."))
        out["rounding"] = data["rounding"]
    return out


def project_create(*, actor: User, data: dict[str, Any]) -> Project:
    require_permission(actor, "re_properties.create")
    with transaction.atomic():
        project = model_create(instance=Project(**_project_data(data)), actor=actor)
        if not sees_every_project(actor):  # whoever sets a project up works on it (and keeps seeing it)
            ProjectMember.objects.create(project=project, user=actor)
    return project


def project_update(
    *, actor: User, project: Project, data: dict[str, Any], expected_version: int | None = None
) -> Project:
    require_permission(actor, "re_properties.edit")
    require_project(actor, project)
    with transaction.atomic():
        project, _changes = model_update(
            instance=project, data=_project_data(data), actor=actor, expected_version=expected_version
        )
    return project


def _child_create(actor: User, instance: Any, what: str) -> Any:
    require_permission(actor, "re_properties.edit")
    require_project(actor, instance.project_id)
    try:
        with transaction.atomic():
            instance.full_clean(validate_unique=False, validate_constraints=False)
            instance.save()
    except IntegrityError:
        raise field_error("name", _("This project already has one by this name.")) from None
    except Exception as exc:  # a model ValidationError: name the fields
        if hasattr(exc, "message_dict"):
            raise ValidationFailed(_("Check the highlighted fields."), fields=exc.message_dict) from None
        raise
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=instance.project,
        changes={what: [None, str(instance)]},
    )  # fmt: skip
    return instance


def layout_add(*, actor: User, project: Project, data: dict[str, Any]) -> Layout:
    data = pick(data, {"name", "bedrooms", "living_rooms", "bathrooms", "area"})
    layout = Layout(
        project=project,
        name=clean_text(data.get("name"), "name", max_length=100, required=True),
        bedrooms=_int(data.get("bedrooms", 2), "bedrooms", 0, 20),
        living_rooms=_int(data.get("living_rooms", 1), "living_rooms", 0, 10),
        bathrooms=_int(data.get("bathrooms", 1), "bathrooms", 0, 10),
        area=_area(data.get("area"), "area", required=False),
    )  # fmt: skip
    return _child_create(actor, layout, "layouts")


def decoration_add(*, actor: User, project: Project, data: dict[str, Any]) -> DecorationStandard:
    data = pick(data, {"name", "price_per_m2"})
    decoration = DecorationStandard(
        project=project,
        name=clean_text(data.get("name"), "name", max_length=100, required=True),
        price_per_m2=clean_decimal(data.get("price_per_m2") or 0, "price_per_m2", low=Decimal(0), high=PRICE_MAX),
    )
    return _child_create(actor, decoration, "decorations")


def phase_add(*, actor: User, project: Project, data: dict[str, Any]) -> Phase:
    data = pick(data, {"name"})
    return _child_create(
        actor,
        Phase(project=project, name=clean_text(data.get("name"), "name", max_length=100, required=True)),
        "phases",
    )


def building_create(*, actor: User, project: Project, data: dict[str, Any]) -> Building:
    data = pick(data, {"name", "phase", "permit"})
    building = Building(
        project=project,
        name=clean_text(data.get("name"), "name", max_length=100, required=True),
        phase=_of_project(Phase, project, data.get("phase"), "phase"),
        permit=clean_text(data.get("permit"), "permit", max_length=100),
    )
    return _child_create(actor, building, "buildings")


# --- generating a building's units from a template ----------------------------------------------------
def unit_template(data: dict[str, Any], *, project: Project) -> list[dict[str, Any]]:
    """The units a template describes: floors `floor_from`..`floor_to` × `units_per_floor` per entrance
    (`entrances`), numbered floor × 100 + position (1203: floor 12, second unit); `positions` names the layout,
    orientation and areas of each position ("1": {...}); `skip_floors` leaves floors out (no 4th floor, a refuge
    floor) and `skip_numbers` single units ("1-1203")."""
    floor_from = _int(data.get("floor_from", 1), "floor_from", -5, FLOORS_MAX)
    floor_to = _int(data.get("floor_to"), "floor_to", -5, FLOORS_MAX)
    per_floor = _int(data.get("units_per_floor"), "units_per_floor", 1, UNITS_PER_FLOOR_MAX)
    entrances = _int(data.get("entrances", 1), "entrances", 1, 20)
    if floor_to < floor_from:
        raise field_error("floor_to", _("The top floor must not be below the lowest."))
    skip_floors = {
        int(f) for f in str(data.get("skip_floors") or "").replace(",", " ").split() if f.lstrip("-").isdigit()
    }
    skip_numbers = {s.strip() for s in str(data.get("skip_numbers") or "").replace(",", " ").split() if s.strip()}
    positions = data.get("positions") or {}
    default = {
        "layout": _of_project(Layout, project, data.get("layout"), "layout"),
        "orientation": str(data.get("orientation") or ""),
        "built_area": _area(data.get("built_area"), "built_area"),
        "usable_area": _area(data.get("usable_area"), "usable_area", required=False),
        "decoration": _of_project(DecorationStandard, project, data.get("decoration"), "decoration"),
    }
    per_position: dict[int, dict[str, Any]] = {}
    for key, spec in positions.items():
        pos = int(key)
        field = f"positions.{pos}"
        per_position[pos] = {
            **default,
            **({"layout": _of_project(Layout, project, spec["layout"], field)} if spec.get("layout") else {}),
            **({"orientation": str(spec["orientation"])} if spec.get("orientation") else {}),
            **({"built_area": _area(spec["built_area"], field)} if spec.get("built_area") else {}),
            **({"usable_area": _area(spec["usable_area"], field)} if spec.get("usable_area") else {}),
        }
    units = []
    for entrance in range(1, entrances + 1):
        for floor in range(floor_from, floor_to + 1):
            if floor in skip_floors or floor == 0:
                continue
            for pos in range(1, per_floor + 1):
                number = f"{floor}{pos:02d}"
                if f"{entrance}-{number}" in skip_numbers:
                    continue
                units.append(
                    {"entrance": str(entrance), "floor": floor, "number": number, **per_position.get(pos, default)}
                )
    if len(units) > 5000:
        raise field_error("floor_to", _("A template makes at most 5,000 units at a time."))
    return units


def units_generate(*, actor: User, building: Building, data: dict[str, Any]) -> list[Unit]:
    """Create a building's units from a template (unit_template); units already there keep theirs (skipped)."""
    require_permission(actor, "re_properties.create")
    require_project(actor, building.project_id)
    specs = unit_template(data, project=building.project)
    with transaction.atomic():
        existing = set(Unit.objects.filter(building=building).values_list("entrance", "number"))
        new = [Unit(building=building, **s) for s in specs if (s["entrance"], s["number"]) not in existing]
        for unit in new:
            if unit.orientation and unit.orientation not in Orientation.values:
                raise field_error("orientation", _("Choose one of the list."))
        created = Unit.objects.bulk_create(new)
        audit_record(
            actor=actor, action=AuditLog.Action.CREATE, obj=building.project,
            changes={"units": [None, f"{building.name}: {len(created)}"]},
        )  # fmt: skip
    return created


UNIT_EDIT_FIELDS = {"layout", "orientation", "built_area", "usable_area", "decoration", "entrance", "floor", "number"}
PRICED_BY = {"built_area", "decoration", "orientation", "floor"}  # what a unit's price is computed from


def _unit_fields(data: dict[str, Any], project: Project) -> dict[str, Any]:
    """A unit's editable fields cleaned: layout and decoration of its project, a known orientation, areas above 0."""
    data = pick(without_custom(data), UNIT_EDIT_FIELDS)  # custom values: _unit_custom
    out: dict[str, Any] = {}
    for key in ("layout", "decoration"):
        if key in data:
            out[key] = _of_project(Layout if key == "layout" else DecorationStandard, project, data[key], key)
    if "orientation" in data:
        if data["orientation"] and data["orientation"] not in Orientation.values:
            raise field_error("orientation", _("Choose one of the list."))
        out["orientation"] = data["orientation"] or ""
    if "built_area" in data:
        out["built_area"] = _area(data["built_area"], "built_area")
    if "usable_area" in data:
        out["usable_area"] = _area(data["usable_area"], "usable_area", required=False)
    for key in ("entrance", "number"):
        if key in data:
            out[key] = clean_text(data[key], key, max_length=20, required=True)
    if "floor" in data:
        out["floor"] = _int(data["floor"], "floor", -5, FLOORS_MAX)
    return out


UNIT_TARGET = "realestate.unit"  # custom fields (core.custom_fields) on units


def _unit_custom(actor: User, values: Any, unit: Unit | None) -> dict[str, Any]:
    """The custom values sent, through the one check (units generated in bulk start without them)."""
    if unit is None:
        return custom_values_clean(actor=actor, target=UNIT_TARGET, values=values, creating=True)
    return custom_values_clean(actor=actor, target=UNIT_TARGET, values=values, current=unit.custom, instance_pk=unit.pk)


def unit_field_check(field: str, value: Any) -> None:
    """Refuse, naming the field, an area no unit could take (before a bulk edit touches any)."""
    _area(value, field, required=field == "built_area")


def unit_create(*, actor: User, building: Building, data: dict[str, Any]) -> Unit:
    """One unit of a building (the spreadsheet import), not released and unpriced; its number is unique in its
    entrance."""
    require_permission(actor, "re_properties.create")
    require_project(actor, building.project_id)
    out = _unit_fields({"entrance": "1", **data}, building.project)
    for key in ("floor", "number", "built_area"):
        if key not in out:
            raise field_error(key, _("This field is required."))
    if Unit.objects.filter(building=building, entrance=out["entrance"], number=out["number"]).exists():
        raise field_error("number", _("The building already has a unit of this number in this entrance."))
    out["custom"] = _unit_custom(actor, data.get("custom"), None)
    with transaction.atomic():
        return model_create(instance=Unit(building=building, **out), actor=actor)


def unit_update(*, actor: User, unit: Unit, data: dict[str, Any], expected_version: int | None = None) -> Unit:
    """Edit a unit. A reserved one keeps its area and decoration (so its price); an unreserved priced one is
    repriced when what its price comes from changed, in its price history."""
    require_permission(actor, "re_properties.edit")
    require_project(actor, unit.building.project_id)
    out = _unit_fields(data, unit.building.project)
    with transaction.atomic():
        unit = (
            Unit.objects.select_for_update(of=("self",))
            .select_related("building__project", "decoration")
            .get(pk=unit.pk)
        )
        if unit.reserved and {"built_area", "decoration"} & set(out):
            raise InvalidStateError(_("The unit is reserved: its area and decoration no longer change."))
        if "custom" in data:
            out["custom"] = _unit_custom(actor, data["custom"], unit)
        unit, changes = model_update(instance=unit, data=out, actor=actor, expected_version=expected_version)
        if PRICED_BY & set(changes) and not unit.reserved:
            project = unit.building.project
            new = _reprice(unit, rules=_rules_of(project), rounding=project.rounding)
            if new is not None:
                _record_price(unit, new, actor=actor, reason=_("Unit edited"))
    return unit


# --- release and holds (放盘 / 保留) ------------------------------------------------------------------------
def _move_status(*, actor: User, unit_ids: list[int], from_: tuple[str, ...], to: str, extra: dict[str, Any]) -> int:
    """One conditional UPDATE: only the units still in one of `from_` move; the count says how many did."""
    moved = Unit.objects.filter(pk__in=unit_ids, status__in=from_).update(
        status=to, version=F("version") + 1, updated_at=timezone.now(), **extra
    )
    return moved


def units_release(*, actor: User, unit_ids: list[int]) -> int:
    """Release units for sale (推出): those not released yet become available; how many did."""
    require_permission(actor, "re_properties.release")
    with transaction.atomic():
        ids = list(  # units of projects the actor does not work on are left alone, like released ones
            in_project_scope(actor, Unit.objects.filter(pk__in=unit_ids, status=Unit.Status.NOT_RELEASED),
                             "building__project").values_list("pk", flat=True)
        )  # fmt: skip
        moved = _move_status(
            actor=actor, unit_ids=ids, from_=(Unit.Status.NOT_RELEASED,), to=Unit.Status.AVAILABLE, extra={}
        )
        for unit in Unit.objects.filter(pk__in=ids):
            audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=unit,
                         changes={"status": [Unit.Status.NOT_RELEASED, Unit.Status.AVAILABLE]})  # fmt: skip
    return moved


def _require_unit_project(actor: User, pk: int) -> None:
    project_id = Unit.objects.filter(pk=pk).values_list("building__project_id", flat=True).first()
    if project_id is not None:
        require_project(actor, project_id)


def unit_hold(*, actor: User, unit: Unit | int, reason: str, until: dt.date | None = None) -> Unit:
    """Hold an available unit back (保留) with a reason and an optional expiry. Of agents racing for one unit
    exactly one wins; the others get ConflictError."""
    require_permission(actor, "re_properties.release")
    reason = clean_text(reason, "reason", max_length=200, required=True)
    if until is not None and until < timezone.localdate():
        raise field_error("until", _("The hold cannot end in the past."))
    pk = unit.pk if isinstance(unit, Unit) else int(unit)
    _require_unit_project(actor, pk)
    with transaction.atomic():
        moved = _move_status(
            actor=actor, unit_ids=[pk], from_=(Unit.Status.AVAILABLE,), to=Unit.Status.HELD,
            extra={"hold_reason": reason, "held_until": until, "held_by_id": actor.pk},
        )  # fmt: skip
        if not moved:
            raise ConflictError(_("The unit is no longer available."))
        held = Unit.objects.get(pk=pk)
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=held,
                     changes={"status": [Unit.Status.AVAILABLE, Unit.Status.HELD],
                              "hold_reason": [None, reason]})  # fmt: skip
    return held


def unit_unhold(*, actor: User, unit: Unit | int) -> Unit:
    """Put a held unit back on sale."""
    require_permission(actor, "re_properties.release")
    pk = unit.pk if isinstance(unit, Unit) else int(unit)
    _require_unit_project(actor, pk)
    with transaction.atomic():
        moved = _move_status(
            actor=actor, unit_ids=[pk], from_=(Unit.Status.HELD,), to=Unit.Status.AVAILABLE,
            extra={"hold_reason": "", "held_until": None, "held_by_id": None},
        )  # fmt: skip
        if not moved:
            raise InvalidStateError(_("The unit is not held."))
        released = Unit.objects.get(pk=pk)
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=released,
                     changes={"status": [Unit.Status.HELD, Unit.Status.AVAILABLE]})  # fmt: skip
    return released


def holds_expire(*, today: dt.date | None = None) -> int:
    """The worker's job: holds past their expiry put their units back on sale."""
    today = today or timezone.localdate()
    with transaction.atomic():
        ids = list(Unit.objects.filter(status=Unit.Status.HELD, held_until__lt=today).values_list("pk", flat=True))
        moved = _move_status(actor=None, unit_ids=ids, from_=(Unit.Status.HELD,), to=Unit.Status.AVAILABLE,  # type: ignore[arg-type]
                             extra={"hold_reason": "", "held_until": None, "held_by_id": None})  # fmt: skip
        for unit in Unit.objects.filter(pk__in=ids):
            audit_record(actor=None, action=AuditLog.Action.UPDATE, obj=unit,
                         changes={"status": [Unit.Status.HELD, Unit.Status.AVAILABLE]},
                         message=_("The hold expired."))  # fmt: skip
    return moved


# --- prices -------------------------------------------------------------------------------------------
def _rules_of(project: Project) -> dict[int | None, list[pricing.Rule]]:
    by_building: dict[int | None, list[pricing.Rule]] = {}
    for r in PriceRule.objects.filter(project=project):
        by_building.setdefault(r.building_id, []).append(
            pricing.Rule(r.adjust_per_m2, r.floor_from, r.floor_to, r.orientation)
        )
    return by_building


def _reprice(
    unit: Unit, *, rules: dict[int | None, list[pricing.Rule]], rounding: str
) -> tuple[Decimal, Decimal] | None:
    if unit.base_price is None:
        return None
    matching = rules.get(None, []) + rules.get(unit.building_id, [])
    adjust = pricing.rule_adjustment(matching, floor=unit.floor, orientation=unit.orientation)
    if unit.decoration is not None:
        adjust += unit.decoration.price_per_m2
    return pricing.unit_price(
        basis=unit.price_basis, base_price=unit.base_price, built_area=unit.built_area,
        adjust_per_m2=adjust, rounding=rounding,
    )  # fmt: skip


def _record_price(
    unit: Unit, new: tuple[Decimal, Decimal], *, actor: User | None, reason: str, adjustment: Any = None
) -> bool:
    old = (unit.price_per_m2, unit.total_price)
    if old == new:
        return False
    PriceHistory.objects.create(
        unit=unit, adjustment=adjustment, old_price_per_m2=old[0], new_price_per_m2=new[0], old_total=old[1],
        new_total=new[1], reason=reason[:300], changed_by=actor,
    )  # fmt: skip
    unit.price_per_m2, unit.total_price = new
    unit.version += 1
    unit.save(update_fields=["price_per_m2", "total_price", "base_price", "price_basis", "version", "updated_at"])
    return True


def prices_set_base(
    *, actor: User, unit_ids: list[int], basis: str, base_price: Any, reason: str = ""
) -> tuple[int, int]:
    """Price units (定价): a base price per m² or a total, plus the project's floor and orientation rules and the
    decoration. Reserved units keep their price. Returns (repriced, skipped because reserved)."""
    require_permission(actor, "re_pricing.edit")
    if basis not in Unit.PriceBasis.values:
        raise field_error("basis", _("Choose one of the list."))
    base = clean_decimal(base_price, "base_price", low=Decimal("0.01"), high=PRICE_MAX)
    reason = clean_text(reason, "reason", max_length=300) or _("Pricing")
    with transaction.atomic():
        units = list(
            Unit.objects.select_for_update(of=("self",))
            .filter(pk__in=unit_ids)
            .select_related("building__project", "decoration")
        )
        for project_id in {u.building.project_id for u in units}:
            require_project(actor, project_id)  # before any unit changes
        done = skipped = 0
        rules_cache: dict[int, Any] = {}
        for unit in units:
            if unit.reserved:
                skipped += 1
                continue
            project = unit.building.project
            rules = rules_cache.setdefault(project.pk, _rules_of(project))
            unit.base_price, unit.price_basis = base, basis
            new = _reprice(unit, rules=rules, rounding=project.rounding)
            if new is not None and _record_price(unit, new, actor=actor, reason=reason):
                done += 1
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=units[0].building.project if units else None,
                     changes={"prices": [None, f"{basis} {base}: {done} ({skipped} reserved)"]})  # fmt: skip
    return done, skipped


def price_rule_add(*, actor: User, project: Project, data: dict[str, Any]) -> PriceRule:
    """A floor or orientation adjustment; the project's unreserved priced units are repriced at once."""
    require_permission(actor, "re_pricing.edit")
    require_project(actor, project)
    data = pick(data, {"building", "floor_from", "floor_to", "orientation", "adjust_per_m2"})
    floors = [
        _int(data[k], k, -5, FLOORS_MAX) if data.get(k) not in (None, "") else None
        for k in ("floor_from", "floor_to")
    ]  # fmt: skip
    orientation = str(data.get("orientation") or "")
    if orientation and orientation not in Orientation.values:
        raise field_error("orientation", _("Choose one of the list."))
    if floors == [None, None] and not orientation:
        raise field_error("floor_from", _("Give a floor range, an orientation or both."))
    building = _of_project(Building, project, data.get("building"), "building")
    adjust = clean_decimal(data.get("adjust_per_m2"), "adjust_per_m2", low=-PRICE_MAX, high=PRICE_MAX)
    with transaction.atomic():
        rule = PriceRule.objects.create(
            project=project, building=building, floor_from=floors[0], floor_to=floors[1], orientation=orientation,
            adjust_per_m2=adjust,
        )  # fmt: skip
        audit_record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=project, changes={"price_rules": [None, str(rule)]}
        )
        project_reprice(actor=actor, project=project, reason=_("Price rule added"))
    return rule


def project_reprice(*, actor: User, project: Project, reason: str) -> int:
    """Recompute the prices of the project's priced units that are not reserved (after a rule changed)."""
    require_permission(actor, "re_pricing.edit")
    require_project(actor, project)
    rules = _rules_of(project)
    done = 0
    with transaction.atomic():
        units = Unit.objects.select_for_update(of=("self",)).filter(building__project=project, base_price__isnull=False)
        for unit in units.select_related("decoration"):
            if unit.reserved:
                continue
            new = _reprice(unit, rules=rules, rounding=project.rounding)
            if new is not None and _record_price(unit, new, actor=actor, reason=reason):
                done += 1
    return done


# --- payment schemes and discounts (付款方式 / 折扣) ----------------------------------------------------------
def _percent(value: Any, field: str, *, low: str = "0", high: str = "100") -> Decimal:
    return clean_decimal(value, field, low=Decimal(low), high=Decimal(high))


def scheme_add(*, actor: User, project: Project, data: dict[str, Any]) -> PaymentScheme:
    require_permission(actor, "re_pricing.edit")
    require_project(actor, project)
    data = pick(data, {"name", "kind", "discount_percent", "down_payment_percent", "instalment_percents",
                       "instalment_interval_days", "loan_years", "commercial_rate", "provident_rate",
                       "provident_cap"})  # fmt: skip
    kind = str(data.get("kind") or PaymentScheme.Kind.FULL)
    if kind not in PaymentScheme.Kind.values:
        raise field_error("kind", _("Choose one of the list."))
    instalments = clean_text(data.get("instalment_percents"), "instalment_percents", max_length=200)
    try:
        pricing.parse_percents(instalments)
    except (ValueError, ArithmeticError):
        raise field_error(
            "instalment_percents", _("Write the instalments as percents adding up to 100: 30/40/30.")
        ) from None
    defaults = PaymentScheme()
    scheme = PaymentScheme(
        project=project, kind=kind, instalment_percents=instalments,
        name=clean_text(data.get("name"), "name", max_length=100, required=True),
        discount_percent=_percent(data.get("discount_percent") or 100, "discount_percent", low="1"),
        down_payment_percent=_percent(
            data.get("down_payment_percent") or (100 if kind in ("full", "instalments") else 30), "down_payment_percent"
        ),
        instalment_interval_days=_int(data.get("instalment_interval_days") or 90, "instalment_interval_days", 1, 3650),
        loan_years=int(_percent(data.get("loan_years") or 30, "loan_years", low="1", high="30")),
        commercial_rate=_percent(data.get("commercial_rate") or defaults.commercial_rate, "commercial_rate", high="30"),
        provident_rate=_percent(data.get("provident_rate") or defaults.provident_rate, "provident_rate", high="30"),
        provident_cap=clean_decimal(data.get("provident_cap") or defaults.provident_cap, "provident_cap",
                                    low=Decimal(0), high=PRICE_MAX),
    )  # fmt: skip
    return _child_create(actor, scheme, "schemes")


def discount_add(*, actor: User, project: Project, data: dict[str, Any]) -> Discount:
    require_permission(actor, "re_pricing.edit")
    require_project(actor, project)
    data = pick(data, {"name", "kind", "method", "value"})
    kind, method = str(data.get("kind") or ""), str(data.get("method") or "")
    if kind not in Discount.Kind.values:
        raise field_error("kind", _("Choose one of the list."))
    if method not in Discount.Method.values:
        raise field_error("method", _("Choose one of the list."))
    if method == Discount.Method.PERCENT:
        value = _percent(data.get("value"), "value", low="1")
    else:
        value = clean_decimal(data.get("value"), "value", low=Decimal("0.01"), high=PRICE_MAX)
    discount = Discount(
        project=project, kind=kind, method=method, value=value,
        name=clean_text(data.get("name"), "name", max_length=100, required=True),
    )  # fmt: skip
    return _child_create(actor, discount, "discounts")
