"""The units list (房源列表) for the shared list toolkit: every unit of every project with its status and price,
filters by project, building, status, layout, floor and area, and the bulk release to sale (放盘)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.commerce.lists import bulk, choices_of
from guanxi.core.errors import ApplicationError, PermissionDeniedError
from guanxi.core.inputs import field_error
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import BulkAction, BulkResult, Choice, Column, EmptyState, Field, ListDefinition, Scene
from guanxi.org.policies import has_permission

from . import selectors, services
from .feature import enabled
from .models import Building, DecorationStandard, Layout, Orientation, Project, Unit

CELLS = "realestate/cells/"


def _projects(user: Any) -> list[Choice]:
    return [Choice(str(p.pk), p.name) for p in selectors.in_project_scope(user, Project.objects.order_by("name"), "pk")]


def _buildings(user: Any) -> list[Choice]:
    found = selectors.in_project_scope(user, Building.objects.select_related("project"))
    return [Choice(str(b.pk), str(b)) for b in found.order_by("project__name", "name")]


def _named_choices(model: Any) -> Any:
    """A project's layouts or decoration standards as choices ("project · name")."""

    def choices(user: Any) -> list[Choice]:
        found = selectors.in_project_scope(user, model.objects.select_related("project"))
        found = found.order_by("project__name", "name")
        return [Choice(str(x.pk), f"{x.project.name} · {x.name}") for x in found]

    return choices


def _bulk_edit(field: str) -> Any:
    """Set one field on the ticked units, each through unit_update (its permission check, audit, repricing): a unit
    the service refuses (a reserved one's area or decoration, another project's layout) is skipped, unchanged. A
    value no unit could take (an area of 0, an unknown orientation) is refused naming the field, nothing changed."""

    def run(actor: Any, ids: list[int], value: str) -> BulkResult:
        value = value.strip()
        if field in ("built_area", "usable_area") and (value or field == "built_area"):
            services.unit_field_check(field, value)
        if field == "orientation" and value and value not in Orientation.values:
            raise field_error(field, _t("Choose one of the list."))
        done = 0
        for unit in selectors.unit_list(user=actor).filter(pk__in=ids):
            try:
                services.unit_update(actor=actor, unit=unit, data={field: value})
            except PermissionDeniedError:
                raise
            except ApplicationError:
                continue
            done += 1
        return BulkResult(done=done, skipped=len(ids) - done)

    return run


def _release(actor: Any, ids: list[int]) -> tuple[int, int]:
    """Release the ticked units: (released, skipped because already released or sold)."""
    released = services.units_release(actor=actor, unit_ids=ids)
    return released, len(ids) - released


@register
class UnitList(ListDefinition):
    key = "re_units"
    title = _("Units")
    model = Unit
    permission = "re_properties.view"
    url_name = "realestate:unit_list"
    search_placeholder = _("Unit number or building")
    export_permission = "re_properties.export"
    default_sort = "unit"
    empty = EmptyState(
        _("No units yet."),
        _("Create a project and its buildings, then generate each building's units from a template."),
        icon="building",
    )
    no_action_text = _("Units appear here once the project's buildings are set up.")

    columns = (
        Column("unit", pgettext_lazy("real estate", "Unit"), value=lambda u: f"{u.building} {u.code}",
               template=CELLS + "unit.html",
               # by floor before the room number, so 2-204 comes before 2-1001 (numbers are text)
               sort=("building__project__name", "building__name", "entrance", "floor", "number"), fixed=True),
        Column("floor", _("Floor"), sort=("floor",), phone_inline=True),
        Column("layout", _("Layout"), value=lambda u: str(u.layout or ""), sort=("layout__name",)),
        Column("orientation", _("Orientation"), value=lambda u: u.get_orientation_display(), sort=("orientation",)),
        Column("built_area", _("Built-up area"), sort=("built_area",), phone_inline=True),
        Column("usable_area", _("Usable area"), sort=("usable_area",), default=False, phone=False),
        Column("decoration", _("Decoration"), value=lambda u: str(u.decoration or ""), default=False, phone=False),
        Column("price_per_m2", _("Price per m²"), template=CELLS + "money.html", sort=("price_per_m2",)),
        Column("total_price", _("Total price"), template=CELLS + "total.html", sort=("total_price",),
               phone_inline=True),
        Column("status", _("Status"), value=lambda u: u.get_status_display(), template=CELLS + "status.html",
               sort=("status",), phone_inline=True),
    )  # fmt: skip
    fields = (
        Field("project", _("Project"), "building__project_id", "choice", choices=_projects, quick=True),
        Field("building", _("Building"), "building_id", "choice", choices=_buildings),
        Field("status", _("Status"), "status", "choice", choices=choices_of(Unit.Status.choices), quick=True),
        Field("orientation", _("Orientation"), "orientation", "choice", choices=choices_of(Orientation.choices),
              bulk_edit=_bulk_edit("orientation"), bulk_permission="re_properties.edit"),
        Field("layout", _("Layout"), "layout_id", "choice", choices=_named_choices(Layout),
              bulk_edit=_bulk_edit("layout"), bulk_permission="re_properties.edit"),
        Field("decoration", _("Decoration standard"), "decoration_id", "choice",
              choices=_named_choices(DecorationStandard),
              bulk_edit=_bulk_edit("decoration"), bulk_permission="re_properties.edit"),
        Field("floor", _("Floor"), "floor", "number"),
        Field("built_area", _("Built-up area"), "built_area", "number", quick=True,
              bulk_edit=_bulk_edit("built_area"), bulk_permission="re_properties.edit"),
        Field("usable_area", _("Usable area"), "usable_area", "number",
              bulk_edit=_bulk_edit("usable_area"), bulk_permission="re_properties.edit"),
        Field("total_price", _("Total price"), "total_price", "number", quick=True),
    )  # fmt: skip
    scenes = (
        Scene("all", _("All"), lambda qs, user: qs),
        Scene("available", _("Available"), lambda qs, user: qs.filter(status=Unit.Status.AVAILABLE)),
        Scene("not_released", _("Not released"), lambda qs, user: qs.filter(status=Unit.Status.NOT_RELEASED)),
        Scene("held", _("Held"), lambda qs, user: qs.filter(status=Unit.Status.HELD)),
    )
    bulk_actions = (
        BulkAction(
            "release", _("Release for sale"), "rocket", "re_properties.release",
            bulk(lambda actor, ids, data: _release(actor, ids)),
        ),
    )  # fmt: skip

    template = "realestate/lists/units.html"

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"can_import": enabled() and has_permission(user, "re_properties.import")}

    def may_read(self, user: Any) -> bool:
        return enabled() and super().may_read(user)

    def may_export(self, user: Any) -> bool:
        return enabled() and super().may_export(user)

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.unit_list(user=user)

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.unit_list(user=user, action="export")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        from django.db.models import Q

        text = text.strip()
        return qs.filter(
            Q(number__icontains=text) | Q(building__name__icontains=text) | Q(building__project__name__icontains=text)
        )

    def row_url(self, row: Any) -> str:
        return reverse("realestate:unit_detail", args=[row.pk])
